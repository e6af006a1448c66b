"""The stored form of the pipeline's typed options (``options_to_json``/``options_from_json``,
``ImportOptions.to_json``/``from_json``): a round trip keeps every option."""

import dataclasses

import pytest

from leads.api.parser import time_zone_method_parse
from leads.importing.options import ImportOptions
from leads.outcomes import DuplicateCheck
from leads.services.request import (
    AddOptions,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    PhoneChecks,
    TimeZoneMethod,
    options_from_json,
    options_to_json,
)

# Every option away from its default, the time zone's NANPA fallback included.
EVERY_OPTION = AddOptions(
    list_exists_check=True,
    phone_checks=PhoneChecks(usacan_prefix=True, usacan_areacode=True, nanpa_prefix=True),
    lookup_state=True,
    dnc=DncMode.AREACODE,
    campaign_dnc=DncMode.NUMBER,
    campaign_id="TESTCAMP",
    duplicates=DuplicatePolicy(
        checks=(DuplicateCheck.LIST, DuplicateCheck.NAME_PHONE_SYS),
        days=30,
        statuses=frozenset({"NEW", "SALE"}),
    ),
    time_zone=TimeZoneMethod(
        postal=True,
        tz_code=True,
        nanpa=True,
        without_nanpa_data=TimeZoneMethod(tz_code=True),
    ),
    hopper=HopperRequest(priority=-5, local_call_time_check=True),
)


_ABSENT = object()


def _leaves(value, prefix=""):
    """(dotted name, value) of each dataclass field, nested dataclasses opened."""
    for field in dataclasses.fields(value):
        inner = getattr(value, field.name)
        if dataclasses.is_dataclass(inner):
            yield from _leaves(inner, f"{prefix}{field.name}.")
        else:
            yield f"{prefix}{field.name}", inner


def test_the_sample_sets_every_option_away_from_its_default():
    """Guards the round-trip test below: an option added later must be added to the sample."""
    defaults = dict(_leaves(AddOptions(hopper=HopperRequest())))
    unchanged = [
        name for name, value in _leaves(EVERY_OPTION) if defaults.get(name, _ABSENT) == value
    ]
    assert unchanged == []


def test_add_options_survive_the_stored_form():
    assert options_from_json(options_to_json(EVERY_OPTION)) == EVERY_OPTION


@pytest.mark.parametrize("text", ["TZCODENANPA", "POSTAL-NANPA", "nanpa", "NANPA", "POSTAL", ""])
def test_an_api_time_zone_method_survives_the_stored_form(text):
    """A duplicate held for review keeps the method the API parsed, NANPA fallback included
    ("TZCODENANPA" falls back to TZCODE when the NANPA table is not loaded, §3.7)."""
    options = AddOptions(time_zone=time_zone_method_parse(text))
    restored = options_from_json(options_to_json(options))
    assert restored.time_zone == options.time_zone
    assert restored.time_zone.when_nanpa_unloaded() == options.time_zone.when_nanpa_unloaded()


def test_import_options_survive_the_stored_form():
    options = ImportOptions(add=EVERY_OPTION, phone_code="44", review_duplicates=True)
    assert ImportOptions.from_json(options.to_json()) == options


def test_an_unknown_time_zone_source_is_refused():
    with pytest.raises(ValueError, match="time-zone source"):
        options_from_json({"time_zone": ["postal", "area"]})
