"""Storing an import's checked batches: one transaction per batch, race-free with the API.

A batch's transaction, on every backend (``_Store._store``):

1. lock the job's row; stop when another run owns the job (``JobLost``) or a cancel is asked
   (``Cancelled``, nothing but the status is written);
2. take the dedupe locks the API's add takes (``locking.lead_lock_keys``) on the keys of the
   rows that may be inserted, in one statement, in sorted order (no deadlock with the API or
   another import); SQLite's IMMEDIATE transaction already runs writers one at a time;
3. check the batch under those locks: SQLite and MariaDB run its checks there; PostgreSQL,
   which checks batch k+1 while its store thread stores batch k, re-runs the batch's database
   duplicate checks there (one statement per check) and turns the rows that became
   duplicates meanwhile into ``duplicate_db``;
4. insert the leads, hopper rows and review rows; write the batch's result lines (fsynced);
   update the job's counts and progress; commit.

So the outcome of imports and API adds racing on a phone is that of some serial order.

The stores per backend: PostgreSQL reserves lead ids with ``nextval`` and COPYs the rows; on a
connection of its own in a thread, so the database stores batch k while the caller checks
batch k+1 (``CopyStore``). SQLite and MariaDB insert with one prepared statement over all
rows (``InsertStore``). Both give the values of ``services.lead_build`` (``LeadRows``).
"""

import json
import re
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import HopperEntry
from leads import fastsql
from leads.locking import dedupe_lock
from leads.models import DuplicateReview, ImportJob, Lead
from leads.outcomes import LeadInput
from leads.rules import (
    LEAD_TEXT_FIELDS,
    RANK_MAX,
    clamp_hopper_priority,
    clamp_int,
    clean_gender,
    clean_value,
    fit_to_column,
    lead_column_width,
    parse_date_of_birth,
)
from leads.selectors import list_get
from leads.services import LeadActor, lead_build
from leads.timezones import UNKNOWN

from .checks import DIGIT_FIELDS, Outcome, Recheck, RowChecker, RowResult, prefer_index_lookups

Status = ImportJob.Status


class JobLost(Exception):
    """Another run claimed the job, or it is no longer RUNNING."""


class Cancelled(Exception):
    """The job was cancelled: the batch that saw it stored nothing but the new status."""


