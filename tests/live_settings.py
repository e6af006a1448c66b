"""Settings of the gunicorn servers that live tests start: the production settings with the
tests' fast password hasher (conftest.py), so users the tests create can log in."""

from leadhub.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
