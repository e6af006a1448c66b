"""Phone number checks of add_lead (contract §3.8, D14)."""

import pytest

from leads.api.formatting import PHONE_PROBLEM_TEXT
from leads.models import NanpaPrefix, PhoneCode
from leads.phones import PhoneProblem, areacode_is_assigned, phone_problem


def problem(
    phone_number: str, *, prefix: bool = False, areacode: bool = False, nanpa: bool = False
) -> PhoneProblem | None:
    return phone_problem(
        phone_number=phone_number,
        usacan_prefix_check=prefix,
        usacan_areacode_check=areacode,
        nanpa_ac_prefix_check=nanpa,
    )


@pytest.fixture
def nanpa_rows(db):
    for prefix in ("555", "556", "557"):
        NanpaPrefix.objects.create(areacode="727", prefix=prefix, gmt_offset="-5", dst=True)


def test_reason_texts_are_the_legacy_ones_and_only_in_the_api_formatting():
    assert [PHONE_PROBLEM_TEXT[p] for p in PhoneProblem] == [
        "INVALID PHONE NUMBER LENGTH",
        "INVALID PHONE NUMBER PREFIX",
        "INVALID PHONE NUMBER AREACODE",
        "INVALID PHONE NUMBER NANPA AREACODE PREFIX",
    ]
    assert not any("INVALID" in p.value for p in PhoneProblem)


class TestLength:
    @pytest.mark.parametrize("phone_number", ["", "72755", "72755512345678901"])
    def test_outside_6_to_16_characters(self, phone_number):
        assert problem(phone_number) is PhoneProblem.LENGTH  # P01, P02, P05

    @pytest.mark.parametrize("phone_number", ["727555", "7275551234567890", "727,555,9999"])
    def test_inside_6_to_16_characters(self, phone_number):
        assert problem(phone_number) is None  # P03, P04, P07

    def test_commas_count(self):
        assert problem("7275,") is PhoneProblem.LENGTH
        assert problem("7275,,,,,,,,,,,,,") is PhoneProblem.LENGTH

    def test_length_is_checked_first(self):
        assert problem("44455", prefix=True, areacode=True) is PhoneProblem.LENGTH  # P17


class TestPrefix:
    @pytest.mark.parametrize("phone_number", ["7270559999", "7271559999", "727,559999"])
    def test_fourth_character_below_2_fails(self, phone_number):
        assert problem(phone_number, prefix=True) is PhoneProblem.PREFIX  # P09, P10

    def test_fourth_character_2_passes(self):
        assert problem("7272559999", prefix=True) is None  # P11

    def test_off_by_default(self):
        assert problem("7270559999") is None  # P12

    def test_runs_before_the_area_code_check(self):
        assert problem("9990559999", prefix=True, areacode=True) is PhoneProblem.PREFIX  # P18


class TestAreaCode:
    def test_ten_digits_with_an_assigned_area_code_pass(self, db):
        assert problem("7275559999", areacode=True) is None  # P16
        assert problem("8005559999", areacode=True) is None

    def test_the_phone_code_is_not_consulted(self, db):
        # P19, D14: 207 (Maine) is assigned although no phone-code row is loaded.
        assert problem("2071234567", areacode=True) is None

    def test_unassigned_area_code_fails(self, db):
        assert problem("9995559999", areacode=True) is PhoneProblem.AREACODE  # P14

    @pytest.mark.parametrize("phone_number", ["72755599991", "727555999"])
    def test_other_lengths_fail(self, db, phone_number):
        # D14: the documented 10 digits are enforced (P15 was accepted by the original).
        assert problem(phone_number, areacode=True) is PhoneProblem.AREACODE

    def test_country_1_row_in_the_phone_code_table_counts(self, db):
        PhoneCode.objects.create(country_code="1", areacode="555", gmt_offset="-5")
        PhoneCode.objects.create(country_code="52", areacode="222", gmt_offset="-6")
        assert problem("5555559999", areacode=True) is None
        assert problem("2225559999", areacode=True) is PhoneProblem.AREACODE

    def test_assigned_area_code_costs_no_query(self, db, django_assert_num_queries):
        areacode_is_assigned("727")  # the set is built once per process
        with django_assert_num_queries(0):
            assert problem("7275559999", prefix=True, areacode=True) is None


@pytest.mark.parametrize(
    ("areacode", "assigned"),
    [
        ("207", True),
        ("727", True),
        ("800", True),
        ("907", True),
        ("000", False),
        ("123", False),
        ("172", False),
        ("222", False),
        ("555", False),
        ("999", False),
        ("72", False),
        ("", False),
    ],
)
def test_areacode_is_assigned(areacode, assigned):
    assert areacode_is_assigned(areacode) is assigned


class TestNanpa:
    def test_known_area_code_and_exchange_pass(self, nanpa_rows):
        assert problem("7275559999", nanpa=True) is None  # P21

    def test_unknown_exchange_fails(self, nanpa_rows):
        assert problem("7271239999", nanpa=True) is PhoneProblem.NANPA_AREACODE_PREFIX  # P22

    def test_prefix_failure_comes_first(self, nanpa_rows):
        assert problem("7270559999", prefix=True, nanpa=True) is PhoneProblem.PREFIX  # P23

    def test_area_code_failure_comes_first(self, nanpa_rows):
        assert problem("9995559999", areacode=True, nanpa=True) is PhoneProblem.AREACODE

    def test_off_means_no_query(self, nanpa_rows, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert problem("7271239999") is None