class _Store:
    """Stores checked batches (see the module docstring). ``counts`` are the job's outcome
    counts, rows demoted by the re-check included; read them after ``finish``.

    ``put`` returns the row counts of the batches committed meanwhile; ``finish`` those left.
    Raises JobLost or Cancelled when a batch finds the job taken over or cancelled.
    """

    def __init__(
        self,
        *,
        job: ImportJob,
        run_id: str,
        options: dict,
        result_file,
        checker: RowChecker,
        counts: dict[str, int],
    ) -> None:
        user = job.created_by.get_username() if job.created_by else ""
        self.actor = LeadActor(user=user, door=Lead.Door.UPLOAD)
        self.job = job
        self.run_id = run_id
        self.result_file = result_file
        self.checker = checker
        self.counts = counts
        self.mapped = set(job.mapping.values())
        self.hopper = options["add_to_hopper"] == "Y"
        self.priority = clamp_hopper_priority(options["hopper_priority"])
        self.review = options["review_duplicates"]

    def finish(self) -> list[int]:
        return []

    def close(self) -> None:
        pass

    def _prepare(self, results: list[RowResult], now: datetime):
        """What the transaction needs, computed before it: the rows to insert, their lock
        keys and the re-check's statements."""
        added = [r for r in results if r.outcome is Outcome.ADDED]
        return added, self.checker.lock_keys(added), self.checker.recheck_queries(added, now=now)

    def _store(self, cursor, results, added, keys, rechecks, rows_done, insert) -> bool:
        """One batch's transaction for rows checked before it (see the module docstring);
        True when it found a cancel request. ``insert(cursor, still_added)`` stores the
        leads and sets their ids."""
        if self._claim(cursor):
            return True
        if keys:
            dedupe_lock(keys, cursor=cursor)
        if rechecks:
            self._recheck(cursor, added, rechecks)
        self._write(cursor, results, added, rows_done, insert)
        return False

    def _claim(self, cursor) -> bool:
        """Lock the job's row; True (and the job CANCELLED) when a cancel is asked."""
        status, owner, cancel = fastsql.import_job_lock(cursor, ImportJob, self.job.pk)
        if status != Status.RUNNING or owner != self.run_id:
            raise JobLost
        if cancel:
            fastsql.row_update(
                cursor,
                ImportJob,
                self.job.pk,
                {"status": Status.CANCELLED, "finished_at": timezone.now()},
            )
        return cancel

    def _write(self, cursor, results, added, rows_done, insert) -> None:
        still = [r for r in added if r.outcome is Outcome.ADDED]
        insert(cursor, still)
        if self.hopper and still:
            self._insert_objects(cursor, HopperEntry, self._hopper_entries(still))
        if self.review and (reviews := self._reviews(results)):
            self._insert_objects(cursor, DuplicateReview, reviews)
        for result in results:
            self.counts[result.outcome] += 1
        offset = self.result_file.write(results)
        progress = {
            "rows_done": rows_done,
            "counts": self.counts,
            "last_committed_row": results[-1].number,
            "result_offset": offset,
            "updated_at": timezone.now(),
        }
        fastsql.row_update(cursor, ImportJob, self.job.pk, progress)

    def _recheck(self, cursor, added: list[RowResult], rechecks: list[Recheck]) -> None:
        if connection.vendor == "postgresql":
            # As prefer_index_lookups(): the batch's phones are looked up by index.
            cursor.execute("SET LOCAL enable_seqscan = off")
        found = []
        for recheck in rechecks:
            cursor.execute(recheck.sql, recheck.params)
            found.append((recheck, cursor.fetchall()))
        self.checker.demote(added, found)

    def _insert_objects(self, cursor, model, objects: list) -> None:
        if objects:
            fastsql.rows_insert(cursor, model, *fastsql.instances_as_rows(objects))

    def _hopper_entries(self, added: list[RowResult]) -> list[HopperEntry]:
        # hopper_add_lead's row, for the whole batch in one statement.
        entries = []
        for r in added:
            target = list_get(r.list_id)
            entries.append(
                HopperEntry(
                    lead_id=r.lead_id,
                    campaign_id=(target.campaign_id or "") if target is not None else "",
                    list_id=r.list_id,
                    status="READY",
                    user="",
                    priority=self.priority,
                    gmt_offset_now=r.gmt,
                    state=fit_to_column("state", r.state)[0],
                    source="P",
                    vendor_lead_code=fit_to_column(
                        "vendor_lead_code", r.values.get("vendor_lead_code", "")
                    )[0],
                )
            )
        return entries

    def _reviews(self, results: list[RowResult]) -> list[DuplicateReview]:
        new_ids = {r.number: r.lead_id for r in results if r.outcome is Outcome.ADDED}
        return [
            DuplicateReview(
                source=DuplicateReview.Source.UPLOAD,
                import_job_id=self.job.pk,
                row_number=r.number,
                list_id=r.list_id,
                incoming={
                    **r.values,
                    "list_id": str(r.list_id),
                    "phone_code": r.phone_code,
                    "custom": r.custom or {},
                },
                existing_lead_id=r.existing_lead_id or new_ids.get(r.earlier_row),
                duplicate_check=r.check,
            )
            for r in results
            if r.outcome in (Outcome.DUPLICATE_DB, Outcome.DUPLICATE_FILE)
        ]


