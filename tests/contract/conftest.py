import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Replays verify a password on every request and the D6 verification cache is cleared
    between cases, so a deliberately slow hasher would dominate the run. The loader hashes
    with whatever hasher is first, so this changes speed only, never what is checked."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
