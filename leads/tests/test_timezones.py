"""Time-zone offsets of new leads: contract §3.12 lookup order with IANA DST (D13, D14)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from leads.api.parser import time_zone_method_parse
from leads.models import NanpaPrefix, PhoneCode, PostalCode
from leads.timezones import (
    NANPA_MIN_ROWS,
    PHONE_CODE_ONLY,
    GmtOffset,
    lead_gmt_offset,
    nanpa_prefix_count,
    nanpa_prefix_exists,
    parse_offset,
    phone_code_row_exists,
    phone_code_state,
)

JANUARY = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)  # noon in New York, the F0 clock
JULY = datetime(2025, 7, 15, 16, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def phone_code(**fields) -> PhoneCode:
    values = {"country_code": "1", "country": "USA", "dst": True, "dst_range": "SSM-FSN"}
    return PhoneCode.objects.create(**(values | fields))


@pytest.fixture
def f0_phone_codes(db):
    """The phone-code rows of contract state F0, in its table order."""
    phone_code(areacode="602", state="AZ", gmt_offset="-7", dst=False, dst_range="", tz_code="MST")
    phone_code(areacode="727", state="FL", gmt_offset="-5", tz_code="EST")
    phone_code(areacode="212", state="NY", gmt_offset="-5", tz_code="EST")
    phone_code(areacode="310", state="CA", gmt_offset="-8", tz_code="PST")
    phone_code(
        country_code="52", country="MEX", areacode="222", gmt_offset="-6", dst_range="FSA-LSO"
    )
    phone_code(
        country_code="61",
        country="AUS",
        areacode="2",
        state="NSW",
        gmt_offset="+10",
        dst_range="FSO-FSA",
    )
    phone_code(country_code="44", country="GBR", areacode="*", gmt_offset="0", dst_range="LSM-LSO")
    phone_code(
        country_code="64", country="NZL", areacode="*", gmt_offset="+12", dst_range="LSS-FSA"
    )


@pytest.fixture
def postal_codes(db):
    PostalCode.objects.create(
        postal_code="33701", state="FL", gmt_offset="-5.0", dst_range="SSM-FSN"
    )
    PostalCode.objects.create(postal_code="85001", state="AZ", gmt_offset="-7.0", dst_range="")


@pytest.fixture
def nanpa_rows(db):
    """Ten rows, so the table counts as loaded (§3.7), as the contract's NANPA overlay."""
    rows = [("727", "555", "-5", True), ("727", "556", "-6", False), ("602", "555", "-7", False)]
    rows += [("212", "555", "-5", True)] + [("800", f"20{n}", "-5", False) for n in range(6)]
    for areacode, prefix, offset, dst in rows:
        NanpaPrefix.objects.create(areacode=areacode, prefix=prefix, gmt_offset=offset, dst=dst)


def gmt(phone_number: str, now: datetime = JANUARY, **request: str) -> str:
    """The offset for add_lead's parameters (``tz_method`` as the legacy API reads it)."""
    values = {"phone_code": "1", "state": "", "postal_code": "", "owner": "", "tz_method": ""}
    values |= request
    values["tz_method"] = time_zone_method_parse(values["tz_method"])
    return lead_gmt_offset(phone_number=phone_number, now=now, **values).text


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (Decimal("-5"), "-5"),
        (Decimal("-4.00"), "-4"),
        (Decimal("5.50"), "5.5"),
        (Decimal("10.5"), "10.5"),
        (Decimal("0.00"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("11"), "11"),
        (Decimal("13.00"), "13"),
        (Decimal("12.75"), "12.75"),
        (None, ""),
    ],
)
def test_offset_prints_without_trailing_zeros_or_plus(hours, text):
    # D13: canonical offsets.
    assert GmtOffset(hours).text == text


@pytest.mark.parametrize(
    ("text", "hours"),
    [("-5", Decimal(-5)), ("+10", Decimal(10)), ("9.5", Decimal("9.5")), ("-5.0", Decimal(-5))],
)
def test_table_offsets_parse(text, hours):
    assert parse_offset(text) == hours


@pytest.mark.parametrize("text", ["", "abc", "NaN", "Infinity"])
def test_invalid_table_offsets_parse_as_unknown(text):
    assert parse_offset(text) is None