class InsertStore(_Store):
    """SQLite and MariaDB: the batch is checked inside its store's transaction, after the
    dedupe locks on the keys of all its rows (SQLite: inside its write lock), so nothing can
    come between the check and the insert and no re-check is needed. The leads are stored
    with one prepared INSERT over the batch's rows, in the caller's thread: SQLite numbers
    them itself (inside its write lock); MariaDB's INSERT returns their ids."""

    def check_and_put(
        self, cleaned: list[RowResult], *, now: datetime, rows_done: int
    ) -> tuple[list[RowResult], list[int]]:
        """Check and store a batch of cleaned rows; (its results, the committed row counts)."""
        rows = LeadRows(mapped=self.mapped, actor=self.actor, now=now, copy=False)

        def insert(cursor, still: list[RowResult]) -> None:
            if not still:
                return
            if connection.vendor == "sqlite":
                ids = fastsql.lead_ids_reserve(cursor, Lead, len(still))
                for result, lead_id in zip(still, ids, strict=True):
                    result.lead_id = lead_id
                fastsql.rows_insert(cursor, Lead, rows.columns, [rows.row(r) for r in still])
            else:
                ids = fastsql.rows_insert_returning_ids(
                    cursor, Lead, rows.columns, [rows.row(r) for r in still]
                )
                for result, lead_id in zip(still, ids, strict=True):
                    result.lead_id = lead_id

        with transaction.atomic(), connection.cursor() as cursor:
            cancelled = self._claim(cursor)
            if not cancelled:
                dedupe_lock(self.checker.lock_keys(cleaned), cursor=cursor)
                results = self.checker.check(cleaned, now=now)
                added = [r for r in results if r.outcome is Outcome.ADDED]
                self._write(cursor, results, added, rows_done, insert)
        if cancelled:
            raise Cancelled
        return results, [len(results)]


class CopyStore(_Store):
    """PostgreSQL: lead ids are reserved first (``nextval``), then the batch is stored with
    COPY. Unless the caller holds a transaction (tests), the storing runs on a connection of
    its own in a thread: the server stores batch k while this thread checks batch k+1, so
    both cores work. Batches are still stored one at a time, in order."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pending: Future | None = None
        self.pending_rows = 0
        if connection.in_atomic_block:
            self.own_connection = None
            self.pool = None
        else:
            self.own_connection = connection.get_new_connection(connection.get_connection_params())
            self.own_connection.autocommit = True
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-store")

    def check_and_put(
        self, cleaned: list[RowResult], *, now: datetime, rows_done: int
    ) -> tuple[list[RowResult], list[int]]:
        """Check a batch of cleaned rows, then hand it to the store's thread; (its results,
        the row counts of the batches committed meanwhile)."""
        with lookup_transaction():
            prefer_index_lookups()
            results = self.checker.check(cleaned, now=now)
        return results, self.put(results, now=now, rows_done=rows_done)

    def put(self, results: list[RowResult], *, now: datetime, rows_done: int) -> list[int]:
        added, keys, rechecks = self._prepare(results, now)
        if added:
            with connection.cursor() as cursor:
                ids = fastsql.lead_ids_reserve(cursor, Lead, len(added))
            for result, lead_id in zip(added, ids, strict=True):
                result.lead_id = lead_id
        rows = LeadRows(mapped=self.mapped, actor=self.actor, now=now, copy=True)
        # Rendered here, while the store's thread is busy; rows the re-check demotes are
        # left out there.
        lines = {r.number: rows.line(r) for r in added}

        def insert(cursor, still: list[RowResult]) -> None:
            fastsql.rows_copy(cursor, Lead, rows.columns, [lines[r.number] for r in still])

        work = (results, added, keys, rechecks, rows_done, insert)
        if self.pool is None:
            with transaction.atomic(), connection.cursor() as cursor:
                cancelled = self._store(cursor, *work)
            if cancelled:
                raise Cancelled
            return [len(results)]
        committed = self.finish()
        self.pending = self.pool.submit(self._store_on_own_connection, *work)
        self.pending_rows = len(results)
        return committed

    def finish(self) -> list[int]:
        if self.pending is None:
            return []
        pending, self.pending = self.pending, None
        if pending.result():
            raise Cancelled
        return [self.pending_rows]

    def close(self) -> None:
        if self.pending is not None:
            # Leaving on an error: let the batch in flight end (committed or rolled back).
            wait([self.pending])
            self.pending = None
        if self.pool is not None:
            self.pool.shutdown()
            self.own_connection.close()

    def _store_on_own_connection(self, *work) -> bool:
        with self.own_connection.transaction(), self.own_connection.cursor() as cursor:
            return self._store(cursor, *work)

    def _insert_objects(self, cursor, model, objects: list) -> None:
        if objects:
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            lines = [
                "\t".join(copy_text(f.pre_save(obj, add=True)) for f in fields) + "\n"
                for obj in objects
            ]
            fastsql.rows_copy(cursor, model, [f.column for f in fields], lines)


def lookup_transaction():
    """The transaction a batch's lookups run in: PostgreSQL's SET LOCAL needs one. Elsewhere
    none is needed, and SQLite's would hold the write lock while the checks read."""
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


