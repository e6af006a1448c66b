"""Column auto-mapping for lead imports: header variants, custom fields, the standard layout."""

import pytest

from leads.importing.mapping import (
    STANDARD_LAYOUT,
    apply_mapping,
    auto_map,
    field_for_header,
    guess_phone_column,
    looks_like_phone,
    normalise_header,
    standard_layout_map,
)


def test_standard_layout_is_the_original_loaders_column_order():
    assert STANDARD_LAYOUT == (
        "vendor_lead_code", "source_id", "list_id", "phone_code", "phone_number", "title",
        "first_name", "middle_initial", "last_name", "address1", "address2", "address3", "city",
        "state", "province", "postal_code", "country_code", "gender", "date_of_birth",
        "alt_phone", "email", "security_phrase", "comments", "rank", "owner",
    )  # fmt: skip


@pytest.mark.parametrize("field", STANDARD_LAYOUT)
def test_every_field_name_maps_to_itself_in_any_spelling(field):
    assert field_for_header(field) == field
    assert field_for_header(f"  {field.upper()} ") == field
    assert field_for_header(field.replace("_", " ").title()) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Phone Number", "phone_number"),
        ("Phone", "phone_number"),
        ("Phone #", "phone_number"),
        ("Telephone", "phone_number"),
        ("Mobile", "phone_number"),
        ("Cell", "phone_number"),
        ("First Name", "first_name"),
        ("FirstName", "first_name"),
        ("first-name", "first_name"),
        ("Given name", "first_name"),
        ("Prénom", "first_name"),
        ("Last Name", "last_name"),
        ("Surname", "last_name"),
        ("Zip", "postal_code"),
        ("ZIP Code", "postal_code"),
        ("Postcode", "postal_code"),
        ("Código Postal", "postal_code"),
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("Address", "address1"),
        ("Street", "address1"),
        ("Address Line 2", "address2"),
        ("State", "state"),
        ("State/Province", "state"),
        ("Province", "province"),
        ("DOB", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Birth date", "date_of_birth"),
        ("Vendor ID", "vendor_lead_code"),
        ("Lead ID", "vendor_lead_code"),
        ("Alt Phone", "alt_phone"),
        ("Phone 2", "alt_phone"),
        ("Country", "country_code"),
        ("Title", "title"),
        ("Notes", "comments"),
        ("Comment", "comments"),
        ("Sex", "gender"),
        ("Source", "source_id"),
    ],
)
def test_common_header_variants(header, field):
    assert field_for_header(header) == field


@pytest.mark.parametrize("header", ["", "Name", "Full Name", "Column 7", "foo"])
def test_unknown_headers_map_to_nothing(header):
    assert field_for_header(header) is None


def test_normalise_header_ignores_case_spacing_punctuation_and_accents():
    assert normalise_header(" E-Mail_Address ") == "emailaddress"
    assert normalise_header("Straße") == "strasse"
    assert normalise_header("Téléphone") == "telephone"
    assert normalise_header("Имя") == "имя"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7275551111", True),
        ("(727) 555-1111", True),
        ("727.555.1111", True),
        ("+1 727 555 1111", True),
        ("+44 7700 900123", True),
        ("555-1111", False),
        ("12345", False),
        ("1234567890123456", False),
        ("727555111a", False),
        ("", False),
        ("2024-05-06", False),
    ],
)
def test_looks_like_phone(value, expected):
    assert looks_like_phone(value) is expected


def test_auto_map_a_typical_vendor_header():
    header = ["Lead ID", "Phone Number", "First Name", "Surname", "ZIP Code", "E-mail", "Other"]
    assert auto_map(header) == {
        0: "vendor_lead_code",
        1: "phone_number",
        2: "first_name",
        3: "last_name",
        4: "postal_code",
        5: "email",
    }


def test_each_field_is_used_once_and_the_leftmost_column_wins():
    assert auto_map(["Surname", "Family Name", "Zip", "Postcode"]) == {
        0: "last_name",
        2: "postal_code",
    }


def test_a_field_name_beats_a_variant_whatever_the_column_order():
    assert auto_map(["Address", "address1", "Phone", "phone_number"]) == {
        1: "address1",
        2: "alt_phone",  # the second phone column
        3: "phone_number",
    }


def test_a_second_phone_column_becomes_alt_phone():
    assert auto_map(["Phone", "Name", "Mobile"]) == {0: "phone_number", 2: "alt_phone"}


def test_an_explicit_alt_phone_beats_a_second_phone_column():
    assert auto_map(["Phone", "Mobile", "Alt Phone"]) == {0: "phone_number", 2: "alt_phone"}


def test_custom_field_labels_are_mapped_as_the_caller_spelled_them():
    mapping = auto_map(
        ["Phone", "Favourite Colour", "Policy No"], custom_labels=["favourite_colour"]
    )
    assert mapping == {0: "phone_number", 1: "favourite_colour"}


def test_a_custom_label_beats_a_variant_but_not_a_field_name():
    labels = ["Mobile", "email"]
    assert auto_map(["Mobile", "phone_number", "email"], custom_labels=labels) == {
        0: "Mobile",
        1: "phone_number",
        2: "email",
    }


def test_custom_labels_naming_standard_columns_are_never_custom():
    assert auto_map(["Phone", "called_count"], custom_labels=["called_count"]) == {
        0: "phone_number"
    }


def test_without_a_header_the_phone_column_is_guessed_from_the_sample():
    sample = [
        ["Ann", "12345", "(727) 555-1111", "8135550000"],
        ["Bob", "23456", "727-555-1112", ""],
        ["Cid", "34567", "7275551113", ""],
    ]
    assert auto_map(None, sample=sample) == {2: "phone_number"}


def test_no_phone_column_is_guessed_when_no_column_is_mostly_phones():
    sample = [["Ann", "7275551111"], ["Bob", "x"], ["Cid", ""]]
    assert auto_map(None, sample=sample) == {}
    assert guess_phone_column([]) is None


def test_a_header_without_a_phone_name_gets_its_phone_column_from_the_sample():
    mapping = auto_map(["First Name", "Digits", "City"], sample=[["Ann", "7275551111", "Tampa"]])
    assert mapping == {0: "first_name", 1: "phone_number", 2: "city"}


def test_a_columns_named_field_is_not_overridden_by_the_phone_guess():
    mapping = auto_map(["Vendor ID", "Name"], sample=[["7275551111", "Ann"]])
    assert mapping == {0: "vendor_lead_code"}


def test_an_alt_phone_is_promoted_when_nothing_else_can_be_the_phone():
    assert auto_map(["Name", "Alt Phone"], sample=[["Ann", ""]]) == {1: "phone_number"}


def test_standard_layout_map():
    assert standard_layout_map(3) == {0: "vendor_lead_code", 1: "source_id", 2: "list_id"}
    assert standard_layout_map(40) == dict(enumerate(STANDARD_LAYOUT))
    assert standard_layout_map(0) == {}


def test_apply_mapping_fills_columns_a_short_row_does_not_reach():
    mapping = {0: "phone_number", 2: "first_name", 5: "comments"}
    assert apply_mapping(["7275551111", "x", "Ann"], mapping) == {
        "phone_number": "7275551111",
        "first_name": "Ann",
        "comments": "",
    }
