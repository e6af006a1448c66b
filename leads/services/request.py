"""The typed request of the lead pipeline: "add this lead, with these options".

Every door builds one: the legacy API parses its text parameters into it
(``leads.api.parser``), the admin's manual entry, the review queue and the importer build it
from their own forms and options. Values are already cleaned by ``rules`` (the character
filters); nothing here is a legacy token such as "Y" or "DUPLIST": the doors translate.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

# The callback part of the request is declared by the callbacks app, which checks it.
from callbacks.services import CallbackRequest

from ..outcomes import DuplicateCheck
from ..rules import LEAD_TEXT_FIELDS
from ..timezones import PHONE_CODE_ONLY, TimeZoneMethod

__all__ = [
    "AddOptions",
    "AltPhoneEntry",
    "CallbackRequest",
    "DncMode",
    "DuplicatePolicy",
    "HopperRequest",
    "LeadFields",
    "LeadRequest",
    "PhoneChecks",
    "TimeZoneMethod",
]


class DncMode(enum.Enum):
    """How a DNC list is consulted."""

    OFF = "off"
    # The exact number is on the list.
    NUMBER = "number"
    # The exact number, or its area-code wildcard (727XXXXXXX).
    AREACODE = "areacode"


@dataclass(frozen=True)
class DuplicatePolicy:
    """Which duplicate checks run (in ``DuplicateCheck`` order, the first hit wins), over how
    many days of entry_date (None: all time), counting only existing leads in ``statuses``
    (empty: every status). The legacy API cannot ask for statuses; only the importer's
    batch checks read them so far (``pipeline.duplicates``)."""

    checks: tuple[DuplicateCheck, ...] = ()
    days: int | None = None
    statuses: frozenset[str] = frozenset()


NO_DUPLICATE_CHECK = DuplicatePolicy()


@dataclass(frozen=True)
class PhoneChecks:
    """The optional phone checks after the length check (§3.8)."""

    # The 4th digit (first exchange digit) is 2-9.
    usacan_prefix: bool = False
    # 10 digits and an assigned NANP area code.
    usacan_areacode: bool = False
    # The NANPA table holds the area code and exchange (off by itself when not loaded).
    nanpa_prefix: bool = False


@dataclass(frozen=True)
class HopperRequest:
    """Put the new lead in its campaign's hopper, with this priority (-99..99); with
    ``local_call_time_check`` only when its local time is inside the list's call time."""

    priority: int = 0
    local_call_time_check: bool = False


@dataclass(frozen=True)
class AddOptions:
    """How a lead is checked and what is added with it. The defaults check nothing."""

    # Refuse a list id that names no list.
    list_exists_check: bool = False
    phone_checks: PhoneChecks = PhoneChecks()
    # Fill an empty state from the phone-code table's row for the area code.
    lookup_state: bool = False
    dnc: DncMode = DncMode.OFF
    campaign_dnc: DncMode = DncMode.OFF
    # The campaign of the campaign DNC check.
    campaign_id: str = ""
    duplicates: DuplicatePolicy = NO_DUPLICATE_CHECK
    time_zone: TimeZoneMethod = PHONE_CODE_ONLY
    # None: not added to the hopper.
    hopper: HopperRequest | None = None


DEFAULT_OPTIONS = AddOptions()


class LeadFields(NamedTuple):
    """The lead's text columns after the character filters (not yet cut to widths). A named
    tuple: as immutable as a frozen dataclass, and built in one step on the API's hot path."""

    vendor_lead_code: str = ""
    source_id: str = ""
    phone_code: str = ""
    phone_number: str = ""
    title: str = ""
    first_name: str = ""
    middle_initial: str = ""
    last_name: str = ""
    address1: str = ""
    address2: str = ""
    address3: str = ""
    city: str = ""
    state: str = ""
    province: str = ""
    postal_code: str = ""
    country_code: str = ""
    gender: str = ""
    alt_phone: str = ""
    email: str = ""
    security_phrase: str = ""
    comments: str = ""
    owner: str = ""


EMPTY_FIELDS = LeadFields()
# Doors build LeadFields positionally from the rules' field order.
assert LeadFields._fields == LEAD_TEXT_FIELDS


@dataclass(frozen=True)
class AltPhoneEntry:
    number: str
    code: str = ""
    note: str = ""


