"""The +1 number-zone memo of leads/zones.py: sound for the installed phonenumbers data.

The memo keys a +1 number by its area code and exchange (and the next digit after the few
exchanges where phonenumbers reads it) and its length. That is only right while
phonenumbers' validity patterns, leading-digit patterns and time-zone prefixes of every +1
region look no further; the first test reads them from the installed metadata, so a
phonenumbers upgrade that looks further fails it.
"""

import itertools
import random
import re._parser as sre_parse
from re._constants import (
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    RANGE,
    SUBPATTERN,
)

import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata
from phonenumbers.tzdata import TIMEZONE_DATA

from leads import zones
from leads.zones import NANP_SEVENTH_DIGIT_EXCHANGES, NANP_SIGNIFICANT_DIGITS, nanp_zone_key

DIGITS = frozenset("0123456789")
NUMBER_TYPES = (
    "general_desc",
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


def _digit_class(op, argument) -> frozenset[str]:
    if op is LITERAL:
        return frozenset(chr(argument))
    members, negated = set(), False
    for item, value in argument:
        if item is LITERAL:
            members.add(chr(value))
        elif item is RANGE:
            members.update(chr(code) for code in range(value[0], value[1] + 1))
        elif item is CATEGORY and value is CATEGORY_DIGIT:
            members.update(DIGITS)
        elif item is NEGATE:
            negated = True
        else:
            raise ValueError(f"pattern item not understood: {item}")
    return frozenset(DIGITS - members) if negated else frozenset(members & DIGITS)


def _positions(items) -> list[tuple[frozenset[str], ...]]:
    """Every digit sequence shape a pattern matches: one set of allowed digits per position."""
    shapes: list[tuple[frozenset[str], ...]] = [()]
    for op, argument in items:
        if op in (LITERAL, IN):
            allowed = _digit_class(op, argument)
            shapes = [shape + (allowed,) for shape in shapes]
        elif op is SUBPATTERN:
            inner = _positions(argument[3])
            shapes = [shape + tail for shape in shapes for tail in inner]
        elif op is BRANCH:
            tails = [tail for branch in argument[1] for tail in _positions(branch)]
            shapes = [shape + tail for shape in shapes for tail in tails]
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, high, inner = argument
            unit = _positions(inner)
            tails = []
            for count in range(low, high + 1):
                repeated: list[tuple[frozenset[str], ...]] = [()]
                for _ in range(count):
                    repeated = [head + part for head in repeated for part in unit]
                tails += repeated
            shapes = [shape + tail for shape in shapes for tail in tails]
        else:
            raise ValueError(f"pattern construct not understood: {op}")
    return shapes


def _nanp_patterns() -> list[str]:
    patterns = []
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        for name in NUMBER_TYPES:
            desc = getattr(metadata, name)
            if desc is not None and desc.national_number_pattern:
                patterns.append(desc.national_number_pattern)
        if metadata.leading_digits:
            patterns.append(metadata.leading_digits)
    return patterns


def test_phonenumbers_reads_no_further_into_a_nanp_number_than_the_memo_key():
    """Validity and region patterns constrain the first NANP_SIGNIFICANT_DIGITS digits, and
    the next one only after the exchanges NANP_SEVENTH_DIGIT_EXCHANGES names; the time-zone
    prefixes are no longer than the area code and exchange."""
    shapes = [
        shape for pattern in _nanp_patterns() for shape in _positions(sre_parse.parse(pattern))
    ]
    assert shapes
    seventh = set()
    for shape in shapes:
        assert all(allowed == DIGITS for allowed in shape[NANP_SIGNIFICANT_DIGITS + 1 :]), shape
        if shape[NANP_SIGNIFICANT_DIGITS : NANP_SIGNIFICANT_DIGITS + 1] not in ((), (DIGITS,)):
            seventh.update(map("".join, itertools.product(*shape[:NANP_SIGNIFICANT_DIGITS])))
    assert seventh == NANP_SEVENTH_DIGIT_EXCHANGES
    prefixes = [key for key in TIMEZONE_DATA if key.startswith("1")]
    assert max(len(key) - 1 for key in prefixes) <= NANP_SIGNIFICANT_DIGITS


def _numbers() -> list[str]:
    picker = random.Random(9)
    numbers = ["2465210000", "2465214000", "2465241234", "8766060123", "8766061234"]
    numbers += ["12465210000", "12465219999", "8766069999"]
    numbers += ["17275551234", "1727555", "7275551234", "9075551234", "8005551234", "12"]
    for _ in range(400):
        numbers.append(
            "".join(picker.choice("0123456789") for _ in range(picker.choice([7, 10, 11])))
        )
    return numbers


@pytest.mark.parametrize("digits", _numbers())
def test_remembered_zone_equals_phonenumbers_answer_for_the_number(digits):
    """Whatever number of the same key was resolved first, the memo answers as phonenumbers
    would for this one."""
    zones._nanp_zones.clear()
    first = zones.nanp_number_zone(digits)
    assert first == zones.number_zone.__wrapped__("1", digits)
    key, length = nanp_zone_key(digits)
    sibling = key + "9" * (length - len(key))
    assert nanp_zone_key(sibling) == (key, length)
    assert zones.nanp_number_zone(sibling) == zones.number_zone.__wrapped__("1", sibling)
