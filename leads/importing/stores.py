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

The rules (the checks, the hopper rows) are the pipeline's batch service's
(``leads.pipeline.batch.LeadBatch``); this module only locks, stores and counts.
"""

from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import HopperEntry
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock_batch
from leads.models import DuplicateReview, ImportJob, Lead
from leads.pipeline.batch import LeadBatch, Outcome, RowResult
from leads.pipeline.duplicates_batch import Recheck
from leads.pipeline.storage import LeadRows, copy_text, lead_rows_insert
from leads.services import LeadActor
from leads.services.review import duplicate_review_new
from webhooks.models import Delivery

from .hooks import batch_deliveries
from .options import ImportOptions
from .repeats import exact_repeats_drop

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
        checker: LeadBatch,
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

    def _write(self, cursor, results, added, rows_done, insert, hopper) -> None:
        """Store a checked batch. ``hopper``: the time of the check (the hopper rows are
        made here), or the rows made before for ``added`` (kept for the rows still added)."""
        still = [r for r in added if r.outcome is Outcome.ADDED]
        insert(cursor, still)
        # The one spot where a batch's new leads are stored: what follows a lead's insert
        # (its hopper row) comes here, as after the insert in services.add.lead_add.
        if isinstance(hopper, datetime):
            entries = self.checker.hopper_entries(still, now=hopper)
        else:
            kept = {r.lead_id for r in still}
            entries = [entry for entry in hopper if entry.lead_id in kept]
        self._insert_objects(cursor, HopperEntry, entries)
        # Webhooks (issue 12): one outbox row for the added leads' hooks, in this batch's
        # transaction (the worker makes their deliveries; nothing when no hook listens).
        self._insert_objects(cursor, Delivery, batch_deliveries(still, actor=self.actor))
        if self.review and (reviews := self._reviews(cursor, results)):
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

    def _reviews(self, cursor, results: list[RowResult]) -> list[DuplicateReview]:
        new_ids = {r.number: r.lead_id for r in results if r.outcome is Outcome.ADDED}
        duplicates = [
            r for r in results if r.outcome in (Outcome.DUPLICATE_DB, Outcome.DUPLICATE_FILE)
        ]
        existing = {r.number: r.existing_lead_id or new_ids.get(r.earlier_row) for r in duplicates}
        return [
            duplicate_review_new(
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
                existing_lead_id=existing[r.number],
                duplicate_check=r.check,
            )
            for r in exact_repeats_drop(cursor, duplicates, existing, self.mapped)
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
            lead_rows_insert(cursor, rows, still)

        with transaction.atomic(), connection.cursor() as cursor:
            cancelled = self._claim(cursor)
            if not cancelled:
                dedupe_lock_batch(self.checker.lock_keys(cleaned), cursor=cursor)
                results = self.checker.check(cleaned, now=now)
                added = [r for r in results if r.outcome is Outcome.ADDED]
                self._write(cursor, results, added, rows_done, insert, now)
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
        # Made here: the lookups of the hopper rule run on this thread's connection.
        hopper = self.checker.hopper_entries(added, now=now)

        def insert(cursor, still: list[RowResult]) -> None:
            fastsql.rows_copy(cursor, Lead, rows.columns, [lines[r.number] for r in still])

        work = (results, added, keys, rechecks, rows_done, insert, hopper)
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

    def _store(self, cursor, results, added, keys, rechecks, rows_done, insert, hopper) -> bool:
        """One batch's transaction for rows checked before it (see the module docstring);
        True when it found a cancel request. ``insert(cursor, still_added)`` stores the
        leads and sets their ids."""
        if self._claim(cursor):
            return True
        if keys:
            dedupe_lock_batch(keys, cursor=cursor)
        if rechecks:
            self._recheck(cursor, added, rechecks)
        self._write(cursor, results, added, rows_done, insert, hopper)
        return False

    def _recheck(self, cursor, added: list[RowResult], rechecks: list[Recheck]) -> None:
        fastsql.index_scans_prefer(cursor)  # as lookup_transaction()
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


@contextmanager
def lookup_transaction():
    """The transaction a batch's lookups run in, looking rows up by index.

    A batch asks for thousands of phones at once; without fresh statistics (a table that an
    import is filling) PostgreSQL's planner prices those index probes above a full scan of
    the leads table and scans it once per batch, so the import would slow down as the table
    grows: a SET LOCAL, which needs a transaction, makes it probe. Elsewhere no transaction
    is needed, and SQLite's would hold the write lock while the checks read.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            fastsql.index_scans_prefer(cursor)
        yield
