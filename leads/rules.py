"""Input rules for lead fields and add_lead settings, declared once as data.

Every door (the legacy API, the admin form, the spreadsheet importer) cleans values with these
rules, so a value means the same thing whichever way it arrived. The character allow-lists are
the legacy contract's (§1.4): filtering only removes characters, it never rejects a value.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, partial

from django.db.models import CharField

# Characters a "plus" rule turns into spaces after filtering.
PLUS_TO_SPACE = "space"
# The plus is simply not in the allow-list, so filtering removes it.
PLUS_KEPT = "kept"

ASCII_LETTERS_DIGITS = "A-Za-z0-9"


@dataclass(frozen=True)
class FieldRule:
    """Which characters a value keeps.

    ``letters``: ASCII letters, or any Unicode letter when use_non_latin is on (D17).
    ``fixed``: a character class that ignores use_non_latin (written inside ``[...]``).
    ``drop``: characters removed from otherwise unfiltered text (vendor_lead_code, comments).
    """

    letters: bool = False
    digits: bool = False
    extra: str = ""
    fixed: str | None = None
    drop: str | None = None
    plus_to_space: bool = False


LETTERS_DIGITS = FieldRule(letters=True, digits=True)
LOGIN = FieldRule(letters=True, digits=True, extra="-_")
DIGITS = FieldRule(fixed="0-9")
FLAG = FieldRule(fixed="A-Z")
ADDRESS = FieldRule(letters=True, digits=True, extra=" -'+.:/@_", plus_to_space=True)
FREE_TEXT = FieldRule(drop=';#"', plus_to_space=True)

# contract §1.4, one entry per parameter add_lead reads.
FIELD_RULES: dict[str, FieldRule] = {
    "user": LOGIN,
    "agent_user": LOGIN,
    "function": FieldRule(fixed="A-Za-z0-9_-"),
    "format": FieldRule(fixed=ASCII_LETTERS_DIGITS),
    "DB": DIGITS,
    "source": LETTERS_DIGITS,
    "list_id": DIGITS,
    "phone_code": DIGITS,
    "phone_number": FieldRule(fixed="0-9,"),
    "vendor_lead_code": FREE_TEXT,
    "source_id": FREE_TEXT,
    "comments": FREE_TEXT,
    "title": FieldRule(letters=True, digits=True, extra=" -'_."),
    "first_name": FieldRule(letters=True, digits=True, extra=" -'+_.", plus_to_space=True),
    "last_name": FieldRule(letters=True, digits=True, extra=" -'+_.", plus_to_space=True),
    "middle_initial": LOGIN,
    "address1": ADDRESS,
    "address2": ADDRESS,
    "address3": ADDRESS,
    "city": ADDRESS,
    "owner": ADDRESS,
    "security_phrase": ADDRESS,
    "state": FieldRule(letters=True, digits=True, extra=" -"),
    "province": FieldRule(letters=True, digits=True, extra=" -'+._", plus_to_space=True),
    "postal_code": FieldRule(letters=True, digits=True, extra=" -'+", plus_to_space=True),
    "country_code": LOGIN,
    "alt_phone": FieldRule(letters=True, digits=True, extra=" -'+_.", plus_to_space=True),
    "email": FieldRule(letters=True, digits=True, extra=" -'+.:/@%_", plus_to_space=True),
    "gender": FLAG,
    "date_of_birth": FieldRule(fixed="0-9-"),
    "rank": DIGITS,
    "entry_list_id": DIGITS,
    "gmt_offset_now": FieldRule(fixed="0-9_.-"),
    "multi_alt_phones": FieldRule(letters=True, digits=True, extra=" -+!:_", plus_to_space=True),
    "campaign_id": LOGIN,
    "campaing": LOGIN,
    "callback_status": LOGIN,
    "callback_user": LOGIN,
    "callback_datetime": FieldRule(fixed="A-Za-z0-9 +.:/@_-"),
    "callback_comments": FieldRule(letters=True, digits=True, extra=" -+.:/@_"),
    "duplicate_check": FieldRule(fixed="A-Za-z0-9_-"),
    "tz_method": FieldRule(fixed="A-Za-z0-9_-"),
    "custom_fields": FieldRule(fixed=ASCII_LETTERS_DIGITS),
    "list_exists_check": FieldRule(fixed=ASCII_LETTERS_DIGITS),
    "remove_from_hopper": LETTERS_DIGITS,
    "hopper_priority": FieldRule(fixed="0-9-"),
    "lead_id": DIGITS,
    "dnc_check": FLAG,
    "campaign_dnc_check": FLAG,
    "add_to_hopper": FLAG,
    "hopper_local_call_time_check": FLAG,
    "usacan_prefix_check": FLAG,
    "usacan_areacode_check": FLAG,
    "nanpa_ac_prefix_check": FLAG,
    "lookup_state": FLAG,
    "callback": FLAG,
    "callback_type": FLAG,
}

# The lead fields a caller may set, in the original loader's fixed "standard layout" column
# order (contract §5).
STANDARD_LAYOUT: tuple[str, ...] = (
    "vendor_lead_code",
    "source_id",
    "list_id",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "rank",
    "owner",
)
# Of those, the ones stored as text as they are (list_id, date_of_birth, rank are converted).
LEAD_TEXT_FIELDS = tuple(
    name for name in STANDARD_LAYOUT if name not in {"list_id", "date_of_birth", "rank"}
)

# Labels of custom fields that collide with standard lead columns are never custom (C13).
STANDARD_LEAD_COLUMNS = frozenset(
    {
        *STANDARD_LAYOUT,
        "lead_id",
        "gmt_offset_now",
        "called_since_last_reset",
        "called_count",
        "last_local_call_time",
    }
)

RANK_MAX = 32767
BIGINT_MAX = 9223372036854775807
PHONE_LENGTH_MIN = 6
PHONE_LENGTH_MAX = 16
HOPPER_PRIORITY_MIN = -99
HOPPER_PRIORITY_MAX = 99
DEFAULT_LIST_ID = 999


@cache
def _pattern(rule: FieldRule, non_latin: bool) -> re.Pattern[str]:
    if rule.drop is not None:
        return re.compile("[" + re.escape(rule.drop) + "\x00]")
    if rule.fixed is not None:
        return re.compile("[^" + rule.fixed + "]")
    if non_latin and rule.letters:
        # \w is Unicode letters, digits and "_"; the "_" is re-added only when allowed.
        keep = r"\w" + re.escape(rule.extra)
        pattern = "[^" + keep + "]"
        if "_" not in rule.extra:
            pattern = "[^" + keep + "]|_"
        return re.compile(pattern)
    keep = ("A-Za-z" if rule.letters else "") + ("0-9" if rule.digits else "")
    return re.compile("[^" + keep + re.escape(rule.extra) + "]")


def _drop_nul(value: str) -> str:
    return value.replace("\x00", "")


@cache
def value_cleaner(name: str, *, non_latin: bool) -> Callable[[str], str]:
    """The filter of parameter ``name`` as a function, compiled once: for loops over many
    values (imports). Unknown names keep their value, minus NUL characters, which no
    database column can hold."""
    rule = FIELD_RULES.get(name)
    if rule is None:
        return _drop_nul
    remove = partial(_pattern(rule, non_latin).sub, "")
    if rule.plus_to_space:
        return lambda value: remove(value).replace("+", " ")
    return remove


# A file's phone columns are reduced to digits, as the original loader does: vendors write
# ``(727) 555-1234``. The other columns get the API's filters.
DIGITS_ONLY_FIELDS = frozenset({"phone_number", "alt_phone", "phone_code"})
_NON_DIGITS = re.compile(r"[^0-9]")


def _digits_only(text: str) -> str:
    if text.isascii() and text.isdigit():
        return text
    return _NON_DIGITS.sub("", text)


# Read whole from a file, then by the one phone normaliser (``phones.phone_normalise``) with
# the row's phone code, as people write numbers: ``+1 (727) 555-1234``, ``7275551234.0``.
PHONE_TEXT_FIELDS = frozenset({"phone_number", "alt_phone"})


def file_value_cleaner(name: str, *, non_latin: bool) -> Callable[[str], str]:
    """The cleaner of a lead field read from a file (the importer's): ``value_cleaner``,
    except that the phone numbers are kept whole for the normaliser (``PHONE_TEXT_FIELDS``)
    and the phone code keeps only its digits."""
    if name in PHONE_TEXT_FIELDS:
        return str
    if name in DIGITS_ONLY_FIELDS:
        return _digits_only
    return value_cleaner(name, non_latin=non_latin)


@cache
def file_value_changes(name: str, *, non_latin: bool) -> Callable[[str], bool]:
    """Whether ``file_value_cleaner`` of field ``name`` may change a text, for a test of many
    values joined at once: each filter removes or replaces single characters, so joined
    values that hold no such character are all left as they are."""
    if name in PHONE_TEXT_FIELDS:
        return lambda text: False
    if name in DIGITS_ONLY_FIELDS:
        return lambda text: not (text.isascii() and text.isdigit()) and bool(text)
    rule = FIELD_RULES.get(name)
    if rule is None:
        return lambda text: "\x00" in text
    search = _pattern(rule, non_latin).search
    if rule.plus_to_space:
        return lambda text: "+" in text or search(text) is not None
    return lambda text: search(text) is not None


def clean_value(name: str, value: str, *, non_latin: bool) -> str:
    """The value of parameter ``name`` after the contract's filter (§1.4)."""
    return value_cleaner(name, non_latin=non_latin)(value)


@cache
def lead_column_width(name: str) -> int | None:
    """Width of a lead column (the model declares it once), None for non-text columns."""
    from .models import Lead

    field = Lead._meta.get_field(name)
    return field.max_length if isinstance(field, CharField) else None


def fit_to_column(name: str, value: str) -> tuple[str, bool]:
    """(value cut to the lead column's width, whether it was cut). Kept on purpose: the
    legacy database truncated silently, and callers rely on over-long values being accepted."""
    width = lead_column_width(name)
    if width is None or len(value) <= width:
        return value, False
    return value[:width], True


def clamp_int(digits: str, *, default: int, maximum: int = BIGINT_MAX) -> int:
    """A digits-only string as an int (empty -> default), capped at ``maximum``."""
    if not digits:
        return default
    if len(digits) > 19:
        return maximum
    return min(int(digits), maximum)


def rank_parse(text: str) -> int:
    """A lead's rank from any door's text, the one rank rule: the rank filter keeps digits
    only (a sign is dropped, as the original's filter drops it), empty is 0, and the number is
    capped at RANK_MAX (the column's range)."""
    return clamp_int(clean_value("rank", text, non_latin=False), default=0, maximum=RANK_MAX)


def clamp_hopper_priority(text: str) -> int:
    """hopper_priority after its digits-and-minus filter: empty -> 0, clamped to -99..99."""
    match = re.match(r"-?\d+", text)
    if not match:
        return 0
    number = int(match.group()[:6])
    return max(HOPPER_PRIORITY_MIN, min(HOPPER_PRIORITY_MAX, number))


def clean_gender(text: str) -> str:
    """U when empty, else the letters as filtered; anything but M/F/U is stored empty (F05)."""
    if not text:
        return "U"
    return text if text in {"M", "F", "U"} else ""


_DATE_DASHED = re.compile(r"^(\d{2}|\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_COMPACT = re.compile(r"^(\d{2}|\d{4})(\d{2})(\d{2})$")


def parse_date_of_birth(text: str) -> date | None:
    """A date of birth as the legacy database reads it: YYYY-MM-DD, YYYYMMDD, or the two-digit
    year forms (70-99 -> 19xx); anything else is unknown (None, the original's zero date)."""
    match = _DATE_DASHED.match(text) or _DATE_COMPACT.match(text)
    if not match:
        return None
    year_text, month, day = match.groups()
    year = int(year_text)
    if len(year_text) == 2:
        year += 1900 if year >= 70 else 2000
    try:
        return date(year, int(month), int(day))
    except ValueError:
        return None
