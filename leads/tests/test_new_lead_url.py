"""The new-lead URL (contract §3.14e, D19): which URL is chosen and how its tokens are filled;
logged with the lead in its transaction, for the doors NEW_LEAD_URL_DOORS names."""

from datetime import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError

from leads.models import Lead, LeadList
from leads.new_lead_url import new_lead_url_choose, new_lead_url_fill
from leads.tests.factories import (
    DEFAULT_PASSWORD,
    ApiUserFactory,
    LeadListFactory,
    SystemSettingsFactory,
)
from webhooks.models import Delivery

SYSTEM = "http://crm.example.com/system"


def _list(url: str) -> LeadList:
    return LeadList(list_id=101, list_name="Spring", new_lead_url=url)


@pytest.mark.parametrize(
    ("list_url", "chosen"),
    [
        ("", SYSTEM),  # no list URL: the system's
        ("http://crm.example.com/list", "http://crm.example.com/list"),  # W04
        ("---DISABLED---", None),  # W02: switches the system URL off too
        ("http://a.b", None),  # W03: 10 characters: none, and not the system's either
    ],
)
def test_list_url_wins_unless_disabled_and_short_urls_are_ignored(list_url, chosen):
    assert new_lead_url_choose(SYSTEM, _list(list_url)) == chosen


def test_a_lead_in_an_undefined_list_gets_the_system_url():
    assert new_lead_url_choose(SYSTEM, None) == SYSTEM
    assert new_lead_url_choose("http://a.bc", None) == "http://a.bc"  # 11 characters
    assert new_lead_url_choose("", None) is None


LEAD = {
    "lead_id": 42,
    "list_id": 101,
    "vendor_lead_code": "V 7",
    "phone_number": "7275551212",
    "first_name": "  José  ",
    "last_name": "O'Neil & Co",
    "comments": "a+b/c~d",
    "user": "6666",
    "gmt_offset_now": Decimal("-5"),
    "entry_date": datetime.fromisoformat("2026-12-05T14:30:00+00:00"),
    "date_of_birth": None,
    "custom_values": {"Color": "dark blue", "score": "7"},
}


def test_tokens_are_replaced_in_any_case_with_trimmed_url_encoded_values():
    url = "http://x.example/n?id=--A--LEAD_ID--B--&f=--a--first_name--b--&l=--A--last_name--B--"
    filled = new_lead_url_fill(url, LEAD, lead_list=_list(""))
    assert filled == "http://x.example/n?id=42&f=Jos%C3%A9&l=O%27Neil+%26+Co"


def test_php_urlencode_keeps_only_letters_digits_and_dash_underscore_dot():
    filled = new_lead_url_fill("http://x.example/?c=--A--comments--B--", LEAD, lead_list=None)
    assert filled == "http://x.example/?c=a%2Bb%2Fc%7Ed"


def test_aliases_list_values_offsets_dates_and_always_empty_tokens():
    url = (
        "http://x.example/?v=--A--vendor_id--B--&p=--A--phone--B--&n=--A--list_name--B--"
        "&g=--A--gmt_offset_now--B--&e=--A--entry_date--B--&d=--A--date_of_birth--B--"
        "&s=--A--SQLdate--B--&t=--A--epoch--B--"
    )
    filled = new_lead_url_fill(url, LEAD, lead_list=_list(""))
    assert filled == (
        "http://x.example/?v=V+7&p=7275551212&n=Spring&g=-5.00&e=2026-12-05+09%3A30%3A00&d=&s=&t="
    )


def test_custom_field_labels_are_tokens_and_unknown_tokens_stay():
    url = "http://x.example/?c=--A--color--B--&s=--A--Score--B--&u=--A--nope--B--"
    filled = new_lead_url_fill(url, LEAD, lead_list=None)
    assert filled == "http://x.example/?c=dark+blue&s=7&u=--A--nope--B--"


def test_a_leading_var_is_stripped_once():
    assert new_lead_url_fill("VARhttp://x.example/VAR", LEAD, lead_list=None) == (
        "http://x.example/VAR"
    )


# --- logged with the lead (the API door) ---------------------------------------------------


@pytest.fixture
def caller(db):
    return ApiUserFactory(username="6666", profile__user_level=9)


def add_lead(client, **params):
    data = {"user": "6666", "pass": DEFAULT_PASSWORD, "function": "add_lead", "source": "test"}
    return client.get("/API/lmapi.php", {**data, **params}).content.decode()


def test_an_api_lead_logs_its_url_in_the_outbox_and_sends_nothing_in_the_request(client, caller):
    """D19: logged with the lead; the request itself makes no HTTP call."""
    SystemSettingsFactory(new_lead_url="http://127.0.0.1:9/new?ph=--A--phone_number--B--")
    LeadListFactory(list_id=101)
    with mock.patch("webhooks.net.request") as request:
        lines = add_lead(client, phone_number="7275559999", list_id="101")
    assert lines.startswith("SUCCESS:")
    request.assert_not_called()
    delivery = Delivery.objects.get()
    lead = Lead.objects.get()
    assert (delivery.kind, delivery.lead_id, delivery.list_id) == ("apinewlead", lead.pk, 101)
    assert delivery.url == "http://127.0.0.1:9/new?ph=7275559999"
    assert delivery.status == Delivery.Status.PENDING


def test_a_rolled_back_add_logs_no_url(client, caller):
    """D19/D10: the URL row shares the lead's transaction."""
    SystemSettingsFactory(new_lead_url="http://127.0.0.1:9/new?ph=--A--phone_number--B--")
    with (
        mock.patch("leads.services.add.add_alt_phones", side_effect=DatabaseError("boom")),
        pytest.raises(DatabaseError),
    ):
        add_lead(client, phone_number="7275559999", multi_alt_phones="7275551212_1_work")
    assert not Lead.objects.exists()
    assert not Delivery.objects.exists()


def test_other_doors_fire_the_url_only_when_the_setting_names_them(settings, caller):
    """NEW_LEAD_URL_DOORS: the API only by default, as the original."""
    from django.utils import timezone

    from leads.services.hooks import lead_deliveries

    SystemSettingsFactory(new_lead_url="http://127.0.0.1:9/new")
    values = {"lead_id": 5, "list_id": 999}
    now = timezone.now()
    assert lead_deliveries(values, door="manual", now=now) == []
    settings.NEW_LEAD_URL_DOORS = ["api", "manual"]
    assert [d.url for d in lead_deliveries(values, door="manual", now=now)] == [
        "http://127.0.0.1:9/new"
    ]
