"""The pipeline's batch service: the rules of the add, run over a batch of rows at once.

Each rule is its module's batch form (``lists``, ``phone_checks``, ``time_zone``, ``dnc``,
``duplicates_batch``, ``custom_fields``, ``hopper``); what differs from the API's add
(``services.add.lead_add``, the single forms) is only how often the database is asked: one
query per check for a batch, and values that depend on few inputs computed once per run.
The order is the add's: list, phone, lookup_state, system then campaign DNC, duplicates,
time zone. A caller (the importer) cleans the rows, calls ``check`` per batch and stores the
rows left ``ADDED`` (``importing.stores``: under the locks of ``lock_keys``, re-checked
with ``recheck_queries`` and ``demote`` where the check ran before).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from campaigns.models import HopperEntry
from leadhub.db.locks import dedupe_locks_taken
from leads.outcomes import DuplicateCheck, DuplicateHit, Rejection
from leads.phones import PhoneProblem
from leads.services.request import AddOptions, DncMode

from .custom_fields import CustomFieldBatch
from .dnc import campaign_dnc_entries, dnc_blocked_phones, system_dnc_entries
from .duplicates import Candidate, duplicate_since
from .duplicates_batch import DuplicateBatch, FileDuplicate, Recheck
from .hopper import HopperLead, hopper_entries
from .lists import ListBatch
from .phone_checks import PhoneCheckBatch, checks_in_force
from .time_zone import TimeZoneBatch


class Outcome(enum.StrEnum):
    """What happened to one row; the import's counts are kept per outcome."""

    # Hashed as the text it equals (Enum's own __hash__ runs in Python, per counted row).
    __hash__ = str.__hash__

    ADDED = "added"
    INVALID = "invalid"
    DUPLICATE_DB = "duplicate_db"
    DUPLICATE_FILE = "duplicate_file"
    DNC = "dnc"
    CAMPAIGN_DNC = "campaign_dnc"


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(Outcome, 0)


@dataclass(slots=True)
class RowResult:
    """One row of a batch. ``values`` are its cleaned lead fields (mapped ones only). Why a
    row is refused is typed: ``phone_problem`` (INVALID: none means its list does not
    exist), ``duplicate`` (DUPLICATE_DB), ``check`` and ``earlier_row`` (DUPLICATE_FILE);
    ``wording.import_row_reason`` words it."""

    number: int
    cells: list[str]
    outcome: Outcome = Outcome.ADDED
    phone_problem: PhoneProblem | None = None
    duplicate: DuplicateHit | None = None
    phone: str = ""
    values: dict[str, str] = field(default_factory=dict)
    custom: dict[str, str] | None = None
    list_id: int = 0
    phone_code: str = "1"
    state: str = ""
    gmt: Decimal | None = None
    check: DuplicateCheck | None = None
    existing_lead_id: int | None = None
    earlier_row: int | None = None
    lead_id: int | None = None
    # A duplicate equal to its lead in every loaded field (``importing.repeats``).
    exact_repeat: bool = False

    def reject(self, outcome: Outcome) -> None:
        self.outcome = outcome


def candidates(rows: list[RowResult], *, texts: bool = True) -> list[Candidate]:
    """What the duplicate rule reads of each row; without ``texts`` (only phone checks
    run) the phone and list alone."""
    if not texts:
        return [Candidate(r.phone, r.list_id, "", "", "", "") for r in rows]
    return [
        Candidate(
            r.phone,
            r.list_id,
            (v := r.values).get("title", ""),
            v.get("alt_phone", ""),
            v.get("first_name", ""),
            v.get("last_name", ""),
        )
        for r in rows
    ]


