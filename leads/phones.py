"""Phone number validation of add_lead (contract §3.8, D14), and phone numbers as people
type them (``phone_normalise``: the supervisors' doors)."""

import enum
import re
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata

from .timezones import nanpa_prefix_exists, phone_code_row_exists

PHONE_MIN_LENGTH = 6
PHONE_MAX_LENGTH = 16
NANP_NUMBER_LENGTH = 10

# The number types phonenumbers counts as valid numbers.
_VALID_TYPES = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)
# Exchange (NXX) digits tried per area code: every leading digit a NANP exchange may have,
# with every second digit (checked against trying all 1000 exchanges with phonenumbers 9.0:
# the same set of area codes, 20 times faster).
_EXCHANGE_PROBES = tuple(f"{a}{b}{c}" for a in "23456789" for b in "0123456789" for c in "05")


class PhoneProblem(enum.Enum):
    """Why a phone number is refused (the doors word it: ``api.formatting``, ``wording``)."""

    LENGTH = "length"
    PREFIX = "prefix"
    AREACODE = "areacode"
    NANPA_AREACODE_PREFIX = "nanpa_areacode_prefix"


def phone_problem(
    *,
    phone_number: str,
    usacan_prefix_check: bool,
    usacan_areacode_check: bool,
    nanpa_ac_prefix_check: bool,
) -> PhoneProblem | None:
    """The first problem of the filtered phone number (digits and commas), or None.

    Checks in the contract's order, each only when the earlier ones passed (§3.8):

    1. 6 to 16 characters, commas included;
    2. ``usacan_prefix_check``: the 4th character (first exchange digit) is 2-9;
    3. ``usacan_areacode_check`` (D14): exactly 10 characters, and the area code is an
       assigned NANP area code or has a country-code-1 row in the phone-code table. The
       phone code is not consulted, as in the original (P19);
    4. ``nanpa_ac_prefix_check``: the NANPA table holds the area code and exchange. The
       caller passes False when the NANPA table is not loaded (§3.7).

    Makes no query unless check 3 meets an unassigned area code (then at most one, for the
    cached phone-code table) or check 4 runs (one indexed query).
    """
    if not PHONE_MIN_LENGTH <= len(phone_number) <= PHONE_MAX_LENGTH:
        return PhoneProblem.LENGTH
    areacode, exchange = phone_number[:3], phone_number[3:6]
    if usacan_prefix_check and phone_number[3] not in "23456789":
        return PhoneProblem.PREFIX
    # D14: the documented 10 digits are enforced (the original only changed the reason text).
    if usacan_areacode_check and not (
        len(phone_number) == NANP_NUMBER_LENGTH
        and (
            areacode_is_assigned(areacode)
            or phone_code_row_exists(phone_code="1", areacode=areacode)
        )
    ):
        return PhoneProblem.AREACODE
    if nanpa_ac_prefix_check and not nanpa_prefix_exists(areacode, exchange):
        return PhoneProblem.NANPA_AREACODE_PREFIX
    return None


def areacode_is_assigned(areacode: str) -> bool:
    """Whether some 10-digit number in this area code is valid for phonenumbers in a NANP
    region (US, Canada or another NANP country): geographic and non-geographic (800, 900)
    area codes count (D14). No query; the set is built once per process."""
    return areacode in _assigned_nanp_areacodes()


@cache
def _assigned_nanp_areacodes() -> frozenset[str]:
    patterns = []
    for region in phonenumbers.region_codes_for_country_code(1):
        metadata = PhoneMetadata.metadata_for_region(region)
        for type_name in _VALID_TYPES:
            desc = getattr(metadata, type_name, None)
            if desc is not None and desc.national_number_pattern:
                patterns.append(desc.national_number_pattern)
    valid = re.compile("(?:" + "|".join(patterns) + ")")
    return frozenset(
        areacode
        for areacode in (f"{n:03d}" for n in range(200, 1000))
        if any(valid.fullmatch(f"{areacode}{probe}0000") for probe in _EXCHANGE_PROBES)
    )


# --- phone numbers as people type them (the supervisors' doors) ----------------------------

