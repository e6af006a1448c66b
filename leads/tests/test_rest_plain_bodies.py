"""The JSON door's shortcut for plain lead bodies (text fields and a list id): where it
answers, it answers exactly what DRF's ``LeadAddSerializer`` answers; everything else, the
invalid bodies included, is left to DRF."""

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.fields import DictField

from leads.rest.bodies import _plain_lead_validated, lead_add_validated
from leads.rest.serializers import LeadAddSerializer, LeadObjectField
from leads.rules import BIGINT_MAX, LEAD_TEXT_FIELDS

PLAIN = [
    {"phone_number": "7275550001"},
    {"phone_number": "", "list_id": 0},
    {"phone_number": "7275550001", "list_id": BIGINT_MAX, "first_name": " Ann "},
    {name: f"{name} value" for name in LEAD_TEXT_FIELDS} | {"list_id": 101},
    {"phone_number": "7" * 1000, "comments": "x" * 1000, "city": "a\tb\\c\n"},
    {"phone_number": "7275550001", "list_id": 101, "options": {}},
    {"phone_number": "7275550001", "options": {"duplicate_checks": ["phone:list"]}},
    {
        "phone_number": "7275550001",
        "options": {
            "dnc": "areacode",
            "duplicate_checks": ["phone:list", "phone:system"],
            "duplicate_days": 30,
            "time_zone": ["postal"],
            "add_to_hopper": 1,
            "hopper_priority": 5,
            "campaign_id": " TESTCAMP ",
        },
    },
]
LEFT_TO_DRF = [
    {"phone_number": "7" * 1001},  # too long: refused
    {"phone_number": "727\x00555"},  # NUL: refused
    {"phone_number": "7275550001", "first_name": "Zoë"},  # non-ASCII: DRF checks it
    {"phone_number": "7275550001", "first_name": "\ud800"},  # a lone surrogate: refused
    {"phone_number": 7275550001},  # a number: DRF turns it into text
    {"phone_number": "7275550001", "list_id": True},
    {"phone_number": "7275550001", "list_id": -1},
    {"phone_number": "7275550001", "list_id": BIGINT_MAX + 1},
    {"phone_number": "7275550001", "list_id": "101"},
    {"phone_number": "7275550001", "list_id": None},
    {"phone_number": "7275550001", "first_name": None},
    {"phone_number": "7275550001", "rank": 3},
    {"phone_number": "7275550001", "unknown": "x"},
    {"first_name": "Ann"},  # no phone number: refused
    ["7275550001"],
    {"phone_number": "7275550001", "options": None},
    {"phone_number": "7275550001", "options": []},
    {"phone_number": "7275550001", "options": {"dnc": "sometimes"}},
    {"phone_number": "7275550001", "options": {"hopper_priority": True}},
    {"phone_number": "7275550001", "options": {"hopper_priority": 100}},
    {"phone_number": "7275550001", "options": {}, "rank": 3},
]


def test_options_validated_once_are_told_apart_by_type():
    """The remembered options of one body never answer for another that differs only in
    a value's type (1 against true)."""
    first = _plain_lead_validated({"phone_number": "1", "options": {"hopper_priority": 1}})
    assert first["options"]["hopper_priority"] == 1
    assert (
        _plain_lead_validated({"phone_number": "1", "options": {"hopper_priority": True}}) is None
    )


def _drf(body):
    try:
        return dict(LeadAddSerializer().run_validation(body))
    except ValidationError as error:
        return error.detail


@pytest.mark.parametrize("body", PLAIN)
def test_plain_bodies_validate_as_drf_validates_them(body):
    shortcut = _plain_lead_validated(body)
    assert shortcut is not None
    assert shortcut == _drf(body)


@pytest.mark.parametrize("body", LEFT_TO_DRF)
def test_other_bodies_are_left_to_drf(body):
    assert _plain_lead_validated(body) is None
    try:
        answer = dict(lead_add_validated(body))
    except ValidationError as error:
        answer = error.detail
    assert answer == _drf(body)


@pytest.mark.parametrize(
    "value",
    [{}, {"phone_number": "1", "list_id": 5, "x": None, "y": [1]}, [], "lead", None, 3],
)
def test_a_batch_lead_object_is_read_as_dictfield_reads_it(value):
    """The batch envelope's shortcut for a lead object answers as DRF's DictField."""

    def read(field):
        try:
            return field.run_validation(value)
        except ValidationError as error:
            return error.detail

    assert read(LeadObjectField()) == read(DictField())
