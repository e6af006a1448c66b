"""A lead's UTC offset (contract §3.12, D13) and the reference-table lookups behind it.

The sources are tried in the original's order (POSTAL, TZCODE, NANPA, then phone code and area
code) and the rows keep the original's *standard* offsets, but whether daylight saving time
is in effect always comes from the IANA database (``zoneinfo``), never from the original's
hand-written rules (D13). Numbers the tables do not know are resolved with ``phonenumbers``.

The phone-code table is held in process memory (``config_cache``, one query per reload), so
the common request (phone code 1, no ``tz_method``) costs at most one query. POSTAL and NANPA
rows are looked up with one indexed query each, only when a request asks for them.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Q

from leadhub.db import config_cache

from .models import NanpaPrefix, PhoneCode, PostalCode
from .zones import dst_hours, hours, nanp_number_zone, number_zone, source_zone

# The NANPA table counts as loaded from this many rows on (contract §3.7).
NANPA_MIN_ROWS = 10

CENT = Decimal("0.01")

_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class GmtOffset:
    """A lead's UTC offset in hours at the time of the request, DST included.

    ``hours`` is None when unknown (stored as NULL, printed empty; D13).
    """

    hours: Decimal | None

    @property
    def text(self) -> str:
        """The printed form (D13): ``-5``, ``-4``, ``5.5``, ``0``, ``13``; ``""`` when unknown."""
        if self.hours is None:
            return ""
        if self.hours == 0:
            return "0"
        return format(self.hours.normalize(), "f")


UNKNOWN = GmtOffset(None)


@dataclass(frozen=True)
class TzSource:
    """What a reference row says about a time zone: a standard offset and how to find its DST.

    ``digits`` are the calling code plus the area code (and exchange) the row stands for; they
    let phonenumbers name the real zone of the place.
    """

    standard: Decimal | None
    dst_range: str = ""
    iana_zone: str = ""
    digits: str = ""


@dataclass(frozen=True)
class _PhoneCodeRow:
    state: str
    source: TzSource


@dataclass(frozen=True)
class _PhoneCodeIndex:
    """The phone-code table, first row per key (table order decides, as in the original)."""

    by_area: dict[tuple[str, str], _PhoneCodeRow]
    by_state: dict[tuple[str, str], _PhoneCodeRow]
    first: dict[str, _PhoneCodeRow]
    # (tz code, country) -> first row's offset with the alphabetically last DST rule of all
    # rows with that tz code (§3.12 step 2).
    by_tz_code: dict[tuple[str, str], TzSource]


@dataclass(frozen=True)
class TimeZoneMethod:
    """Which sources ``lead_gmt_offset`` tries before the phone-code table (§3.12):
    ``postal`` the postal-code table, ``tz_code`` the owner field as a time-zone code,
    ``nanpa`` the NANPA prefix table. ``without_nanpa_data`` is the method that applies when
    the NANPA table is not loaded (§3.7); None means this one with ``nanpa`` off."""

    postal: bool = False
    tz_code: bool = False
    nanpa: bool = False
    without_nanpa_data: "TimeZoneMethod | None" = None

    def when_nanpa_unloaded(self) -> "TimeZoneMethod":
        if self.without_nanpa_data is not None:
            return self.without_nanpa_data
        return TimeZoneMethod(postal=self.postal, tz_code=self.tz_code)


PHONE_CODE_ONLY = TimeZoneMethod()


def lead_gmt_offset(
    *,
    phone_code: str,
    phone_number: str,
    state: str,
    postal_code: str,
    owner: str,
    tz_method: TimeZoneMethod,
    now: datetime,
) -> GmtOffset:
    """The offset to store in ``gmt_offset_now`` and print in the success line.

    Inputs are the filtered request values: ``phone_code`` defaulted (``1``), ``state`` as sent
    or looked up (not cut to the column width), and ``tz_method`` already without NANPA when
    the NANPA table is not loaded (§3.7, ``TimeZoneMethod.when_nanpa_unloaded``). ``now`` must
    be timezone-aware. The area code is the first 3 characters of the phone number and the
    exchange characters 4 to 6 (§1.5).
    Sources, each overwriting an earlier one that found a row (§3.12):

    1. ``postal``, phone code exactly ``1``, postal code longer than
       4 characters: the first postal-code row that starts with it (a ZIP+4 matches nothing);
    2. ``tz_code``, ``owner`` longer than 1 character: the phone-code
       row with that tz code;
    3. ``nanpa``: the row for area code and exchange. D14: ``usacan_prefix_check``
       does not disable this source, unlike in the original;
    4. only when none found a row: the phone-code row for the area code (phone code 1 or 52),
       the state (61), else the first row of the calling code. D13: phone code 1 with an area
       code the table lacks, and calling codes without rows, use phonenumbers: the number's
       zone when it names exactly one (or the main zone of a split NANP area code), else
       unknown.

    DST is decided with the IANA database at ``now`` (D13). Makes at most one query for the
    phone-code table (none while it is cached), plus one per POSTAL or NANPA lookup.
    """
    areacode, exchange = phone_number[:3], phone_number[3:6]
    country = _country(phone_code)
    found: TzSource | None = None
    if tz_method.postal and len(postal_code) > 4 and phone_code == "1":
        found = _postal_source(postal_code) or found
    if tz_method.tz_code and len(owner) > 1:
        found = _phone_codes().by_tz_code.get((_key(owner), country)) or found
    if tz_method.nanpa and len(areacode) > 2 and len(exchange) > 2:
        found = _nanpa_source(areacode, exchange) or found
    if found is None:
        found = _default_source(country, areacode, state)
    if found is None:
        return _number_offset(country, phone_number, now)
    return _source_offset(found, now)


def phone_code_state(*, phone_code: str, areacode: str) -> str:
    """``lookup_state`` (§3.9): the state of the first phone-code row for this calling code
    and area code (up to 4 characters), or ``""``."""
    row = _phone_codes().by_area.get((_country(phone_code), _key(areacode)))
    return row.state if row is not None else ""


def phone_code_row_exists(*, phone_code: str, areacode: str) -> bool:
    """Whether the phone-code table has a row for this calling code and area code."""
    return (_country(phone_code), _key(areacode)) in _phone_codes().by_area


def nanpa_prefix_count() -> int:
    """How many NANPA rows are loaded, counted up to ``NANPA_MIN_ROWS``: exact below it, and
    ``NANPA_MIN_ROWS`` for any larger table (counting a full table would be slow). Cached."""

    def load() -> int:
        return NanpaPrefix.objects.all()[:NANPA_MIN_ROWS].count()

    return config_cache.cached(("leads.timezones", "nanpa_count"), load)


def nanpa_prefix_exists(areacode: str, prefix: str) -> bool:
    """Whether the NANPA table holds this area code and exchange (one indexed query)."""
    return NanpaPrefix.objects.filter(areacode=areacode, prefix=prefix).exists()


def parse_offset(text: str) -> Decimal | None:
    """Hours from a table's offset text (``-5``, ``+10``, ``9.5``, ``-5.0``); None if invalid."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# --- sources -----------------------------------------------------------------------------


