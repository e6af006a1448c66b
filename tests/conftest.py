"""Fixtures of the cross-app tests."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(transactional_db):
    """The demo data of `manage.py load_demo`, committed: API user 6666/1234, campaign
    TESTCAMP with list 101, list 999 without a campaign, the demo DNC numbers."""
    call_command("load_demo", stdout=io.StringIO())