class TestAreaCodeAndDst:
    def test_area_code_row_gives_standard_offset_in_winter(self, f0_phone_codes):
        assert gmt("7275559999") == "-5"
        assert gmt("6025559999") == "-7"

    def test_hours_are_typed_for_storage(self, f0_phone_codes):
        offset = lead_gmt_offset(
            phone_code="1",
            phone_number="7275559999",
            state="",
            postal_code="",
            owner="",
            tz_method=PHONE_CODE_ONLY,
            now=JULY,
        )
        assert offset == GmtOffset(Decimal("-4.00"))

    def test_row_without_dst_rule_keeps_standard_time_in_summer(self, f0_phone_codes):
        assert gmt("6025559999", JULY) == "-7"  # Z02

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            ("2025-03-09T06:59:00+00:00", "-5"),  # 01:59 EST
            ("2025-03-09T07:00:00+00:00", "-4"),  # 03:00 EDT
            ("2025-11-02T05:59:00+00:00", "-4"),  # 01:59 EDT
            ("2025-11-02T06:00:00+00:00", "-5"),  # 01:00 EST
        ],
    )
    def test_us_dst_switches_at_2am_local_by_iana(self, f0_phone_codes, now, expected):
        assert gmt("7275559999", at(now)) == expected

    @pytest.mark.parametrize(
        ("now", "expected"),
        [("2025-03-09T09:59:00+00:00", "-8"), ("2025-03-09T10:00:00+00:00", "-7")],
    )
    def test_pacific_row_switches_at_its_own_2am(self, f0_phone_codes, now, expected):
        assert gmt("3105559999", at(now)) == expected

    def test_iana_zone_of_the_row_decides_dst(self, db):
        phone_code(
            areacode="480", gmt_offset="-7", dst_range="SSM-FSN", iana_zone="America/Phoenix"
        )
        assert gmt("4805559999", JULY) == "-7"

    def test_iana_zone_keeps_the_rows_standard_offset(self, db):
        phone_code(areacode="727", gmt_offset="-6", dst_range="", iana_zone="America/New_York")
        assert gmt("7275559999", JULY) == "-5"

    def test_the_places_own_zone_decides_dst_over_the_rule_name(self, db):
        # D13: phonenumbers puts 602 in America/Phoenix, which has no DST, whatever the row says.
        phone_code(areacode="602", gmt_offset="-7", dst_range="SSM-FSN")
        assert gmt("6025559999", JULY) == "-7"

    @pytest.mark.parametrize(
        ("now", "expected"),
        [("2025-03-09T08:59:00+00:00", "-7"), ("2025-03-09T09:00:00+00:00", "-6")],
    )
    def test_rule_zone_with_the_rows_standard_offset(self, db, now, expected):
        # A postal row names no place: the US rule's -7 zone (America/Denver) decides.
        PostalCode.objects.create(postal_code="80202", gmt_offset="-7.0", dst_range="SSM-FSN")
        assert gmt("6025559999", at(now), postal_code="80202", tz_method="POSTAL") == expected

    @pytest.mark.parametrize(
        ("now", "expected"),
        [("2025-03-09T04:59:00+00:00", "-3"), ("2025-03-09T05:00:00+00:00", "-2")],
    )
    def test_rule_without_a_zone_of_that_offset_switches_at_local_2am(self, db, now, expected):
        PostalCode.objects.create(postal_code="97500", gmt_offset="-3", dst_range="SSM-FSN")
        assert gmt("6025559999", at(now), postal_code="97500", tz_method="POSTAL") == expected

    def test_mexico_has_had_no_dst_since_2022(self, f0_phone_codes):
        # D13: the original's FSA-LSO rule would still add an hour in July.
        assert gmt("2221234567", JULY, phone_code="52") == "-6"  # F15 in summer

    def test_mexican_area_code_miss_takes_first_row_of_the_country(self, f0_phone_codes):
        assert gmt("5551234567", phone_code="52") == "-6"

    def test_uk_by_calling_code(self, f0_phone_codes):
        assert gmt("2071234567", phone_code="44") == "0"  # Z23
        assert gmt("2071234567", JULY, phone_code="44") == "1"  # Z24

    def test_new_zealand_dst_starts_on_the_last_sunday_of_september(self, f0_phone_codes):
        # Z26: the original never applied DST in September; IANA does from 28 Sep 2025.
        assert gmt("91234567", at("2025-09-27T12:00:00+00:00"), phone_code="64") == "12"
        assert gmt("91234567", at("2025-09-29T16:00:00+00:00"), phone_code="64") == "13"
        assert gmt("91234567", phone_code="64") == "13"  # Z27

    def test_phone_code_with_leading_zero_is_country_one(self, f0_phone_codes):
        assert gmt("7275559999", phone_code="01") == "-5"  # F17

    def test_unparseable_row_offset_is_unknown(self, db):
        phone_code(areacode="727", gmt_offset="n/a")
        assert gmt("7275559999") == ""

    def test_unknown_dst_rule_name_means_no_dst(self, db):
        phone_code(areacode="727", gmt_offset="-5", dst_range="N/A")
        assert gmt("7275559999", JULY) == "-5"


