"""Checking and storing an import's batches: one transaction per batch, race-free with the API.

A batch's transaction, on every backend (``InsertStore.check_and_put``, ``CopyStore._store``):

1. lock the job's row; stop when another run owns the job (``JobLost``) or a cancel is asked
   (``Cancelled``, nothing but the status is written);
2. lock the keys the API's add locks (``locks.lead_lock_keys``) of the rows that may be
   inserted, in one statement, in sorted order (no deadlock with the API or another import;
   ``locks.dedupe_lock_batch``); SQLite's IMMEDIATE transaction already runs writers one
   at a time;
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

from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import HopperEntry
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock_batch
from leads.models import DuplicateReview, ImportJob, Lead
from leads.rules import (
    fit_to_column,
)
from leads.selectors import list_get
from leads.services import LeadActor
from webhooks.models import Delivery

from .checks import Outcome, Recheck, RowChecker, RowResult, prefer_index_lookups
from .hooks import batch_deliveries
from .lead_rows import LeadRows, copy_text
from .options import ImportOptions

Status = ImportJob.Status


class JobLost(Exception):
    """Another run claimed the job, or it is no longer RUNNING."""


class Cancelled(Exception):
    """The job was cancelled: the batch that saw it stored nothing but the new status."""


class _Store:
    """Stores checked batches (see the module docstring). ``counts`` are the job's outcome
    counts, rows demoted by the re-check included; read them after ``finish``.

    ``check_and_put`` checks a batch of cleaned rows and stores it; it returns the results
    and the row counts of the batches committed meanwhile; ``finish`` those left. Raises
    JobLost or Cancelled when a batch finds the job taken over or cancelled.
    """

    def __init__(
        self,
        *,
        job: ImportJob,
        run_id: str,
        options: ImportOptions,
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
        self.hopper = options.add.hopper is not None
        self.priority = options.add.hopper.priority if options.add.hopper else 0
        self.review = options.review_duplicates

    def finish(self) -> list[int]:
        return []

    def close(self) -> None:
        pass

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
        # Webhooks (issue 12): one outbox row for the added leads' hooks, in this batch's
        # transaction (the worker makes their deliveries; nothing when no hook listens).
        self._insert_objects(cursor, Delivery, batch_deliveries(still, actor=self.actor))
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
                duplicate_check=r.check.value,
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
                dedupe_lock_batch(self.checker.lock_keys(cleaned), cursor=cursor)
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
            dedupe_lock_batch(keys, cursor=cursor)
        if rechecks:
            self._recheck(cursor, added, rechecks)
        self._write(cursor, results, added, rows_done, insert)
        return False

    def _recheck(self, cursor, added: list[RowResult], rechecks: list[Recheck]) -> None:
        fastsql.index_scans_prefer(cursor)  # as prefer_index_lookups()
        found = []
        for recheck in rechecks:
            cursor.execute(recheck.sql, recheck.params)
            found.append((recheck, cursor.fetchall()))
        self.checker.demote(added, found)

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