def _country(phone_code: str) -> str:
    # Calling codes never start with 0, so "01" is country 1, as the original's numeric
    # comparison has it (F17).
    return phone_code.strip().lstrip("0")


def _key(text: str) -> str:
    # The original's table columns compare case-insensitively and ignore trailing spaces.
    return text.rstrip().upper()


def _phone_codes() -> _PhoneCodeIndex:
    return config_cache.cached(("leads.timezones", "phone_codes"), _load_phone_codes)


def _load_phone_codes() -> _PhoneCodeIndex:
    by_area: dict[tuple[str, str], _PhoneCodeRow] = {}
    by_state: dict[tuple[str, str], _PhoneCodeRow] = {}
    first: dict[str, _PhoneCodeRow] = {}
    tz_rows: dict[tuple[str, str], tuple[TzSource, str]] = {}
    rows = PhoneCode.objects.order_by("id").values_list(
        "country_code", "areacode", "state", "gmt_offset", "dst_range", "tz_code", "iana_zone"
    )
    for country_code, areacode, state, offset, dst_range, tz_code, iana_zone in rows:
        country = _country(country_code)
        source = TzSource(
            standard=parse_offset(offset),
            dst_range=dst_range,
            iana_zone=iana_zone,
            digits=country + _NON_DIGITS.sub("", areacode),
        )
        row = _PhoneCodeRow(state=state, source=source)
        by_area.setdefault((country, _key(areacode)), row)
        by_state.setdefault((country, _key(state)), row)
        first.setdefault(country, row)
        if tz_code.strip():
            tz_key = (_key(tz_code), country)
            held, rule = tz_rows.get(tz_key, (source, dst_range))
            tz_rows[tz_key] = (held, max(rule, dst_range, key=str.upper))
    by_tz_code = {
        key: TzSource(source.standard, rule, source.iana_zone, source.digits)
        for key, (source, rule) in tz_rows.items()
    }
    return _PhoneCodeIndex(by_area, by_state, first, by_tz_code)


