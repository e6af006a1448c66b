"""IANA zones behind a lead's UTC offset (D13): whether daylight saving time is in effect
comes from ``zoneinfo``, the zone of a number the reference tables do not know from
``phonenumbers``. ``timezones`` picks the source; this module answers for a zone.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers.timezone import UNKNOWN_TIMEZONE, time_zones_for_number
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

if TYPE_CHECKING:
    from .timezones import TzSource

# A representative IANA zone per DST rule name of the tables, for rows without ``iana_zone``
# whose number does not single out a zone. The zone whose standard offset equals the row's is
# used; otherwise the first one, evaluated at the lead's own local time (D13).
RULE_ZONES: dict[str, tuple[str, ...]] = {
    # USA and Canada.
    "SSM-FSN": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Adak",
        "America/Halifax",
        "America/St_Johns",
    ),
    # Mexico: no DST since 2022, except Baja California, which follows the US.
    "FSA-LSO": ("America/Mexico_City", "America/Mazatlan", "America/Tijuana", "America/Cancun"),
    # European Union and the United Kingdom.
    "LSM-LSO": ("Europe/London", "Europe/Paris", "Europe/Athens", "Atlantic/Azores"),
    # South-eastern Australia (these three names are its older and current rules).
    "LSO-LSM": ("Australia/Sydney", "Australia/Adelaide"),
    "FSO-LSM": ("Australia/Hobart", "Australia/Adelaide"),
    "FSO-FSA": ("Australia/Sydney", "Australia/Adelaide", "Australia/Lord_Howe"),
    # Chile and Paraguay.
    "FSO-TSM": ("America/Santiago", "America/Asuncion"),
    # New Zealand.
    "LSS-FSA": ("Pacific/Auckland", "Pacific/Chatham"),
    # Brazil (no DST since 2019).
    "TSO-LSF": ("America/Sao_Paulo",),
}

# D13's "small table of our own": NANP area codes that phonenumbers spreads over several
# zones, with the zone most of their numbers use, so that a fresh install knows them too.
NANP_MAIN_ZONES: dict[str, str] = {
    "605": "America/Chicago",  # South Dakota: the populous east is on Central time
    "701": "America/Chicago",  # North Dakota: mostly Central time
    "709": "America/St_Johns",  # Newfoundland and Labrador
    "775": "America/Los_Angeles",  # northern Nevada
    "879": "America/St_Johns",  # Newfoundland and Labrador (overlay)
    "907": "America/Anchorage",  # Alaska: only the western Aleutians use America/Adak
    "986": "America/Boise",  # Idaho (overlay of 208): the populous south is on Mountain time
}


def dst_hours(zone: ZoneInfo, standard: Decimal, now: datetime) -> Decimal:
    """The DST the zone applies when its standard-time clock shows the lead's standard time.

    Shifting by the difference in standard offsets lets a representative zone stand for any
    offset with the same rules (switches at the same local time); it is 0 for a matching zone.
    """
    zone_standard = _standard_offset(zone, now.year)
    instant = now + (timedelta(minutes=int(standard * 60)) - zone_standard)
    saving = instant.astimezone(zone).utcoffset() - zone_standard
    return hours(max(saving, timedelta(0)))


@lru_cache(maxsize=4096)
def source_zone(source: "TzSource", year: int) -> ZoneInfo | None:
    """The IANA zone that decides the row's DST; None for standard time all year."""
    if source.iana_zone and (zone := _zone(source.iana_zone)) is not None:
        return zone
    rule_zones = RULE_ZONES.get(source.dst_range.strip().upper())
    if rule_zones is None or source.standard is None:
        # No DST rule named (empty, N/A, unknown): the original applies no DST either.
        return None
    standard = timedelta(minutes=int(source.standard * 60))
    places = [
        zone
        for name in _prefix_zone_names(source.digits)
        if (zone := _zone(name)) is not None and _standard_offset(zone, year) == standard
    ]
    # The place's own zone when the zones phonenumbers names for it agree on DST this year.
    if places and len({_year_offsets(zone, year) for zone in places}) == 1:
        return places[0]
    zones = [zone for name in rule_zones if (zone := _zone(name)) is not None]
    for zone in zones:
        if _standard_offset(zone, year) == standard:
            return zone
    return zones[0] if zones else None


