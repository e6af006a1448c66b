"""The JSON door's API keys: hashed at rest, shown once, revocable, identified by a prefix;
the legacy door's permissions (level, modify_leads, functions, IP lists); per-key throttles;
the key admin."""

import re

import pytest
from django.contrib.admin.sites import site
from django.test import Client

from leads.models import ApiKey, Lead
from leads.tests.factories import (
    ApiUserFactory,
    IpListEntryFactory,
    IpListFactory,
    SystemSettingsFactory,
    UserFactory,
    UserGroupFactory,
)

from .rest_fixtures import *  # noqa: F403
from .rest_fixtures import RestClient, key_of

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
LEAD = {"phone_number": "7275551234"}


def _type(response) -> str:
    return response.json()["type"].removeprefix("/api/v1/problems/").rstrip("/")


def test_key_is_kept_only_as_a_hash_and_its_prefix_identifies_it(rest_user):
    key = key_of(rest_user)
    row = ApiKey.objects.get()
    prefix, secret = key.split(".")
    assert row.prefix == prefix and len(prefix) == 8
    assert secret not in row.hashed_key and key not in row.id
    assert row.hashed_key.startswith("sha512$$")
    assert RestClient(key).post(LEADS, LEAD).status_code == 201


def test_no_key_is_401_with_a_challenge(client):
    response = client.post(LEADS, LEAD, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response["Content-Type"] == "application/problem+json"
    assert _type(response) == "not-authenticated"


@pytest.mark.parametrize("mangle", ["secret", "prefix", "no-dot"])
def test_wrong_key_is_401(rest_user, mangle):
    key = key_of(rest_user)
    prefix, secret = key.split(".")
    wrong = {
        "secret": f"{prefix}.{secret[:-1]}x" if secret[-1] != "x" else f"{prefix}.{secret[:-1]}y",
        "prefix": f"zzzzzzzz.{secret}",
        "no-dot": prefix + secret,
    }[mangle]
    response = RestClient(wrong).post(LEADS, LEAD)
    assert response.status_code == 401
    assert _type(response) == "invalid-api-key"
    assert Lead.objects.count() == 0


def test_revoked_or_expired_key_stops_working(rest_user):
    from datetime import timedelta

    from django.utils import timezone

    key = key_of(rest_user)
    rest = RestClient(key)
    assert rest.post(LEADS, LEAD).status_code == 201
    row = ApiKey.objects.get()
    row.revoked = True
    row.save()
    assert rest.post(LEADS, LEAD).status_code == 401
    expired = key_of(rest_user, expiry_date=timezone.now() - timedelta(minutes=1))
    assert RestClient(expired).post(LEADS, LEAD).status_code == 401


@pytest.mark.parametrize(
    ("profile", "active", "slug"),
    [
        ({"user_level": 6}, True, "user-not-permitted"),
        ({}, False, "user-not-permitted"),
        ({"modify_leads": 0}, True, "user-not-permitted"),
        ({"modify_leads": 5}, True, "user-not-permitted"),
        ({"user_level": 7}, True, "user-not-permitted"),
        ({"api_access": False}, True, "user-not-permitted"),
        ({"api_allowed_functions": " lead_search "}, True, "function-not-allowed"),
    ],
)
def test_the_legacy_doors_permissions_apply(profile, active, slug):
    user = ApiUserFactory(is_active=active, **{f"profile__{k}": v for k, v in profile.items()})
    response = RestClient(key_of(user)).post(LEADS, LEAD)
    assert response.status_code == 403
    assert _type(response) == slug
    assert Lead.objects.count() == 0


def test_reads_need_only_the_read_function(db):
    """A user without add permission but allowed lead_search may read."""
    user = ApiUserFactory(profile__modify_leads=0, profile__api_allowed_functions=" lead_search ")
    rest = RestClient(key_of(user))
    assert rest.get(LEADS).status_code == 200
    assert _type(rest.post(LEADS, LEAD)) == "function-not-allowed"


def test_ip_lists_apply_to_keys(db):
    SystemSettingsFactory(allow_ip_lists=True)
    allowed = IpListFactory(ip_list_id="RESTIPS")
    IpListEntryFactory(ip_list=allowed, ip_address="10.9.9.9")
    group = UserGroupFactory(user_group="IPGROUP", api_ip_list=allowed)
    user = ApiUserFactory(profile__user_group=group)
    response = RestClient(key_of(user)).post(LEADS, LEAD)
    assert response.status_code == 403
    assert _type(response) == "ip-blocked"
    user.api_profile.ignore_ip_list = True
    user.api_profile.save()
    assert RestClient(key_of(user)).post(LEADS, LEAD).status_code == 201


def test_missing_user_group_of_a_list_restricted_user_is_refused(db):
    user = ApiUserFactory(profile__api_list_restrict=True, profile__user_group_id="GONE")
    response = RestClient(key_of(user)).post(LEADS, LEAD)
    assert response.status_code == 403
    assert _type(response) == "user-group-missing"


def test_each_key_has_its_own_rate_limit(rest_user):
    limited = RestClient(key_of(rest_user, throttle_rate="2/min"))
    other = RestClient(key_of(rest_user, name="other"))
    assert [limited.get(LEADS).status_code for _ in range(3)] == [200, 200, 429]
    refused = limited.get(LEADS)
    assert _type(refused) == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert other.get(LEADS).status_code == 200


def test_default_rate_comes_from_the_setting(rest, settings):
    settings.API_KEY_RATE = "1/hour"
    assert [rest.get(LEADS).status_code for _ in range(2)] == [200, 429]


def test_admin_shows_a_new_key_once_and_keeps_only_its_hash(db):
    admin = UserFactory(username="keyadmin", is_staff=True, is_superuser=True)
    owner = ApiUserFactory(username="keyowner")
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/admin/leads/apikey/add/",
        {"name": "CRM", "profile": owner.api_profile.pk, "throttle_rate": "100/min"},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.search(r"The API key for CRM is: (\S+)\.", response.content.decode())
    assert shown is not None
    key = shown.group(1)
    row = ApiKey.objects.get()
    assert row.profile == owner.api_profile and row.throttle_rate == "100/min"
    assert key not in str(list(ApiKey.objects.values_list()))
    assert RestClient(key).post(LEADS, LEAD).status_code == 201
    page = browser.get(f"/admin/leads/apikey/{row.pk}/change/")
    assert key not in page.content.decode()
    assert ApiKey in site._registry


def test_command_prints_a_working_key_once(rest_user, capsys):
    from django.core.management import call_command

    call_command("api_key_create", "restuser", "CRM", "--rate", "50/min")
    key = capsys.readouterr().out.strip()
    row = ApiKey.objects.get()
    assert key.startswith(row.prefix + ".") and row.throttle_rate == "50/min"
    assert RestClient(key).post(LEADS, LEAD).status_code == 201
