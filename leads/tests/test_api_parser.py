"""The legacy add_lead parameters read into the typed request: every quirk of the dialect
is the parser's, and what reaches the pipeline is typed (contract §1.4, §3)."""

from datetime import date

import pytest

from leads.api.parser import (
    duplicate_policy_parse,
    lead_request_parse,
    time_zone_method_parse,
)
from leads.outcomes import DuplicateCheck
from leads.services.request import (
    AltPhoneEntry,
    CallbackRequest,
    DncMode,
    HopperRequest,
    TimeZoneMethod,
)


def parse(**params: str):
    return lead_request_parse(params, non_latin=True)


@pytest.mark.parametrize(
    ("text", "checks", "days"),
    [
        ("DUPLIST", [DuplicateCheck.LIST], None),
        ("dupsys-duplist", [DuplicateCheck.LIST, DuplicateCheck.SYS], None),
        ("DUPLIST11DAY", [DuplicateCheck.LIST], 1),
        ("DUPLIST5DAY", [DuplicateCheck.LIST], None),
        ("DUPLIST1DAY-DUPSYS360DAY", [DuplicateCheck.LIST, DuplicateCheck.SYS], 360),
        ("DUPPHONEALTSYS", [DuplicateCheck.PHONE_ALT_SYS], None),
        ("FOO", [], None),
    ],
)
def test_duplicate_options_are_substrings_run_in_fixed_order(text, checks, days):
    """U20-U22: tokens and day windows are found as substrings; the largest window wins."""
    policy = duplicate_policy_parse(text)
    assert list(policy.checks) == checks
    assert policy.days == days


def test_campaing_is_an_alias_only_when_campaign_id_is_absent():
    """D16."""
    assert parse(campaing="TESTCAMP").options.campaign_id == "TESTCAMP"
    assert parse(campaing="A1", campaign_id="B2").options.campaign_id == "B2"


@pytest.mark.parametrize(
    ("text", "on"), [("Y", True), ("y", True), ("YES", True), ("N", False), ("", False)]
)
def test_list_exists_check_is_on_when_it_contains_a_y(text, on):
    assert parse(list_exists_check=text).options.list_exists_check is on


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("Y", DncMode.NUMBER),
        ("Yes", DncMode.NUMBER),  # the letters filter keeps "Y" (contract §1.4)
        ("y", DncMode.OFF),
        ("AREACODE", DncMode.AREACODE),
        ("areacode", DncMode.OFF),
        ("N", DncMode.OFF),
    ],
)
def test_dnc_modes_after_their_filter(text, mode):
    options = parse(dnc_check=text, campaign_dnc_check=text).options
    assert (options.dnc, options.campaign_dnc) == (mode, mode)


def test_time_zone_method_keeps_the_originals_nanpa_removal():
    """NANPA and POSTAL in any case, TZCODE only alone; without NANPA data the upper-case
    NANPA is removed and the rest read again (§3.7)."""
    assert time_zone_method_parse("") == TimeZoneMethod()
    assert time_zone_method_parse("postal") == TimeZoneMethod(postal=True)
    assert time_zone_method_parse("tzcode") == TimeZoneMethod()
    nanpa = time_zone_method_parse("NANPA")
    assert nanpa.nanpa and nanpa.when_nanpa_unloaded() == TimeZoneMethod()
    assert time_zone_method_parse("nanpa").when_nanpa_unloaded().nanpa
    assert time_zone_method_parse("TZCODENANPA").when_nanpa_unloaded() == TimeZoneMethod(
        tz_code=True
    )


def test_hopper_needs_add_to_hopper_and_no_remove_from_hopper():
    assert parse(add_to_hopper="Y").options.hopper == HopperRequest()
    assert parse(add_to_hopper="Y", remove_from_hopper="Y").options.hopper is None
    assert parse(add_to_hopper="N").options.hopper is None
    hopper = parse(add_to_hopper="Y", hopper_priority="150", hopper_local_call_time_check="Y")
    assert hopper.options.hopper == HopperRequest(priority=99, local_call_time_check=True)


def test_custom_values_are_asked_for_by_exactly_y_and_read_unfiltered():
    request = parse(custom_fields="Y", colour="bl;ue")
    assert request.custom_values["colour"] == "bl;ue"
    assert parse(custom_fields="Yes").custom_values is None
    assert parse(custom_fields="y").custom_values is None


def test_callback_request_is_typed():
    request = parse(
        callback="Y",
        campaign_id="TESTCAMP",
        callback_type="USERONLY",
        callback_user="6666",
        callback_datetime="NOW",
    )
    assert request.callback == CallbackRequest(
        campaign_id="TESTCAMP", when="NOW", user_only=True, user="6666"
    )
    assert parse(callback="N").callback is None


def test_alt_phones_records_and_the_minimum_length():
    """M05, M09: '!' separates records, '_' their parts; shorter than 6 is ignored."""
    assert parse(multi_alt_phones="12345").alt_phones == ()
    assert parse(multi_alt_phones="7275551111_1_home_x!!8135552222").alt_phones == (
        AltPhoneEntry("7275551111", "1", "home"),
        AltPhoneEntry(""),
        AltPhoneEntry("8135552222"),
    )


def test_lead_values_are_filtered_and_typed():
    request = parse(
        first_name="Ma;ry", list_id="1x01", rank="12", date_of_birth="1970-01-02", entry_list_id=""
    )
    assert request.fields.first_name == "Mary"
    assert request.list_id == "101"
    assert (request.rank, request.date_of_birth, request.entry_list_id) == (
        12,
        date(1970, 1, 2),
        0,
    )