class TestAustraliaByState:
    def test_state_row_in_january_is_daylight_time(self, f0_phone_codes):
        assert gmt("291234567", phone_code="61", state="NSW") == "11"  # F16

    def test_state_row_in_july_is_standard_time(self, f0_phone_codes):
        assert gmt("291234567", JULY, phone_code="61", state="NSW") == "10"  # Z25

    def test_state_without_dst_rule(self, f0_phone_codes):
        phone_code(country_code="61", areacode="7", state="QLD", gmt_offset="+10", dst_range="")
        assert gmt("712345678", phone_code="61", state="QLD") == "10"

    def test_state_compares_case_insensitively(self, f0_phone_codes):
        assert gmt("291234567", phone_code="61", state="nsw") == "11"

    def test_unknown_state_takes_the_first_row_of_the_country(self, f0_phone_codes):
        phone_code(country_code="61", areacode="8", state="WA", gmt_offset="+8", dst_range="")
        assert gmt("812345678", phone_code="61", state="WA") == "8"
        assert gmt("812345678", phone_code="61", state="XX") == "11"


class TestNumbersTheTablesDoNotKnow:
    """D13: phonenumbers' zone when it names exactly one, else unknown."""

    @pytest.mark.parametrize("phone_number", ["9995559999", "0005559999", "1235559999", ",,,"])
    def test_invalid_nanp_numbers_are_unknown(self, f0_phone_codes, phone_number):
        assert gmt(phone_number) == ""  # F10, T04

    def test_toll_free_number_is_unknown(self, f0_phone_codes):
        assert gmt("8005559999") == ""

    def test_repeated_country_digit_is_read_as_the_real_number(self, f0_phone_codes):
        # P28: area code "172" has no row; phonenumbers reads (727) 555-9999.
        assert gmt("17275559999") == "-5"

    def test_fresh_install_knows_nanp_area_codes(self, db):
        assert gmt("7275559999") == "-5"
        assert gmt("3105559999", JULY) == "-7"

    def test_area_code_split_over_zones_uses_its_main_zone(self, db):
        assert gmt("9075559999") == "-9"  # America/Anchorage, not America/Adak
        assert gmt("9075559999", JULY) == "-8"

    def test_calling_code_without_rows_uses_its_single_zone(self, f0_phone_codes):
        assert gmt("7275559999", phone_code="998") == "5"  # F09: Asia/Tashkent

    def test_calling_code_with_several_zones_is_unknown(self, f0_phone_codes):
        assert gmt("12345", phone_code="7") == ""

    def test_unassigned_calling_code_is_unknown(self, f0_phone_codes):
        assert gmt("7275559999", phone_code="999") == ""


class TestPostal:
    def test_postal_row_overrides_the_area_code(self, f0_phone_codes, postal_codes):
        assert gmt("6025559999", postal_code="33701", tz_method="POSTAL") == "-5"  # Z07
        assert gmt("6025559999", JULY, postal_code="33701", tz_method="POSTAL") == "-4"  # Z08

    def test_method_name_is_case_insensitive(self, f0_phone_codes, postal_codes):
        assert gmt("6025559999", postal_code="33701", tz_method="postal") == "-5"  # Z11

    def test_first_row_starting_with_the_postal_code(self, f0_phone_codes):
        PostalCode.objects.create(postal_code="K1A 0B1", gmt_offset="-5", dst_range="SSM-FSN")
        PostalCode.objects.create(postal_code="K1A 0B2", gmt_offset="-6", dst_range="")
        assert gmt("6025559999", JULY, postal_code="K1A 0", tz_method="POSTAL") == "-4"

    @pytest.mark.parametrize("postal_code", ["3370", "33701-1234", "12345"])
    def test_short_zip_plus_4_or_unknown_falls_back(
        self, f0_phone_codes, postal_codes, postal_code
    ):
        assert gmt("6025559999", postal_code=postal_code, tz_method="POSTAL") == "-7"  # Z09, Z12

    @pytest.mark.parametrize(("code", "expected"), [("44", "1"), ("01", "-4")])
    def test_only_for_phone_code_exactly_1(self, f0_phone_codes, postal_codes, code, expected):
        # Z10; "01" counts as 1 only in the area-code step (F17), not here.
        assert gmt(
            "7275559999", JULY, phone_code=code, postal_code="85001", tz_method="POSTAL"
        ) == (expected)

    def test_letters_match_whatever_their_case(self, f0_phone_codes):
        PostalCode.objects.create(postal_code="K1A0B1", gmt_offset="-5", dst_range="SSM-FSN")
        assert gmt("6025559999", postal_code="k1a0b1", tz_method="POSTAL") == "-5"


