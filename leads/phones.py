"""Phone number validation of add_lead (contract §3.8, D14)."""

import enum
import re
from functools import cache

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
