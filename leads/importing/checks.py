"""The checks of a spreadsheet import: the lead pipeline's rules, run a batch of rows at a time.

Every rule is the API's (``leads.services.lead_add``), called through the same functions:
``rules.clean_value`` for the character filters, ``phones.phone_problem``, ``timezones``
for lookup_state and the time zone, ``campaigns.selectors.dnc_patterns`` for DNC entries and
``request.DuplicatePolicy`` / ``DuplicateCheck`` for what a duplicate is. What differs is
only how often the database is asked: where the API makes one query per lead, a batch makes
one query per check (system DNC, campaign DNC, NANPA prefixes, each duplicate check), and
values that depend on a few inputs (time zone, state, phone validity) are computed once per
run for each distinct input.

Decisions of the loader, as in the original's (contract §5):

* phone_number and alt_phone are read as people write them (``phones.phone_normalise``:
  ``(727) 555-1234``, ``+1 727-555-1234``, ``7275551234.0``), phone_code is reduced to
  digits; the other fields get the API's filters, so '+' becomes a space there too.
* The list is the job's list when one is chosen, else the row's list_id column, which must
  name an existing list (the row is invalid otherwise). The phone code is the row's, else the
  job's default, else "1".
* Rows earlier in the file count as duplicates too, under every chosen check, whatever the
  status filter says (the file must not load a phone twice); a row counts only once it is
  added. Text comparisons ignore case and trailing spaces, and on MariaDB accents too, as the
  database's duplicate checks do.
* A batch is checked before it is stored; the store takes the API's dedupe locks on the keys of
  the rows it will insert and re-runs the duplicate checks under them (``lock_keys``,
  ``recheck_queries``, ``demote``), so imports and API adds racing on a phone store it once.
"""

import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, F, Func, Lookup, Q, Value
from django.db.models.lookups import In

from campaigns.models import CampaignDnc
from campaigns.selectors import campaign_dnc_list_id, campaign_get, dnc_patterns
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_locks_taken, lead_lock_keys
from leads.lookups import DedupeKey
from leads.models import DncNumber, ImportJob, Lead, NanpaPrefix
from leads.outcomes import DuplicateCheck, DuplicateMatch, Rejection
from leads.phones import PhoneProblem, phone_problem
from leads.rules import STANDARD_LAYOUT, STANDARD_LEAD_COLUMNS, clamp_int, value_cleaner
from leads.selectors import custom_fields_of_list, list_get, lists_of_campaign, system_settings_get
from leads.services import custom_value_clean
from leads.services.request import DncMode
from leads.timezones import (
    NANPA_MIN_ROWS,
    lead_gmt_offset,
    nanpa_prefix_count,
    phone_code_row_exists,
    phone_code_state,
)
from leads.wording import (
    INVALID_LIST_TEXT,
    PHONE_PROBLEM_TEXT,
    REJECTION_TEXT,
    check_code,
    import_duplicate_text,
    import_file_duplicate_group,
    import_file_duplicate_text,
    phone_problem_text,
)

from .options import ImportOptions
from .phone_text import ImportPhones

# Reduced to digits, as the original loader does (see the module docstring).
DIGIT_FIELDS = frozenset({"phone_number", "alt_phone", "phone_code"})
PHONE_TEXT_FIELDS = frozenset({"phone_number", "alt_phone"})
_NON_DIGITS = re.compile(r"[^0-9]")
# A field's cleaned values are remembered while it has at most this many distinct ones.
MEMO_VALUES = 2000


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


@dataclass(frozen=True)
class Recheck:
    """One duplicate check of a batch about to be stored: its SQL, and the campaign of each
    list for a campaign scope."""

    check: DuplicateCheck
    sql: str
    params: tuple
    campaign_of: dict[int, str]


@dataclass(slots=True)
class RowResult:
    """One row after the checks. ``values`` are the cleaned lead fields (mapped ones only);
    ``code`` groups reasons for the dry run's examples."""

    number: int
    cells: list[str]
    outcome: Outcome = Outcome.ADDED
    reason: str = ""
    code: str = ""
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

    def reject(self, outcome: Outcome, reason: str, code: str = "") -> None:
        self.outcome, self.reason, self.code = outcome, reason, code or reason