# phonenumbers' validity patterns and time-zone prefixes for +1 numbers read the area code,
# the exchange and the length, never the rest, except for a few Caribbean exchanges where the
# digit after the exchange counts too (pinned against the installed metadata by
# leads/tests/test_timezones_memo.py).
NANP_SIGNIFICANT_DIGITS = 6
NANP_SEVENTH_DIGIT_EXCHANGES = frozenset({"246521", "246522", "876606"})
_NANP_ZONES_MAX = 65_536
_nanp_zones: dict[tuple[str, int], ZoneInfo | None] = {}


def nanp_zone_key(digits: str) -> tuple[str, int]:
    """What phonenumbers' zone of a +1 number depends on: its significant leading digits and
    its length. A leading 1 may be the national prefix that parsing drops: one digit more."""
    offset = digits[:1] == "1"
    significant = offset + NANP_SIGNIFICANT_DIGITS
    if digits[offset:significant] in NANP_SEVENTH_DIGIT_EXCHANGES:
        significant += 1
    return digits[:significant], len(digits)


def nanp_number_zone(digits: str) -> ZoneInfo | None:
    """``number_zone`` of a +1 number, remembered by what it depends on, so that every new
    number of a known area code and exchange costs a dictionary lookup (API and importer)."""
    key = nanp_zone_key(digits)
    try:
        return _nanp_zones[key]
    except KeyError:
        pass
    if len(_nanp_zones) >= _NANP_ZONES_MAX:
        _nanp_zones.clear()
    zone = _nanp_zones[key] = number_zone.__wrapped__("1", digits)
    return zone


@lru_cache(maxsize=8192)
def number_zone(country: str, digits: str) -> ZoneInfo | None:
    """D13: phonenumbers' zone for a number the tables do not know, when it names one."""
    if not country.isdigit():
        return None
    names: tuple[str, ...] = ()
    national = digits
    try:
        number = phonenumbers.parse(f"+{country}{digits}")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None:
        # Parsing drops a repeated calling code: "+1 1727..." is (727) ... (P28).
        national = str(number.national_number)
        names = tuple(time_zones_for_number(number))
    if not names or names == (UNKNOWN_TIMEZONE,):
        names = tuple(TIMEZONE_DATA.get(country, ()))
    if len(names) == 1:
        return _zone(names[0])
    if country == "1" and len(national) == 10 and national[:3] in NANP_MAIN_ZONES:
        return _zone(NANP_MAIN_ZONES[national[:3]])
    return None


@lru_cache(maxsize=4096)
def _prefix_zone_names(digits: str) -> tuple[str, ...]:
    """Zones phonenumbers lists for the longest known prefix of these digits."""
    for length in range(min(len(digits), TIMEZONE_LONGEST_PREFIX), 0, -1):
        names = TIMEZONE_DATA.get(digits[:length])
        if names:
            return tuple(names)
    return ()


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _year_offsets(zone: ZoneInfo, year: int) -> tuple[timedelta, timedelta]:
    """The zone's UTC offsets in mid-January and mid-July of the year."""
    return (
        datetime(year, 1, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset(),
        datetime(year, 7, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset(),
    )


def _standard_offset(zone: ZoneInfo, year: int) -> timedelta:
    # The smaller of the winter and summer offsets: right for both hemispheres, and for zones
    # whose tz data marks winter as the DST period (Europe/Dublin).
    return min(_year_offsets(zone, year))


def hours(delta: timedelta) -> Decimal:
    return Decimal(int(delta.total_seconds()) // 60) / 60