class LeadBatch:
    """The rules of ``options`` over a run's batches, in order. Keeps what must survive
    batches: in-file duplicate keys and per-run memos.

    ``list_id``: every row's list (None: each row's ``list_id`` value, which must name a
    list); ``custom_columns``: {custom field label: cell column}.
    """

    def __init__(
        self,
        options: AddOptions,
        *,
        list_id: int | None,
        default_phone_code: str,
        custom_columns: Mapping[str, int],
        first_lead_id: int | None = None,
    ) -> None:
        self.options = options
        self.list_id = list_id
        self.default_phone_code = default_phone_code or "1"
        in_force = checks_in_force(options.phone_checks, options.time_zone)
        self.lists = ListBatch(exists_check=True)
        self.phones = PhoneCheckBatch(in_force.phone_checks)
        self.time_zones = TimeZoneBatch(lookup=options.lookup_state, tz_method=in_force.time_zone)
        self.custom = CustomFieldBatch(custom_columns)
        self.duplicates = DuplicateBatch(options.duplicates, first_lead_id=first_lead_id)
        # Whether a duplicate check compares more than phone numbers.
        self._texts = any(check.kind != "PHONE" for check in options.duplicates.checks)
        self.campaign_dnc = (
            None
            if options.campaign_dnc is DncMode.OFF
            else campaign_dnc_entries(options.campaign_id)
        )

    @property
    def first_lead_id(self) -> int | None:
        return self.duplicates.first_lead_id

    @first_lead_id.setter
    def first_lead_id(self, value: int | None) -> None:
        self.duplicates.first_lead_id = value

    def prepare(self, result: RowResult) -> RowResult:
        """The rules that need no batch query: list, phone (but NANPA), lookup_state, and
        the custom values (cached lookups only)."""
        values, phone = result.values, result.phone
        list_id = self.list_id
        if list_id is None:
            found = self.lists.list_for(values.get("list_id", ""))
            if isinstance(found, Rejection):
                result.reject(Outcome.INVALID)
                return result
            list_id = found
        result.list_id = list_id
        phone_code = result.phone_code = values.get("phone_code") or self.default_phone_code
        problem = self.phones.problem_before_nanpa(phone)
        if problem is not None:
            result.phone_problem = problem
            result.reject(Outcome.INVALID)
            return result
        state = values.get("state", "")
        result.state = state or self.time_zones.state(state, phone_code, phone)
        # Unmapped fields too: the API stores their defaults (D15) with custom_fields=Y.
        result.custom = self.custom.values(list_id, result.cells)
        return result

    def check(self, cleaned: list[RowResult], *, now: datetime) -> list[RowResult]:
        """Check cleaned rows in file order. Rows that pass are left ``ADDED`` with their
        time zone; the caller inserts them. At most one query per enabled check."""
        self.time_zones.at(now)
        results = [self.prepare(result) for result in cleaned]
        valid = [r for r in results if r.outcome is Outcome.ADDED]
        if unknown := self.phones.nanpa_unknown([r.phone for r in valid]):
            for r in valid:
                if r.phone in unknown:
                    r.phone_problem = PhoneProblem.NANPA_AREACODE_PREFIX
                    r.reject(Outcome.INVALID)
            valid = [r for r in valid if r.outcome is Outcome.ADDED]
        options = self.options
        phones = {r.phone for r in valid}
        dnc = dnc_blocked_phones(system_dnc_entries(), options.dnc, phones)
        campaign_dnc = dnc_blocked_phones(self.campaign_dnc, options.campaign_dnc, phones)
        duplicates = self.duplicates
        checks = bool(options.duplicates.checks)
        news = candidates(valid, texts=self._texts) if checks else []
        found = duplicates.look_up(news, duplicate_since(options.duplicates, now))
        for index, result in enumerate(valid):
            if result.phone in dnc:
                result.reject(Outcome.DNC)
                continue
            if result.phone in campaign_dnc:
                result.reject(Outcome.CAMPAIGN_DNC)
                continue
            if checks:
                duplicate = duplicates.first_duplicate_else_remember(
                    result.number, news[index], found
                )
                if duplicate is not None:
                    _reject_duplicate(result, duplicate)
                    continue
            values = result.values
            result.gmt = self.time_zones.offset(
                phone_code=result.phone_code,
                phone=result.phone,
                state=result.state,
                postal_code=values.get("postal_code", ""),
                owner=values.get("owner", ""),
                now=now,
            )
        return results

    def remember(self, result: RowResult) -> None:
        """Count a row added by an earlier run for the in-file duplicates of later rows."""
        self.duplicates.remember(result.number, candidates([result])[0])

    # --- storing -------------------------------------------------------------------------

    def lock_keys(self, rows: list[RowResult]) -> list[str]:
        """The dedupe-lock keys of rows about to be checked or stored (the API's keys)."""
        if not self.options.duplicates.checks or not dedupe_locks_taken():
            return []
        return self.duplicates.lock_keys(candidates(rows))

    def recheck_queries(self, added: list[RowResult], *, now: datetime) -> list[Recheck]:
        """The duplicate checks of rows about to be stored, one statement per check."""
        since = duplicate_since(self.options.duplicates, now)
        return self.duplicates.recheck_queries(candidates(added), since)

    def demote(self, added: list[RowResult], found: list[tuple[Recheck, list[tuple]]]) -> int:
        """Turn the rows the re-check's rows show to be duplicates now into ``DUPLICATE_DB``
        (an id reserved for them stays unused); returns how many."""
        hits = self.duplicates.recheck_hits(candidates(added), found)
        demoted = 0
        for result, hit in zip(added, hits, strict=True):
            if hit is not None:
                _reject_duplicate(result, hit)
                result.lead_id = None
                demoted += 1
        return demoted

    def hopper_entries(self, added: list[RowResult], *, now: datetime) -> list[HopperEntry]:
        """The hopper rows of stored rows (none without ``add_to_hopper``); rows outside
        their call time stay out under the local call time check, as in the API."""
        hopper = self.options.hopper
        if hopper is None or not added:
            return []
        leads = [
            HopperLead(r.lead_id, r.list_id, r.gmt, r.state, r.values.get("vendor_lead_code", ""))
            for r in added
        ]
        return [entry for entry in hopper_entries(leads, hopper, now=now) if entry is not None]


def _reject_duplicate(result: RowResult, duplicate: DuplicateHit | FileDuplicate) -> None:
    result.check = duplicate.check
    if isinstance(duplicate, FileDuplicate):
        result.earlier_row = duplicate.earlier_row
        result.existing_lead_id = duplicate.lead_id
        result.reject(Outcome.DUPLICATE_FILE)
        return
    result.duplicate = duplicate
    result.existing_lead_id = duplicate.lead_id
    result.reject(Outcome.DUPLICATE_DB)
