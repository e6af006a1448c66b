"""The legacy API view: envelope, doors, logging and atomicity (D1, D2, D6, D10)."""

from unittest import mock

import pytest
from django.db import DatabaseError

from callbacks.models import Callback
from campaigns.models import HopperEntry
from leads.models import AltPhone, ApiLogEntry, Lead
from leads.tests.factories import DEFAULT_PASSWORD, ApiUserFactory, LeadListFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller():
    return ApiUserFactory(username="6666", profile__user_level=9)


def add_lead(client, path="/API/lmapi.php", method="get", **params):
    data = {"user": "6666", "pass": DEFAULT_PASSWORD, "function": "add_lead", "source": "test"}
    data.update(params)
    return getattr(client, method)(path, data)


@pytest.mark.parametrize("path", ["/API/lmapi.php", "/vicidial/non_agent_api.php"])
def test_both_doors_answer_plain_text_lines(client, caller, path):
    """D1, D2: both URLs, HTTP 200, text/plain that browsers never sniff as HTML."""
    response = add_lead(client, path=path, phone_number="7275559999")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode().startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - ")
    assert response.content.decode().endswith("\n")


def test_post_needs_no_csrf_token(caller):
    """Legacy callers post forms without a CSRF token."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = add_lead(client, method="post", phone_number="7275559999")
    assert response.content.decode().startswith("SUCCESS:")


def test_password_is_never_echoed_nor_logged(client, caller):
    """D6: the login error prints an empty password; the log keeps no password."""
    response = add_lead(client, phone_number="7275559999", **{"pass": "wrong-secret"})
    assert response.content.decode() == "ERROR: Login incorrect, please try again: |6666||BAD|\n"
    add_lead(client, phone_number="7275559999")
    assert ApiLogEntry.objects.count() == 1
    assert "pass=" not in ApiLogEntry.objects.get().url
    assert DEFAULT_PASSWORD not in ApiLogEntry.objects.get().url


def test_per_user_wire_profile_overrides_the_setting(client, settings):
    """D4: an API user may keep the vicidial line forms whatever the system default."""
    settings.LMAPI_WIRE_PROFILE = "documented"
    ApiUserFactory(username="6666", profile__user_level=9, profile__wire_profile="vicidial")
    body = add_lead(client, phone_number="7275559999").content.decode()
    assert body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275559999|999|")
    assert body.rstrip("\n").endswith("|6666")


def test_a_failure_after_the_insert_leaves_nothing_behind(client, caller):
    """D10: lead, alt phones, hopper, callback and log rows commit together or not at all."""
    LeadListFactory(list_id=101)
    with (
        mock.patch("leads.services.add.add_alt_phones", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        add_lead(
            client,
            phone_number="7275559999",
            list_id="101",
            multi_alt_phones="7275551212_1_work",
            add_to_hopper="Y",
            callback="Y",
            campaign_id=LeadListFactory._meta.model.objects.get(list_id=101).campaign_id,
            callback_datetime="NOW",
        )
    assert Lead.objects.count() == 0
    assert AltPhone.objects.count() == 0
    assert HopperEntry.objects.count() == 0
    assert Callback.objects.count() == 0
    assert ApiLogEntry.objects.count() == 0


def test_login_failures_count_but_write_no_log_row(client, caller):
    """Contract §2.2 (A06): no log row for a login failure; D7 counts it."""
    add_lead(client, phone_number="7275559999", **{"pass": "nope"})
    caller.api_profile.refresh_from_db()
    assert caller.api_profile.failed_login_count == 1
    assert ApiLogEntry.objects.count() == 0


def test_ten_failures_lock_the_user_even_with_the_right_password(client, caller):
    """D7: ten consecutive failures lock for 15 minutes from the latest failure."""
    for _ in range(10):
        add_lead(client, phone_number="7275559999", **{"pass": "nope"})
    body = add_lead(client, phone_number="7275559999").content.decode()
    assert body == "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"
    assert Lead.objects.count() == 0


def test_password_check_is_cached_and_a_new_password_invalidates_it(client, caller):
    """D6: a verified password is remembered; changing it takes effect at once."""
    assert add_lead(client, phone_number="7275559991").content.startswith(b"SUCCESS")
    with mock.patch("leads.api.passwords.check_password") as check:
        assert add_lead(client, phone_number="7275559992").content.startswith(b"SUCCESS")
        check.assert_not_called()
    caller.set_password("another-secret")
    caller.save()
    assert add_lead(client, phone_number="7275559993").content.startswith(b"ERROR: Login")


def test_log_keeps_the_query_as_sent_without_any_spelling_of_the_password(client, caller):
    """D6: an encoded or repeated password parameter is dropped from the logged URL too."""
    query = f"user=6666&pa%73s=x&pass={DEFAULT_PASSWORD}&function=add_lead&source=test"
    client.get(f"/API/lmapi.php?{query}&phone_number=7275559999&first_name=Jos%C3%A9")
    url = ApiLogEntry.objects.get().url
    assert url.startswith("/API/lmapi.php?user=6666&function=add_lead")
    assert "pass" not in url and "pa%73s" not in url and DEFAULT_PASSWORD not in url
    assert "first_name=Jos%C3%A9" in url


def test_a_raw_nul_in_the_query_string_is_not_stored(client, caller):
    """D9: PostgreSQL text columns cannot hold NUL; the logged URL drops it."""
    query = f"user=6666&pass={DEFAULT_PASSWORD}&function=add_lead&source=test&x=a\x00b"
    response = client.generic("GET", "/API/lmapi.php", QUERY_STRING=query + "&phone_number=72755")
    assert response.status_code == 200
    assert "\x00" not in ApiLogEntry.objects.get().url


@pytest.mark.parametrize("function", ["coffee", "start_coffee", "make_coffee", "brew_coffee"])
def test_coffee_functions_are_unknown_functions(client, caller, function):
    """D3 (FORMAT.md §7): the original's HTTP 418 coffee functions are answered like any
    other unknown function after a good login, with HTTP 200 (D2); a bad login still fails."""
    response = add_lead(client, function=function)
    assert response.status_code == 200
    assert response.content.decode() == "ERROR: NO FUNCTION SPECIFIED\n"
    refused = add_lead(client, function=function, **{"pass": "nope"})
    assert refused.content.decode() == "ERROR: Login incorrect, please try again: |6666||BAD|\n"


def test_a_lower_case_campaign_id_finds_the_campaign_for_dnc_and_callbacks(client, caller):
    """D11: ids a request names compare case-insensitively: the campaign DNC list blocks a
    number sent with a lower-case campaign_id, and a callback for it is stored under the
    campaign as spelt in the database while the answer echoes the id as sent."""
    from campaigns.tests.factories import CampaignDncFactory

    dnc = CampaignDncFactory(phone_number="7275550000", campaign__campaign_id="SALES1")
    LeadListFactory(list_id=101, campaign=dnc.campaign)
    blocked = add_lead(
        client,
        phone_number="7275550000",
        list_id="101",
        campaign_id="sales1",
        campaign_dnc_check="Y",
    )
    assert blocked.content.decode().startswith("ERROR: add_lead PHONE NUMBER IN CAMPAIGN DNC")
    added = add_lead(
        client,
        phone_number="7275550001",
        list_id="101",
        campaign_id="sales1",
        callback="Y",
        callback_datetime="NOW",
    ).content.decode()
    assert "NOTICE: add_lead SCHEDULED CALLBACK ADDED - " in added
    assert "|sales1|" in added
    assert Callback.objects.get().campaign_id == "SALES1"