def _default_source(country: str, areacode: str, state: str) -> TzSource | None:
    index = _phone_codes()
    if country == "1":
        # D13: an area code the table lacks goes to phonenumbers, not to the first row.
        row = index.by_area.get(("1", _key(areacode)))
        return row.source if row is not None else None
    if country == "52":
        row = index.by_area.get(("52", _key(areacode)))
    elif country == "61":
        row = index.by_state.get(("61", _key(state))) if state.strip() else None
    else:
        row = None
    row = row or index.first.get(country)
    return row.source if row is not None else None


def _postal_source(postal_code: str) -> TzSource | None:
    # A prefix match as the original's LIKE 'value%'; the upper-case spelling covers
    # case-insensitive databases' behaviour for letter postal codes while keeping the index.
    match = Q()
    for spelling in {postal_code, postal_code.upper()}:
        match |= Q(postal_code__startswith=spelling)
    row = (
        PostalCode.objects.filter(match, country_code="1")
        .order_by("id")
        .values_list("gmt_offset", "dst_range", "iana_zone")
        .first()
    )
    if row is None:
        return None
    offset, dst_range, iana_zone = row
    return TzSource(parse_offset(offset), dst_range, iana_zone, digits="1")


def _nanpa_source(areacode: str, exchange: str) -> TzSource | None:
    row = (
        NanpaPrefix.objects.filter(areacode=areacode, prefix=exchange)
        .values_list("gmt_offset", "dst")
        .first()
    )
    if row is None:
        return None
    offset, dst = row
    # A NANPA row's DST flag means the US rule (§3.12 step 3).
    rule = "SSM-FSN" if dst else ""
    return TzSource(parse_offset(offset), rule, digits=f"1{areacode}{exchange}")


# --- offsets with IANA DST (D13) ---------------------------------------------------------


def _source_offset(source: TzSource, now: datetime) -> GmtOffset:
    if source.standard is None:
        return UNKNOWN
    zone = source_zone(source, now.year)
    hours = source.standard
    if zone is not None:
        hours += dst_hours(zone, source.standard, now)
    return GmtOffset(hours.quantize(CENT))


def _number_offset(country: str, phone_number: str, now: datetime) -> GmtOffset:
    digits = _NON_DIGITS.sub("", phone_number)
    zone = nanp_number_zone(digits) if country == "1" else number_zone(country, digits)
    if zone is None:
        return UNKNOWN
    return GmtOffset(hours(now.astimezone(zone).utcoffset()).quantize(CENT))