class TestTzCode:
    def test_owner_names_the_zone(self, f0_phone_codes):
        assert gmt("6025559999", owner="EST", tz_method="TZCODE") == "-5"  # Z14
        assert gmt("6025559999", JULY, owner="EST", tz_method="TZCODE") == "-4"  # Z15

    def test_zone_without_dst_rule(self, f0_phone_codes):
        assert gmt("7275559999", JULY, owner="MST", tz_method="TZCODE") == "-7"  # Z18

    def test_method_must_be_exactly_upper_case(self, f0_phone_codes):
        assert gmt("6025559999", owner="EST", tz_method="tzcode") == "-7"  # Z17
        assert gmt("6025559999", owner="EST", tz_method="TZCODE-POSTAL") == "-7"

    def test_unknown_or_short_owner_falls_back(self, f0_phone_codes):
        assert gmt("6025559999", owner="XYZ", tz_method="TZCODE") == "-7"  # Z16
        phone_code(areacode="999", gmt_offset="-5", tz_code="E")
        assert gmt("6025559999", owner="E", tz_method="TZCODE") == "-7"

    def test_owner_compares_case_insensitively(self, f0_phone_codes):
        assert gmt("6025559999", owner="est", tz_method="TZCODE") == "-5"

    def test_dst_rule_is_the_alphabetically_last_of_the_code(self, db):
        phone_code(areacode="201", gmt_offset="-5", dst_range="", tz_code="EST")
        phone_code(areacode="202", gmt_offset="-4", dst_range="SSM-FSN", tz_code="EST")
        assert gmt("6025559999", JULY, owner="EST", tz_method="TZCODE") == "-4"


class TestNanpa:
    def test_prefix_row_gives_the_offset(self, f0_phone_codes, nanpa_rows):
        assert gmt("7275569999", tz_method="NANPA") == "-6"  # Z19

    def test_dst_flag_means_us_rules(self, f0_phone_codes, nanpa_rows):
        assert gmt("7275559999", JULY, tz_method="NANPA") == "-4"  # Z28
        assert gmt("7275569999", JULY, tz_method="NANPA") == "-6"

    def test_nanpa_overrides_postal(self, f0_phone_codes, postal_codes, nanpa_rows):
        assert gmt("7275569999", postal_code="85001", tz_method="POSTAL-NANPA") == "-6"  # Z21

    def test_miss_falls_back_to_the_area_code(self, f0_phone_codes, nanpa_rows):
        assert gmt("7271119999", tz_method="nanpa") == "-5"  # Z22

    def test_needs_a_three_character_exchange(self, f0_phone_codes, nanpa_rows):
        assert gmt("72755", tz_method="NANPA") == "-5"

    def test_count_is_exact_below_the_loaded_threshold(self, db):
        assert nanpa_prefix_count() == 0
        for prefix in range(5):
            NanpaPrefix.objects.create(areacode="727", prefix=f"55{prefix}", gmt_offset="-5")
        assert nanpa_prefix_count() == 5  # P26

    def test_count_stops_at_the_loaded_threshold(self, nanpa_rows):
        NanpaPrefix.objects.create(areacode="212", prefix="556", gmt_offset="-5")
        assert nanpa_prefix_count() == NANPA_MIN_ROWS

    def test_exists(self, nanpa_rows):
        assert nanpa_prefix_exists("727", "555")
        assert not nanpa_prefix_exists("727", "123")


class TestPhoneCodeState:
    def test_state_of_the_area_code_row(self, f0_phone_codes):
        assert phone_code_state(phone_code="1", areacode="727") == "FL"  # T01

    def test_up_to_four_characters(self, f0_phone_codes):
        assert phone_code_state(phone_code="61", areacode="2") == "NSW"

    def test_none_for_unknown_area_code_or_other_country(self, f0_phone_codes):
        assert phone_code_state(phone_code="1", areacode="999") == ""  # T04
        assert phone_code_state(phone_code="44", areacode="207") == ""  # T06

    def test_first_row_wins(self, f0_phone_codes):
        phone_code(areacode="727", state="XX", gmt_offset="-5")
        assert phone_code_state(phone_code="1", areacode="727") == "FL"

    def test_row_exists(self, f0_phone_codes):
        assert phone_code_row_exists(phone_code="1", areacode="602")
        assert not phone_code_row_exists(phone_code="1", areacode="222")


class TestQueries:
    def test_common_case_costs_one_query_then_none(
        self, f0_phone_codes, django_assert_num_queries, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(1):
            assert gmt("7275559999") == "-5"
        with django_assert_num_queries(0):
            assert gmt("2125559999", JULY) == "-4"
            assert gmt("9995559999") == ""
            assert phone_code_state(phone_code="1", areacode="212") == "NY"

    def test_a_saved_phone_code_is_seen_at_once(self, f0_phone_codes):
        assert gmt("9075559999") == "-9"
        phone_code(areacode="907", gmt_offset="-10", dst_range="")
        assert gmt("9075559999") == "-10"
