"""Test-wide setup: fast password hashing, empty caches before every test, common fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """MD5 keeps factories and logins fast; production hashing is not what tests measure."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_caches():
    """Drop cached configuration, so rows rolled back by an earlier test are never served."""
    from django.core.cache import cache

    from leadhub.db import config_cache
    from leads.api import passwords

    cache.clear()
    passwords.shared_cache().clear()
    config_cache.invalidate()
    passwords.forget_all_in_process()
    yield


@pytest.fixture
def campaign(db):
    """A campaign with a call time of its own (see campaigns.tests.factories)."""
    from campaigns.tests.factories import CampaignFactory

    return CampaignFactory()


@pytest.fixture
def lead_list(campaign):
    """A list in ``campaign``."""
    from leads.tests.factories import LeadListFactory

    return LeadListFactory(campaign=campaign)


@pytest.fixture
def api_user(db):
    """A user who may add leads through the API (password: factories.DEFAULT_PASSWORD)."""
    from leads.tests.factories import ApiUserFactory

    return ApiUserFactory()