NANP_PHONE_CODE = "1"
# Excel's text for a number cell: "7275551236.0", "7.275551236E+09".
_FLOAT_TEXT = re.compile(r"(\d+)\.0+")
_SCIENTIFIC_TEXT = re.compile(r"\d(?:\.\d+)?[eE]\+?\d{1,2}")
# Text that may be one of those (the slower path reads it).
_FLOAT_OR_SCIENTIFIC = re.compile(r"\.0+\s*$|[eE]")
# "+44 (0)20 ...": the national trunk 0 written beside the calling code.
_TRUNK_ZERO = re.compile(r"\(0\)")
_NON_DIGITS = re.compile(r"[^0-9]")


class NormalisedPhone(NamedTuple):
    """A phone number as stored: ``number`` digits only, ``phone_code`` the calling code
    (the caller's unless the text named another). ``changed``: the text was not already
    the stored number (punctuation, a calling code, Excel's float text...)."""

    phone_code: str
    number: str
    changed: bool


def phone_normalise(text: str, *, phone_code: str) -> NormalisedPhone:
    """A phone number as supervisors and vendor files write it, as the pipeline stores it.

    Unicode spaces, dots, dashes, parentheses and other punctuation are dropped; Excel's
    float text (``7275551236.0``, ``7.275551236E+09``) is read back as the number; a leading
    ``+`` or ``00`` with a calling code known to phonenumbers (or equal to ``phone_code``)
    moves that code to ``phone_code``; with phone code 1, an 11-digit number written with
    its leading 1 loses it. Anything else keeps its digits, so the pipeline's own checks
    (length, prefix, area code) still decide. The legacy API never calls this: its filter
    is the contract's (P28).
    """
    written = text
    if text.isdigit() and text.isascii():
        if len(text) == 11 and text[0] == "1" and phone_code == NANP_PHONE_CODE:
            return NormalisedPhone(phone_code, text[1:], True)
        return NormalisedPhone(phone_code, text, False)
    if text[:1] != "+" and text[:2] != "00" and not _FLOAT_OR_SCIENTIFIC.search(text):
        # The usual case, "(727) 555-1234": punctuation and spaces around the digits.
        digits = _without_nanp_one(_NON_DIGITS.sub("", text), phone_code)
        return NormalisedPhone(phone_code, digits, digits != written)
    # Any Unicode space (NBSP, narrow NBSP...) is a space; only the digits are kept below.
    text = " ".join(text.split())
    if "." in text or "e" in text or "E" in text:
        if _SCIENTIFIC_TEXT.fullmatch(text):
            number = Decimal(text)
            if number == number.to_integral_value():
                text = str(int(number))
        elif match := _FLOAT_TEXT.fullmatch(text):
            text = match.group(1)
    international = text[:1] == "+" or text[:2] == "00"
    if international:
        text = _TRUNK_ZERO.sub("", text)
    digits = _NON_DIGITS.sub("", text)
    if international:
        if text.startswith("00"):
            digits = digits[2:]
        code = _calling_code(digits, phone_code)
        if code is not None:
            phone_code, digits = code, digits[len(code) :]
        elif text.startswith("00"):
            digits = "00" + digits  # not a calling code: a number that starts with 00
    digits = _without_nanp_one(digits, phone_code)
    return NormalisedPhone(phone_code, digits, digits != written)


def _without_nanp_one(digits: str, phone_code: str) -> str:
    """With phone code 1, "17275551234" is 7275551234 written with the 1 in front."""
    if (
        phone_code == NANP_PHONE_CODE
        and len(digits) == NANP_NUMBER_LENGTH + 1
        and digits.startswith(NANP_PHONE_CODE)
    ):
        return digits[1:]
    return digits


def _calling_code(digits: str, phone_code: str) -> str | None:
    """The calling code ``digits`` start with: ``phone_code`` or one phonenumbers knows
    (calling codes are prefix-free: at most one matches)."""
    if phone_code and digits.startswith(phone_code):
        return phone_code
    for length in (1, 2, 3):
        code = digits[:length]
        if len(digits) > length and int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None
