"""The legacy door as a DRF view: text whatever the caller accepts, every method answered, the
legacy headers only, and the per-API-user rate limit (LMAPI_USER_RATE) shared in kind with the
JSON door's per-key limit."""

from unittest import mock

import pytest

from leads.models import ApiLogEntry, Lead
from leads.tests.factories import (
    DEFAULT_PASSWORD,
    ApiUserFactory,
    IpListEntryFactory,
    IpListFactory,
    SystemSettingsFactory,
    UserGroupFactory,
)

from .rest_fixtures import RestClient, key_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller():
    return ApiUserFactory(username="6666", profile__user_level=9)


@pytest.mark.parametrize(
    "profile",
    [
        {"user_level": 6},
        {"user_level": 7},
        {"modify_leads": 0},
        {"modify_leads": 5},
        {"api_access": False},
        {"api_allowed_functions": " lead_search "},
        {"api_list_restrict": True, "user_group_id": "GONE"},
    ],
)
def test_both_doors_refuse_the_same_users(client, profile):
    """One rule per check (leads.api_access and ApiUserProfile): a user the JSON door refuses
    cannot add through the legacy door either, and the reverse."""
    user = ApiUserFactory(username="6666", **{f"profile__{k}": v for k, v in profile.items()})
    legacy = add_lead(client, "7275559999").content.decode()
    rest = RestClient(key_of(user)).post("/api/v1/leads/", {"phone_number": "7275559998"})
    assert legacy.startswith("ERROR: ") and rest.status_code == 403
    assert Lead.objects.count() == 0


def test_both_doors_apply_the_same_ip_lists(client):
    """The group's allow list refuses an address outside it on both doors."""
    SystemSettingsFactory(allow_ip_lists=True)
    allowed = IpListFactory(ip_list_id="OTHERIPS")
    IpListEntryFactory(ip_list=allowed, ip_address="10.9.9.9")
    group = UserGroupFactory(user_group="IPGROUP", api_ip_list=allowed)
    user = ApiUserFactory(username="6666", profile__user_group=group)
    legacy = add_lead(client, "7275559999").content.decode()
    rest = RestClient(key_of(user)).post("/api/v1/leads/", {"phone_number": "7275559998"})
    assert legacy == "ERROR: Your IP Address is not allowed: 127.0.0.1: ||IPBLOCK|\n"
    assert rest.json()["type"].rstrip("/").endswith("ip-blocked")


def add_lead(client, phone: str, user: str = "6666", **headers):
    data = {
        "user": user,
        "pass": DEFAULT_PASSWORD,
        "function": "add_lead",
        "source": "test",
        "phone_number": phone,
    }
    return client.get("/API/lmapi.php", data, headers=headers)


def test_a_caller_accepting_only_json_still_gets_the_text_lines(client, caller):
    """DRF's content negotiation would answer 406; the legacy door always answers text."""
    response = add_lead(client, "7275559999", accept="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - ")


def test_the_answer_carries_no_allow_or_vary_header_from_drf(client, caller):
    """D2: the legacy door's headers are its own; DRF adds Allow and Vary to its views."""
    response = add_lead(client, "7275559999")
    assert not response.has_header("Allow")
    assert not response.has_header("Vary")
    assert response["Cache-Control"] == "no-cache, must-revalidate"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_any_method_reads_the_query_string_as_get_does(client, method):
    """The original answered every method from its query string: no 405 from DRF."""
    response = getattr(client, method)("/API/lmapi.php?function=version")
    assert response.status_code == 200
    assert response.content.decode().startswith("VERSION: ")


def test_the_user_rate_limit_refuses_with_429_once_spent(client, caller, settings):
    """LMAPI_USER_RATE: past the rate, a logged refusal with Retry-After and nothing stored."""
    settings.LMAPI_USER_RATE = "2/min"
    assert add_lead(client, "7275550001").status_code == 200
    assert add_lead(client, "7275550002").status_code == 200
    refused = add_lead(client, "7275550003")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert body.startswith("ERROR: TOO MANY REQUESTS, try again in ")
    assert body.endswith("seconds: |6666|RATE|\n")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert not Lead.objects.filter(phone_number="7275550003").exists()
    assert ApiLogEntry.objects.filter(result_reason="TOO MANY REQUESTS").count() == 1


def test_the_user_rate_limit_counts_each_api_user_apart(client, caller, settings):
    """The limit is per API user (as the JSON door's is per key), not per address."""
    ApiUserFactory(username="7777", profile__user_level=9)
    settings.LMAPI_USER_RATE = "1/min"
    assert add_lead(client, "7275550001").status_code == 200
    assert add_lead(client, "7275550002", user="7777").status_code == 200
    assert add_lead(client, "7275550003").status_code == 429


def test_a_failed_login_spends_none_of_the_rate(client, caller, settings):
    """The rate counts logged-in requests only: a wrong password cannot lock the user out."""
    settings.LMAPI_USER_RATE = "1/min"
    wrong = client.get(
        "/API/lmapi.php",
        {"user": "6666", "pass": "wrong", "function": "add_lead", "source": "test"},
    )
    assert wrong.content.decode().startswith("ERROR: Login incorrect")
    assert add_lead(client, "7275550001").status_code == 200


def test_without_a_rate_the_hot_path_never_touches_the_cache_for_limits(client, caller):
    """No LMAPI_USER_RATE (the default): no cache round trip is added to an add."""
    with mock.patch("leads.api_access.cache") as limits_cache:
        assert add_lead(client, "7275559999").status_code == 200
    assert limits_cache.mock_calls == []