@dataclass(frozen=True)
class LeadRequest:
    """One lead to add.

    ``list_id`` is the list id's digits as the caller wrote them: list permission and the
    list existence check compare it as written, and fewer than 3 digits mean the default list
    (999), as in the original (L08, L16). ``custom_values`` maps custom field labels to raw
    values as sent (a label not sent takes its field's default, D15); None means custom values
    were not asked for. ``entry_list_id`` 0 means none.
    """

    fields: LeadFields
    list_id: str
    options: AddOptions = DEFAULT_OPTIONS
    date_of_birth: date | None = None
    rank: int = 0
    entry_list_id: int = 0
    alt_phones: tuple[AltPhoneEntry, ...] = ()
    custom_values: Mapping[str, str] | None = None
    callback: CallbackRequest | None = None


# --- stored form ---------------------------------------------------------------------------
# Options kept in the database (an import job's options, a reviewed duplicate's) are JSON
# objects of these neutral names; missing names take the defaults.


def options_to_json(options: AddOptions) -> dict:
    duplicates, checks, tz = options.duplicates, options.phone_checks, options.time_zone
    return {
        "list_exists_check": options.list_exists_check,
        "usacan_prefix_check": checks.usacan_prefix,
        "usacan_areacode_check": checks.usacan_areacode,
        "nanpa_prefix_check": checks.nanpa_prefix,
        "lookup_state": options.lookup_state,
        "dnc": options.dnc.value,
        "campaign_dnc": options.campaign_dnc.value,
        "campaign_id": options.campaign_id,
        "duplicate_checks": [check.value for check in duplicates.checks],
        "duplicate_days": duplicates.days,
        "duplicate_statuses": sorted(duplicates.statuses),
        "time_zone": _time_zone_to_json(tz),
        "time_zone_without_nanpa_data": None
        if tz.without_nanpa_data is None
        else _time_zone_to_json(tz.without_nanpa_data),
        "add_to_hopper": options.hopper is not None,
        "hopper_priority": options.hopper.priority if options.hopper else 0,
        "hopper_local_call_time_check": bool(
            options.hopper and options.hopper.local_call_time_check
        ),
    }


_CHECK_ORDER = list(DuplicateCheck)
_TIME_ZONE_SOURCES = ("postal", "tz_code", "nanpa")


def _time_zone_to_json(method: TimeZoneMethod) -> list[str]:
    return [name for name in _TIME_ZONE_SOURCES if getattr(method, name)]


def _time_zone_from_json(names, without_nanpa_data) -> TimeZoneMethod:
    """The method of ``_time_zone_to_json``; ``without_nanpa_data`` None keeps the derived
    fallback (``TimeZoneMethod.when_nanpa_unloaded``)."""
    unknown = set(names or ()) - set(_TIME_ZONE_SOURCES)
    if unknown:
        raise ValueError(f"Unknown time-zone source(s): {', '.join(sorted(unknown))}.")
    sources = {name: name in (names or ()) for name in _TIME_ZONE_SOURCES}
    if without_nanpa_data is None:
        return TimeZoneMethod(**sources)
    return TimeZoneMethod(
        **sources, without_nanpa_data=_time_zone_from_json(without_nanpa_data, None)
    )


def options_from_json(data: Mapping) -> AddOptions:
    """The options of ``options_to_json``; raises ValueError for a value of no known kind."""
    days = data.get("duplicate_days")
    return AddOptions(
        list_exists_check=bool(data.get("list_exists_check")),
        phone_checks=PhoneChecks(
            usacan_prefix=bool(data.get("usacan_prefix_check")),
            usacan_areacode=bool(data.get("usacan_areacode_check")),
            nanpa_prefix=bool(data.get("nanpa_prefix_check")),
        ),
        lookup_state=bool(data.get("lookup_state")),
        dnc=DncMode(data.get("dnc") or DncMode.OFF.value),
        campaign_dnc=DncMode(data.get("campaign_dnc") or DncMode.OFF.value),
        campaign_id=str(data.get("campaign_id") or ""),
        duplicates=DuplicatePolicy(
            checks=tuple(
                sorted(
                    {DuplicateCheck(value) for value in data.get("duplicate_checks") or ()},
                    key=_CHECK_ORDER.index,
                )
            ),
            days=int(days) if days else None,
            statuses=frozenset(data.get("duplicate_statuses") or ()),
        ),
        time_zone=_time_zone_from_json(
            data.get("time_zone"), data.get("time_zone_without_nanpa_data")
        ),
        hopper=HopperRequest(
            priority=int(data.get("hopper_priority") or 0),
            local_call_time_check=bool(data.get("hopper_local_call_time_check")),
        )
        if data.get("add_to_hopper")
        else None,
    )