class LeadRows:
    """Rows of the leads table with the values ``services.lead_build`` gives (a test compares
    them): COPY text lines (``copy=True``) or parameter rows for an INSERT. Its output for an
    empty lead supplies the constant columns; the mapped fields go through the same rules
    (column widths, gender, date of birth, rank)."""

    def __init__(self, *, mapped: set[str], actor: LeadActor, now: datetime, copy: bool) -> None:
        fields = Lead._meta.concrete_fields
        self.columns = [f.column for f in fields]
        empty, _ = lead_build(
            LeadInput(values={}),
            list_id=0,
            phone_code="",
            state="",
            gmt=UNKNOWN,
            status="NEW",
            actor=actor,
            now=now,
            entry_list_id=0,
            custom_values=None,
        )
        empty.modify_date = now  # auto_now, set by save()
        self.copy = copy
        self.fields = {f.attname: f for f in fields}
        self.template = [self._render(f.attname, getattr(empty, f.attname)) for f in fields]
        self.at = {f.attname: i for i, f in enumerate(fields)}
        self.text = [
            (name, self.at[name], lead_column_width(name), copy and _may_hold_copy_specials(name))
            for name in LEAD_TEXT_FIELDS
            if name in mapped and name not in ("phone_code", "state", "gender")
        ]
        self.extra = [name for name in ("gender", "date_of_birth", "rank") if name in mapped]
        # Few distinct values: each is rendered once.
        self.rendered: dict[tuple[str, object], object] = {}

    def _render(self, name: str, value: object) -> object:
        if self.copy:
            return copy_text(value)
        return self.fields[name].get_db_prep_save(value, connection)

    def line(self, r: RowResult) -> str:
        """The row as a line of COPY's text format (``copy=True``), newline included."""
        return "\t".join(self.row(r)) + "\n"

    def row(self, r: RowResult) -> list:
        out = self.template.copy()
        at, values = self.at, r.values
        for name, index, width, special in self.text:
            text = values[name]
            if len(text) > width:
                text = fit_to_column(name, text)[0]
            if special and _COPY_SPECIAL.search(text):
                text = text.translate(_COPY_ESCAPES)
            out[index] = text
        out[at["phone_code"]] = self._fitted("phone_code", r.phone_code)
        out[at["state"]] = self._fitted("state", r.state)
        gmt = self.rendered.get(("gmt", r.gmt))
        if gmt is None:
            gmt = self.rendered["gmt", r.gmt] = self._render("gmt_offset_now", r.gmt)
        for name in self.extra:
            if name == "gender":
                value = fit_to_column(name, clean_gender(values[name]))[0]
            elif name == "date_of_birth":
                value = parse_date_of_birth(values[name])
            else:
                value = min(clamp_int(values[name], default=0), RANK_MAX)
            out[at[name]] = self._render(name, value)
        copy = self.copy
        out[at["lead_id"]] = str(r.lead_id) if copy else r.lead_id
        out[at["list_id"]] = str(r.list_id) if copy else r.list_id
        out[at["gmt_offset_now"]] = gmt
        if r.custom is not None:
            out[at["entry_list_id"]] = str(r.list_id) if copy else r.list_id
            out[at["custom_values"]] = self._render("custom_values", r.custom)
        return out

    def _fitted(self, name: str, value: str):
        text = self.rendered.get((name, value))
        if text is None:
            text = self.rendered[name, value] = self._render(name, fit_to_column(name, value)[0])
        return text


def _may_hold_copy_specials(name: str) -> bool:
    """Whether a cleaned value of this field can hold a character COPY escapes (free text);
    the filters of the others remove them all."""
    if name in DIGIT_FIELDS:
        return False
    return any(clean_value(name, "\\\t\n\r", non_latin=flag) for flag in (False, True))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def copy_text(value: object) -> str:
    """A value in PostgreSQL COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value).translate(_COPY_ESCAPES)
    return str(value)
