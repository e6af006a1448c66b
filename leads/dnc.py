"""DNC lists in bulk: reading files of numbers, one number or an area-code wildcard such as
727XXXXXXX per line, and adding or removing them on the system or a campaign's list.

Used by the bulk pages of the system and campaign DNC admins.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from campaigns.models import CampaignDnc

from .models import DncNumber
from .rules import PHONE_LENGTH_MAX, PHONE_LENGTH_MIN
from .selectors import IN_CHUNK, dnc_numbers_present

MAX_FILE_BYTES = 20 * 1024 * 1024
# Characters people write inside phone numbers; they are dropped.
_PUNCTUATION = re.compile(r"[\s().+/-]")
_WILDCARD = re.compile(r"^([0-9]{3})X{7}$")
_CELL_SEPARATOR = re.compile(r"[,;\t|]")
_NUMBER = re.compile(rf"^[0-9]{{{PHONE_LENGTH_MIN},{PHONE_LENGTH_MAX}}}$")


@dataclass(frozen=True)
class DncLineError:
    line: int
    text: str
    problem: str


@dataclass
class DncFile:
    """The entries of a file, in file order without repeats, and the lines that were not."""

    entries: list[str] = field(default_factory=list)
    errors: list[DncLineError] = field(default_factory=list)
    repeated: int = 0


def dnc_entry_clean(text: str) -> str | None:
    """The stored form of one entry (digits, or 3 digits and XXXXXXX), or None if invalid."""
    value = _PUNCTUATION.sub("", text).upper()
    if _NUMBER.match(value) or _WILDCARD.match(value):
        return value
    return None


def dnc_text_decode(data: bytes) -> str:
    """Text of an uploaded file: UTF-8 (with or without BOM) or UTF-16 with BOM, else
    Windows-1252 (what Excel writes for "CSV")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def dnc_file_read(text: str) -> DncFile:
    """Entries from text or CSV: the first cell of each line counts (cells are separated by
    commas, semicolons, tabs or bars); empty lines and a heading on line 1 (a first cell with
    no digit) are skipped. Invalid lines are reported by number, repeats counted."""
    result = DncFile()
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        cell = _CELL_SEPARATOR.split(line, maxsplit=1)[0].strip().strip('"').strip()
        if not cell:
            continue
        if number == 1 and not any(char.isdigit() for char in cell):
            continue
        entry = dnc_entry_clean(cell)
        if entry is None:
            result.errors.append(
                DncLineError(
                    line=number,
                    text=cell[:60],
                    problem=(
                        f"not a phone number ({PHONE_LENGTH_MIN}-{PHONE_LENGTH_MAX} digits) "
                        "or an area-code wildcard such as 727XXXXXXX"
                    ),
                )
            )
        elif entry in seen:
            result.repeated += 1
        else:
            seen.add(entry)
            result.entries.append(entry)
    return result


@dataclass(frozen=True)
class DncApplyResult:
    added: int = 0
    removed: int = 0
    # Entries already on the list (when adding) or not on it (when removing).
    unchanged: int = 0


def dnc_numbers_apply(
    *, entries: Sequence[str], remove: bool, campaign_id: str | None = None
) -> DncApplyResult:
    """Add (or remove) DNC entries, numbers or ``727XXXXXXX`` wildcards as
    ``dnc_files.dnc_entry_clean`` writes them, on the system list or on one campaign's own
    list, in one transaction. A wildcard removes that wildcard entry only, not the numbers of
    its area code. Raises ValueError, writing nothing, if an entry is not in stored form."""
    invalid = [entry for entry in entries if dnc_entry_clean(entry) != entry]
    if invalid:
        raise ValueError(f"Not DNC entries: {', '.join(invalid[:5])}")
    wanted = list(dict.fromkeys(entries))
    rows = (
        DncNumber.objects.all()
        if campaign_id is None
        else CampaignDnc.objects.filter(campaign_id=campaign_id)
    )
    with transaction.atomic():
        present = dnc_numbers_present(wanted, campaign_id=campaign_id)
        if remove:
            targets = [entry for entry in wanted if entry in present]
            for start in range(0, len(targets), IN_CHUNK):
                rows.filter(phone_number__in=targets[start : start + IN_CHUNK]).delete()
            return DncApplyResult(removed=len(targets), unchanged=len(wanted) - len(targets))
        new = [entry for entry in wanted if entry not in present]
        if campaign_id is None:
            objects = [DncNumber(phone_number=entry) for entry in new]
            DncNumber.objects.bulk_create(objects, batch_size=1000, ignore_conflicts=True)
        else:
            objects = [CampaignDnc(campaign_id=campaign_id, phone_number=e) for e in new]
            CampaignDnc.objects.bulk_create(objects, batch_size=1000, ignore_conflicts=True)
        return DncApplyResult(added=len(new), unchanged=len(wanted) - len(new))
