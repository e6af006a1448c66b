"""The input rules every door shares (contract §1.4, §1.6, §3.13)."""

from datetime import date

import pytest

from leads.rules import (
    clamp_hopper_priority,
    clamp_int,
    clean_gender,
    clean_value,
    fit_to_column,
    parse_date_of_birth,
    rank_parse,
)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("phone_number", "(727) 555.9999", "7275559999"),
        ("phone_number", "727,555,9999", "727,555,9999"),
        ("phone_code", "+44", "44"),
        ("list_id", "10a1", "101"),
        ("title", "A+B", "AB"),
        ("first_name", "Bob+Jr", "Bob Jr"),
        ("middle_initial", "Q.", "Q"),
        ("email", "a+b@x.com", "a b@x.com"),
        ("vendor_lead_code", 'V+1;#"x', "V 1x"),
        ("comments", 'Hi; there #1 "ok"', "Hi there 1 ok"),
        ("address1", "12 Main St. #4", "12 Main St. 4"),
        ("gender", "Male", "M"),
        ("date_of_birth", "1980/01/02", "19800102"),
        ("rank", "-5", "5"),
        ("callback_datetime", "2025-02-01+09:30:00", "2025-02-01+09:30:00"),
        ("callback_comments", "Call+back, it's urgent", "Call+back its urgent"),
        ("dnc_check", "Yes", "Y"),
        ("dnc_check", "y", ""),
        ("function", "add_lead;", "add_lead"),
        ("source", "a-b", "ab"),
    ],
)
def test_filters_remove_characters_outside_the_allow_list(name, raw, expected):
    assert clean_value(name, raw, non_latin=False) == expected


@pytest.mark.parametrize(
    "text, rank", [("-5", 5), ("", 0), ("12", 12), ("1 2", 12), ("99999", 32767), ("9" * 30, 32767)]
)
def test_rank_parse_is_the_one_rank_rule_sign_dropped_and_capped(text, rank):
    assert rank_parse(text) == rank


def test_non_latin_mode_keeps_unicode_letters_but_not_underscore_where_disallowed():
    """D17: José stays José; the ASCII filter of the original gives Jos."""
    assert clean_value("first_name", "José", non_latin=True) == "José"
    assert clean_value("first_name", "José", non_latin=False) == "Jos"
    assert clean_value("state", "N_Y", non_latin=True) == "NY"
    assert clean_value("source", "tést", non_latin=False) == "tst"


def test_unknown_names_keep_their_value_but_lose_nul():
    assert clean_value("favorite_color", "a\x00b\\", non_latin=False) == "ab\\"


def test_columns_truncate_to_the_model_width_and_say_so():
    assert fit_to_column("title", "Professor") == ("Prof", True)
    assert fit_to_column("state", "FL") == ("FL", False)


def test_numbers_are_clamped_never_overflow():
    assert clamp_int("", default=999) == 999
    assert clamp_int("9" * 40, default=0) == 9223372036854775807
    assert clamp_hopper_priority("150") == 99
    assert clamp_hopper_priority("-150") == -99
    assert clamp_hopper_priority("5a") == 5
    assert clamp_hopper_priority("") == 0


def test_gender_defaults_and_invalid_letters():
    assert clean_gender("") == "U"
    assert clean_gender("F") == "F"
    assert clean_gender("X") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1980-01-02", date(1980, 1, 2)),
        ("19800102", date(1980, 1, 2)),
        ("80-01-02", date(1980, 1, 2)),
        ("31-12-1980", None),
        ("1980-02-30", None),
        ("", None),
    ],
)
def test_date_of_birth_reads_like_the_legacy_database(text, expected):
    assert parse_date_of_birth(text) == expected