class RowChecker:
    """Runs the checks of one job over its rows, batch by batch, in file order.

    Keeps what must survive batches: the keys of added rows for in-file duplicates and
    per-run caches. ``first_lead_id`` is the lowest lead id this job inserted: database
    duplicates at or above it are the file's own rows (reported as in-file duplicates).
    """

    def __init__(self, job: ImportJob, *, first_lead_id: int | None = None) -> None:
        options = ImportOptions.from_json(job.options)
        add = options.add
        self.first_lead_id = first_lead_id
        non_latin = system_settings_get().use_non_latin
        # (column, field, cleaner, memo of cleaned values or None): see clean().
        self._fields = [
            (int(column), name, _cleaner(name, non_latin), None if name in DIGIT_FIELDS else {})
            for column, name in sorted(job.mapping.items(), key=lambda item: int(item[0]))
            if name in STANDARD_LAYOUT
        ]
        self._custom = [
            (int(column), label)
            for column, label in job.mapping.items()
            if label not in STANDARD_LAYOUT and label not in STANDARD_LEAD_COLUMNS
        ]
        self.list_id = job.list_id
        self.default_phone_code = options.phone_code or "1"
        self.phones = ImportPhones(default_phone_code=self.default_phone_code)
        self.lookup_state = add.lookup_state
        self.prefix_check = add.phone_checks.usacan_prefix
        self.areacode_check = add.phone_checks.usacan_areacode
        self.nanpa_check = add.phone_checks.nanpa_prefix
        self.tz_method = add.time_zone
        if (self.nanpa_check or self.tz_method.nanpa) and nanpa_prefix_count() < NANPA_MIN_ROWS:
            # As the API (§3.7): without NANPA data both NANPA options are off.
            self.nanpa_check = False
            self.tz_method = self.tz_method.when_nanpa_unloaded()
        self._tz_uses = (self.tz_method.nanpa, self.tz_method.postal, self.tz_method.tz_code)
        self.dnc_mode = add.dnc
        self.campaign_dnc_mode = add.campaign_dnc
        campaign = campaign_get(add.campaign_id) if add.campaign_dnc is not DncMode.OFF else None
        self.dnc_campaign_id = campaign_dnc_list_id(campaign) if campaign else None
        self.policy = add.duplicates
        self.statuses = sorted(add.duplicates.statuses)
        # Per check, in the fixed order: (check, kind, scope, {key: row number of the added
        # row}), for the duplicates inside the file.
        self._checks = [(check, check.kind, check.scope, {}) for check in self.policy.checks]
        self._text_key = _mysql_text_key if connection.vendor == "mysql" else _text_key
        self._lists: dict[int, object] = {}
        self._phone_ok: dict[tuple[int, str], PhoneProblem | None] = {}
        self._states: dict[tuple[str, str], str] = {}
        self._area_known: dict[tuple[str, str], bool] = {}
        self._tz: dict[tuple, Decimal | None] = {}
        # The hour _tz holds offsets for: an offset depends on the moment only through
        # daylight saving time, whose switches fall on the hour.
        self._tz_hour: datetime | None = None
        self._custom_plan: dict[int, list | None] = {}

    # --- one row, no queries -------------------------------------------------------------

    def clean(self, rows: list[tuple[int, list[str]]]) -> list[RowResult]:
        """Map and clean rows. Pure computation, no query: it may run while the database
        connection is busy (the import cleans the next batch during a COPY)."""
        results = [self._clean_row(number, cells) for number, cells in rows]
        # Fields that repeat a few values (names, city, state) are cleaned once per value;
        # fields with too many distinct values (phones, e-mails) are not remembered.
        self._fields = [
            (column, name, clean, None if memo is None or len(memo) > MEMO_VALUES else memo)
            for column, name, clean, memo in self._fields
        ]
        return results

    def _clean_row(self, number: int, cells: list[str]) -> RowResult:
        result = RowResult(number, cells)
        width = len(cells)
        values = result.values
        for column, name, clean, memo in self._fields:
            raw = cells[column] if column < width else ""
            if not raw:
                values[name] = ""
            elif memo is None:
                values[name] = clean(raw)
            else:
                text = memo.get(raw)
                if text is None:
                    text = memo[raw] = clean(raw)
                values[name] = text
        result.phone = self.phones.normalise(number, values)
        return result

    def prepare(self, number: int, cells: list[str]) -> RowResult:
        """Clean a row and run the checks that need no batch query: list, phone,
        lookup_state (per-run caches may load configuration)."""
        return self._classify(self._clean_row(number, cells))

    def _classify(self, result: RowResult) -> RowResult:
        values, phone = result.values, result.phone
        if self.list_id is not None:
            list_id = self.list_id
        else:
            list_id = clamp_int(values.get("list_id", ""), default=0)
            if self._list(list_id) is None:
                result.reject(Outcome.INVALID, INVALID_LIST_TEXT)
                return result
        result.list_id = list_id
        phone_code = result.phone_code = values.get("phone_code") or self.default_phone_code
        key = (len(phone), phone[:4])
        if key in self._phone_ok:
            problem = self._phone_ok[key]
        else:
            # Without NANPA, the checks read only the length and the first 4 digits (§3.8).
            problem = self._phone_ok[key] = phone_problem(
                phone_number=phone,
                usacan_prefix_check=self.prefix_check,
                usacan_areacode_check=self.areacode_check,
                nanpa_ac_prefix_check=False,
            )
        if problem is not None:
            text = PHONE_PROBLEM_TEXT[problem]
            result.reject(Outcome.INVALID, phone_problem_text(problem, phone), text)
            return result
        state = values.get("state", "")
        if self.lookup_state and not state:
            area_key = (phone_code, phone[:3])
            state = self._states.get(area_key)
            if state is None:
                state = self._states[area_key] = phone_code_state(
                    phone_code=phone_code, areacode=phone[:3]
                )
        result.state = state
        # Unmapped fields too: the API stores their defaults (D15) with custom_fields=Y.
        result.custom = self._custom_values(list_id, result.cells)
        return result

    # --- a batch: one query per check ----------------------------------------------------

    def check_batch(self, rows: list[tuple[int, list[str]]], *, now: datetime) -> list[RowResult]:
        """Clean and check rows in file order (``check`` of ``clean``)."""
        return self.check(self.clean(rows), now=now)

    def check(self, cleaned: list[RowResult], *, now: datetime) -> list[RowResult]:
        """Check cleaned rows in file order. Rows that pass are ``ADDED`` with their time
        zone; the caller inserts them. Makes at most one query per enabled check."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        if hour != self._tz_hour:
            self._tz.clear()
            self._tz_hour = hour
        results = [self._classify(result) for result in cleaned]
        valid = [r for r in results if r.outcome is Outcome.ADDED]
        if self.nanpa_check and valid:
            self._nanpa_batch(valid)
            valid = [r for r in valid if r.outcome is Outcome.ADDED]
        phones = {r.phone for r in valid}
        dnc = self._dnc_hits(DncNumber.objects.all(), self.dnc_mode, phones)
        if self.dnc_campaign_id is not None:
            campaign_rows = CampaignDnc.objects.filter(campaign_id=self.dnc_campaign_id)
            campaign_dnc = self._dnc_hits(campaign_rows, self.campaign_dnc_mode, phones)
        else:
            campaign_dnc = None
        since = now - timedelta(days=self.policy.days) if self.policy.days else None
        found = [self._duplicates_in_db(check, valid, since) for check, *_ in self._checks]
        for result in valid:
            if dnc is not None and self._blocked(dnc, self.dnc_mode, result.phone):
                result.reject(Outcome.DNC, REJECTION_TEXT[Rejection.DNC])
            elif campaign_dnc is not None and self._blocked(
                campaign_dnc, self.campaign_dnc_mode, result.phone
            ):
                result.reject(Outcome.CAMPAIGN_DNC, REJECTION_TEXT[Rejection.CAMPAIGN_DNC])
            elif not self._duplicate(result, found):
                self.remember(result)
                result.gmt = self._gmt(result, now)
        return results

    def remember(self, result: RowResult) -> None:
        """Count an added row for the in-file duplicate checks of later rows."""
        for _, kind, scope, seen in self._checks:
            for key in self._keys(kind, scope, result, incoming=False):
                seen.setdefault(key, result.number)

    def _nanpa_batch(self, rows: list[RowResult]) -> None:
        pairs = {(r.phone[:3], r.phone[3:6]) for r in rows}
        known = set(
            NanpaPrefix.objects.filter(
                _in("areacode", {a for a, _ in pairs}), _in("prefix", {p for _, p in pairs})
            ).values_list("areacode", "prefix")
        )
        for r in rows:
            if (r.phone[:3], r.phone[3:6]) not in known:
                problem = PhoneProblem.NANPA_AREACODE_PREFIX
                r.reject(
                    Outcome.INVALID,
                    phone_problem_text(problem, r.phone),
                    PHONE_PROBLEM_TEXT[problem],
                )

    @staticmethod
    def _dnc_hits(rows, mode: DncMode, phones: set[str]) -> set[str] | None:
        if mode is DncMode.OFF:
            return None
        areacode = mode is DncMode.AREACODE
        patterns = {p for phone in phones for p in dnc_patterns(phone, match_areacode=areacode)}
        if not patterns:
            return set()
        return set(
            rows.filter(_in("phone_number", patterns)).values_list("phone_number", flat=True)
        )

    @staticmethod
    def _blocked(hits: set[str], mode: DncMode, phone: str) -> bool:
        return any(p in hits for p in dnc_patterns(phone, match_areacode=mode is DncMode.AREACODE))

    # --- duplicates ----------------------------------------------------------------------

    def _duplicate(self, result: RowResult, found: list) -> bool:
        for (check, kind, scope, seen), (older, own) in zip(self._checks, found, strict=True):
            keys = self._keys(kind, scope, result, incoming=True)
            if not keys:
                continue
            key = keys[0]
            hit = older.get(key)
            if hit is None and (earlier := seen.get(key)) is not None:
                result.earlier_row = earlier
                result.existing_lead_id = own[key][0] if key in own else None
                result.check = check
                result.reject(
                    Outcome.DUPLICATE_FILE,
                    import_file_duplicate_text(check, earlier),
                    import_file_duplicate_group(check),
                )
                return True
            hit = hit or own.get(key)
            if hit is not None:
                self._reject_as_db_duplicate(result, check, hit)
                return True
        return False

    def _scope(self, scope: str, list_id: int) -> str | None:
        if scope == "LIST":
            return str(list_id)
        if scope == "SYS":
            return ""
        target = self._list(list_id)
        # The API finds no campaign duplicates for an undefined list (U24).
        return None if target is None else (target.campaign_id or "")

    def _keys(self, kind: str, scope_name: str, r: RowResult, *, incoming: bool) -> list[str]:
        """The keys a row is looked up by (incoming) or stored under (an added row)."""
        scope = self._scope(scope_name, r.list_id)
        if scope is None:
            return []
        v = r.values
        if kind == "PHONE" or (kind == "PHONE_ALT" and incoming):
            return [f"{scope}\x1f{r.phone}"]
        if kind == "PHONE_ALT":
            alt = self._text_key(v.get("alt_phone", ""))
            return [f"{scope}\x1f{r.phone}"] + ([f"{scope}\x1f{alt}"] if alt else [])
        if kind == "TITLE_ALT":
            title, alt = v.get("title", ""), v.get("alt_phone", "")
            return [f"{scope}\x1f{self._text_key(title)}\x1f{self._text_key(alt)}"]
        first = self._text_key(v.get("first_name", ""))
        last = self._text_key(v.get("last_name", ""))
        return [f"{scope}\x1f{r.phone}\x1f{first}\x1f{last}"]

    def _duplicates_in_db(self, check: DuplicateCheck, rows: list[RowResult], since):
        """({key: (lead id, list id, phone)} of older leads, the same of this job's own leads),
        the lowest lead id per key (D18). One query."""
        query = self._duplicate_query(check, rows, since)
        if query is None:
            return {}, {}
        leads, campaign_of = query
        return self._index_duplicates(check, leads, campaign_of, self.first_lead_id)

    def _duplicate_query(self, check: DuplicateCheck, rows: list[RowResult], since):
        """(rows of the leads that may match, as value lists, {list id: campaign id} for a
        campaign scope); None when nothing can match."""
        if not rows:
            return None
        leads = Lead.objects.all()
        if since is not None:
            leads = leads.filter(entry_date__gt=since)
        if self.statuses:
            leads = leads.filter(InBatch(_Unindexed("status"), self.statuses))
        campaign_of: dict[int, str] = {}
        if check.scope == "LIST":
            lists = sorted({r.list_id for r in rows})
            leads = leads.filter(InBatch(_Unindexed("list_id", numeric=True), lists))
        elif check.scope == "CAMP":
            for list_id in {r.list_id for r in rows}:
                target = self._list(list_id)
                if target is not None:
                    for member in lists_of_campaign(target.campaign_id):
                        campaign_of[member] = target.campaign_id or ""
            if not campaign_of:
                return None
            leads = leads.filter(InBatch(_Unindexed("list_id", numeric=True), list(campaign_of)))
        kind = check.kind
        phones = {r.phone for r in rows}
        columns = ["lead_id", "list_id", "phone_number"]
        if kind == "PHONE":
            leads = leads.filter(_in("phone_number", phones))
        elif kind == "PHONE_ALT":
            leads = leads.filter(Q(_in("phone_number", phones)) | Q(_ci_in("alt_phone", phones)))
            columns.append("alt_phone")
        elif kind == "TITLE_ALT":
            titles = {r.values.get("title", "") for r in rows}
            alts = {r.values.get("alt_phone", "") for r in rows}
            leads = leads.filter(_ci_in("title", titles), _ci_in("alt_phone", alts))
            columns += ["title", "alt_phone"]
        else:
            firsts = {r.values.get("first_name", "") for r in rows}
            lasts = {r.values.get("last_name", "") for r in rows}
            leads = leads.filter(
                _ci_in("first_name", firsts),
                _ci_in("last_name", lasts),
                _in("phone_number", phones),
            )
            columns += ["first_name", "last_name"]
        return leads.values_list(*columns), campaign_of

    def _index_duplicates(self, check: DuplicateCheck, found, campaign_of, first_own):
        older: dict[str, tuple[int, int, str]] = {}
        own: dict[str, tuple[int, int, str]] = {}
        kind, scope_of = check.kind, check.scope
        for row in found:
            lead_id, list_id = row[0], row[1]
            if scope_of == "LIST":
                scope = str(list_id)
            else:
                scope = "" if scope_of == "SYS" else campaign_of[list_id]
            target = own if first_own is not None and lead_id >= first_own else older
            for key in self._db_keys(kind, scope, row):
                held = target.get(key)
                if held is None or lead_id < held[0]:
                    target[key] = (lead_id, list_id, row[2])
        return older, own

    # --- the re-check under the locks ------------------------------------------------------

    def lock_keys(self, added: list[RowResult]) -> list[str]:
        """The dedupe-lock keys of rows about to be stored (or cleaned rows about to be
        checked), as the API's add takes them; none without a duplicate check, or where the
        backend takes no such lock."""
        if not self.policy.checks or not dedupe_locks_taken():
            return []
        keys = set()
        for r in added:
            v = r.values
            keys.update(
                lead_lock_keys(
                    self.policy,
                    phone=r.phone,
                    alt_phone=v.get("alt_phone", ""),
                    title=v.get("title", ""),
                )
            )
        return sorted(keys)

    def recheck_queries(self, added: list[RowResult], *, now: datetime) -> list[Recheck]:
        """The duplicate checks of rows about to be stored, compiled to SQL (one statement per
        check), for the store to run after it holds their locks: a lead stored since the
        rows were checked (by the API or another import) makes them duplicates after all."""
        since = now - timedelta(days=self.policy.days) if self.policy.days else None
        plans = []
        for check, *_ in self._checks:
            query = self._duplicate_query(check, added, since)
            if query is not None:
                leads, campaign_of = query
                sql, params = leads.query.sql_with_params()
                plans.append(Recheck(check, sql, tuple(params), campaign_of))
        return plans

    def demote(self, added: list[RowResult], found: list[tuple["Recheck", list[tuple]]]) -> int:
        """Reject the rows of ``added`` that the re-check's rows show to be duplicates now;
        returns how many. Pure computation (runs in the store's thread on PostgreSQL)."""
        demoted = 0
        if not any(rows for _, rows in found):
            return demoted  # the usual case: nothing was stored meanwhile
        indexed = []
        for recheck, rows in found:
            check = recheck.check
            older, _ = self._index_duplicates(check, rows, recheck.campaign_of, None)
            indexed.append((check, check.kind, check.scope, older))
        for result in added:
            for check, kind, scope, older in indexed:
                keys = self._keys(kind, scope, result, incoming=True)
                hit = older.get(keys[0]) if keys else None
                if hit is not None:
                    self._reject_as_db_duplicate(result, check, hit)
                    result.lead_id = None  # an id reserved for it (PostgreSQL) stays unused
                    demoted += 1
                    break
        return demoted

    def _reject_as_db_duplicate(self, result: RowResult, check: DuplicateCheck, hit) -> None:
        lead_id, list_id, phone = hit
        matched = None
        if check.kind == "PHONE_ALT":
            matched = DuplicateMatch.PHONE if phone == result.phone else DuplicateMatch.ALT
        result.existing_lead_id = lead_id
        result.check = check
        result.reject(
            Outcome.DUPLICATE_DB,
            import_duplicate_text(check, lead_id, list_id, matched),
            check_code(check),
        )

    def _db_keys(self, kind: str, scope: str, row: tuple) -> list[str]:
        phone = row[2]
        if kind == "PHONE":
            return [f"{scope}\x1f{phone}"]
        if kind == "PHONE_ALT":
            return [f"{scope}\x1f{phone}", f"{scope}\x1f{self._text_key(row[3])}"]
        if kind == "TITLE_ALT":
            return [f"{scope}\x1f{self._text_key(row[3])}\x1f{self._text_key(row[4])}"]
        first, last = self._text_key(row[3]), self._text_key(row[4])
        return [f"{scope}\x1f{phone}\x1f{first}\x1f{last}"]

    # --- per-run caches ------------------------------------------------------------------

    def _list(self, list_id: int):
        if list_id not in self._lists:
            self._lists[list_id] = list_get(list_id)
        return self._lists[list_id]

    def _gmt(self, r: RowResult, now: datetime) -> Decimal | None:
        phone, code, values = r.phone, r.phone_code, r.values
        area_key = (code, phone[:3])
        known = self._area_known.get(area_key)
        if known is None:
            known = self._area_known[area_key] = phone_code_row_exists(
                phone_code=code, areacode=phone[:3]
            )
        nanpa, postal, tzcode = self._tz_uses
        key = (
            code,
            # The phone-code table answers by area code, NANPA by area code and exchange;
            # phonenumbers (area codes the table lacks) looks further into the number.
            (phone[:6] if nanpa else phone[:3]) if known else phone[:9],
            r.state,
            values.get("postal_code", "") if postal else "",
            values.get("owner", "") if tzcode else "",
        )
        if key not in self._tz:
            self._tz[key] = lead_gmt_offset(
                phone_code=code,
                phone_number=phone,
                state=r.state,
                postal_code=values.get("postal_code", ""),
                owner=values.get("owner", ""),
                tz_method=self.tz_method,
                now=now,
            ).hours
        return self._tz[key]

    def _custom_values(self, list_id: int, cells: list[str]) -> dict[str, str] | None:
        """The list's custom field values as the API stores them: mapped labels from the
        row, the others their default; None when the list keeps no custom fields."""
        if list_id not in self._custom_plan:
            target = self._list(list_id)
            plan = None
            if (
                target is not None
                and target.keeps_custom_fields
                and system_settings_get().custom_fields_enabled
            ):
                columns = {label: column for column, label in self._custom}
                plan = [
                    (d.field_label, columns.get(d.field_label), d.field_default or "")
                    for d in custom_fields_of_list(list_id)
                    if d.field_type not in d.NON_STORING_TYPES
                    and d.field_label not in STANDARD_LEAD_COLUMNS
                ] or None
            self._custom_plan[list_id] = plan
        plan = self._custom_plan[list_id]
        if plan is None:
            return None
        width = len(cells)
        return {
            label: default
            if column is None
            else custom_value_clean(cells[column] if column < width else "")
            for label, column, default in plan
        }


class InBatch(Lookup):
    """``lhs`` is one of a batch's values: ``= ANY(%s)`` with one array parameter on
    PostgreSQL (thousands of placeholders cost more to build than the query takes to run),
    ``IN (...)`` elsewhere."""

    lookup_name = "in_batch"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            if all(type(v) is str and v and "\x1f" not in v for v in values):
                # One text parameter: psycopg dumps a long list of strings slowly.
                return f"{lhs} = ANY(string_to_array(%s, chr(31)))", [
                    *lhs_params,
                    "\x1f".join(values),
                ]
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def _in(column: str, values) -> InBatch:
    return InBatch(F(column), list(values))


class _Unindexed(Func):
    """A column behind an expression no index serves (``list_id + 0``, ``status || ''``).

    Duplicate checks must find rows by phone (or the other compared values), never by list
    or status: while an import fills a list, the planner's statistics make that list look
    tiny and it would scan the whole list once per batch.
    """

    def __init__(self, column: str, *, numeric: bool = False) -> None:
        super().__init__(F(column))
        self.numeric = numeric

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        if self.numeric:
            return f"({sql} + 0)", params
        if connection.vendor == "mysql":
            return f"CONCAT({sql}, '')", params
        return f"({sql} || '')", params


def prefer_index_lookups() -> None:
    """Make the rest of the current transaction look rows up by index (PostgreSQL).

    A batch asks for thousands of phones at once; without fresh statistics (a table that an
    import is filling) the planner prices those index probes above a full scan of the leads
    table and scans it once per batch: the import would slow down as the table grows.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            fastsql.index_scans_prefer(cursor)


def _ci_in(column: str, values: set[str]) -> Lookup:
    """``column`` equals one of ``values`` the way the API's ``ci`` lookup compares: the
    database folds both sides (plain parameters when folding cannot change them)."""
    if all(v.isascii() and v == v.rstrip(" ").lower() for v in values):
        return InBatch(DedupeKey(column), list(values))
    return In(DedupeKey(column), [DedupeKey(Value(v, output_field=CharField())) for v in values])


def _text_key(text: str) -> str:
    return text.rstrip(" ").lower()


def _mysql_text_key(text: str) -> str:
    # utf8mb4_unicode_ci also ignores accents.
    decomposed = unicodedata.normalize("NFKD", text.rstrip(" "))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _digits(text: str) -> str:
    if text.isascii() and text.isdigit():
        return text
    return _NON_DIGITS.sub("", text)


def _cleaner(name: str, non_latin: bool) -> Callable[[str], str]:
    """The rules' cleaner of one field; phone fields are reduced to digits, as the original
    loader did."""
    if name in PHONE_TEXT_FIELDS:
        return str  # read whole by phone_normalise (ImportPhones), after the row's phone code
    if name in DIGIT_FIELDS:
        return _digits
    return value_cleaner(name, non_latin=non_latin)
