"""Running an import job: the dry run, and the import in batches that a new worker resumes.

What callers (``jobs``, ``tasks``, the ``import_leads`` command) may rely on:

* ``import_dry_run`` reads the whole file through ``checks.RowChecker`` and writes nothing but
  the job's progress and its ``dry_run`` tally.
* ``import_run`` commits the file in batches. One batch is one transaction: its leads, hopper
  rows and duplicate-review rows, and the job's counts, ``last_committed_row`` and
  ``result_offset``. The batch's lines of the result CSV are written and fsynced before that
  commit, so a run that starts on a job left RUNNING truncates the CSV to ``result_offset`` and
  goes on after ``last_committed_row``: no row is lost or loaded twice. Whoever claimed the job
  last owns it (``task_id``); an older run still going stops at its next batch.
* The result CSV has one line per data row: row number, outcome, reason, new lead id, phone,
  then the row's own cells (cells that a spreadsheet would run as a formula get a leading ').
  ``import_write_xlsx`` copies it into an XLSX file, streamed, after the import is DONE.

Leads are inserted with PostgreSQL's COPY (ids reserved first with ``nextval``), elsewhere
with ``bulk_create``; both give the values of ``services.lead_build``. On PostgreSQL a thread
with a connection of its own stores batch k while the caller's thread checks batch k+1, so
that the database and Python work at the same time (see ``_CopyStore``).
"""

import csv
import gc
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from datetime import date, datetime
from itertools import islice
from pathlib import Path

import python_calamine
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import HopperEntry
from leads.models import DuplicateReview, ImportJob, Lead
from leads.rules import (
    LEAD_TEXT_FIELDS,
    RANK_MAX,
    clamp_int,
    clean_gender,
    clean_value,
    fit_to_column,
    lead_column_width,
    parse_date_of_birth,
)
from leads.selectors import list_get
from leads.services import LeadActor, lead_build
from leads.services.request import EMPTY_FIELDS, LeadFields
from leads.timezones import UNKNOWN, GmtOffset

from .checks import (
    DIGIT_FIELDS,
    RowChecker,
    RowResult,
    empty_counts,
    prefer_index_lookups,
)
from .options import ImportOptions
from .reading import SheetInfo, UnreadableFile, inspect_file, iter_rows

logger = logging.getLogger(__name__)

BATCH_ROWS = 5000
COPY_CHUNK_ROWS = 1000
EXAMPLES_PER_REASON = 5
RESULT_HEADER = ["row", "outcome", "reason", "lead_id", "phone"]
XLSX_MAX_ROWS = 1_048_576
# First characters that make a spreadsheet run a cell as a formula, and "'" itself, so that
# the quote put in front of such a cell can be taken off again exactly.
_FORMULA_START = frozenset("=+-@\t\r'")
# A cell starting so, in cells joined by line breaks (one search finds the rows to change).
_FORMULA_CELL = re.compile("^[=+\\-@\t\r']", re.MULTILINE)
Status = ImportJob.Status
ProgressHook = Callable[[int], None] | None


class _JobLost(Exception):
    """Another run claimed the job, or it is no longer RUNNING."""


# --- dry run ------------------------------------------------------------------------------


@contextmanager
def _fewer_gc_passes():
    """A run allocates millions of short-lived objects without reference cycles; with the
    collector's default thresholds it rescans every long-lived object over and over, which
    costs about a fifth of an import's CPU (bench/import_bench.py)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@_fewer_gc_passes()
def import_dry_run(
    job: ImportJob, *, batch_rows: int = BATCH_ROWS, on_progress: ProgressHook = None
) -> dict:
    """Check every row of a job in CHECKING and store the tally in ``job.dry_run``:
    ``{"counts": {outcome: n}, "examples": {reason: [{row, phone, outcome, reason}]},
    "rows": n, "seconds": s}``; the job becomes CHECKED. A cancel request puts it back to
    UPLOADED. Returns the tally ({} when the job was not in CHECKING)."""
    started = timezone.now()
    if not ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING).update(
        started_at=started, rows_done=0, updated_at=started, error=""
    ):
        return {}
    job.refresh_from_db()
    counts = empty_counts()
    examples: dict[str, list[dict]] = {}
    done = 0
    try:
        checker = RowChecker(job)
        _, rows = job_rows(job, start_row=0)
        while batch := list(islice(rows, batch_rows)):
            with _lookup_transaction():
                prefer_index_lookups()
                results = checker.check_batch(batch, now=timezone.now())
            for result in results:
                counts[result.outcome] += 1
                shown = examples.setdefault(f"{result.outcome}: {result.code}".rstrip(": "), [])
                if len(shown) < EXAMPLES_PER_REASON:
                    shown.append(
                        {
                            "row": result.number,
                            "phone": result.phone,
                            "outcome": str(result.outcome),
                            "reason": result.reason,
                        }
                    )
            done += len(batch)
            still_wanted = ImportJob.objects.filter(pk=job.pk, cancel_requested=False).update(
                rows_done=done, updated_at=timezone.now()
            )
            if on_progress:
                on_progress(len(batch))
            if not still_wanted:
                ImportJob.objects.filter(pk=job.pk).update(
                    status=Status.UPLOADED, cancel_requested=False, dry_run={}
                )
                return {}
    except UnreadableFile as error:
        _fail(job, error.message, back_to=Status.UPLOADED)
        return {}
    except Exception:
        _fail(job, "The dry run stopped on an unexpected error.", back_to=Status.UPLOADED)
        raise
    tally = {
        "counts": counts,
        "examples": examples,
        "rows": done,
        "seconds": round((timezone.now() - started).total_seconds(), 3),
    }
    ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING).update(
        status=Status.CHECKED, dry_run=tally, rows_done=done, updated_at=timezone.now()
    )
    return tally


# --- import -------------------------------------------------------------------------------


@_fewer_gc_passes()
def import_run(
    job: ImportJob,
    *,
    run_id: str | None = None,
    batch_rows: int = BATCH_ROWS,
    on_progress: ProgressHook = None,
) -> ImportJob:
    """Import a QUEUED job, or resume one left RUNNING by a worker that stopped, and return
    it refreshed: DONE, CANCELLED (a cancel request seen between batches; committed batches
    stay) or FAILED (``error`` says why; committed batches stay). ``on_progress`` is called
    with the row count of each committed batch."""
    run_id = run_id or uuid.uuid4().hex
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.QUEUED, Status.RUNNING]
    ).update(status=Status.RUNNING, task_id=run_id[:64], updated_at=now, error="")
    if claimed:
        ImportJob.objects.filter(pk=job.pk, started_at__isnull=True).update(started_at=now)
    job.refresh_from_db()
    if not claimed:
        return job
    try:
        _import(job, job.task_id, batch_rows, on_progress)
    except _JobLost:
        pass
    except UnreadableFile as error:
        _fail(job, error.message)
    except Exception:
        _fail(job, "The import stopped on an unexpected error; committed rows are kept.")
        raise
    job.refresh_from_db()
    return job


def _import(job: ImportJob, run_id: str, batch_rows: int, on_progress: ProgressHook) -> None:
    checker = RowChecker(job)
    options = ImportOptions.from_json(job.options)
    path = _result_path(job, "csv")
    if job.last_committed_row:
        if not path.exists():
            raise UnreadableFile(
                "The result file of the rows already imported is missing, so the import "
                "cannot go on safely. Start a new import of the rest of the file."
            )
        os.truncate(path, job.result_offset)
        checker.first_lead_id = _restore(checker, path)
    header, rows = job_rows(job, start_row=job.last_committed_row)
    result_file = _ResultCsv(path, job.result_offset, RESULT_HEADER + (header or []))
    ImportJob.objects.filter(pk=job.pk).update(result_csv=_media_name(path))
    counts = {**empty_counts(), **(job.counts or {})}
    rows_done = job.rows_done
    store_class = _CopyStore if connection.vendor == "postgresql" else _OrmStore
    store = store_class(job=job, run_id=run_id, options=options, result_file=result_file)
    try:
        upcoming, unreadable = _read_batch(rows, batch_rows)
        batch = checker.clean(upcoming)
        while batch:
            now = timezone.now()
            with _lookup_transaction():
                prefer_index_lookups()
                results = checker.check(batch, now=now)
            for result in results:
                counts[result.outcome] += 1
            rows_done += len(results)
            committed = store.put(results, now=now, counts=dict(counts), rows_done=rows_done)
            if checker.first_lead_id is None:
                checker.first_lead_id = min(
                    (r.lead_id for r in results if r.lead_id is not None), default=None
                )
            _report(on_progress, committed)
            # Read and cleaned while the store's thread has the batch stored (PostgreSQL).
            upcoming, unreadable = _read_batch(rows, batch_rows)
            batch = checker.clean(upcoming)
        _report(on_progress, store.finish())
    except _Cancelled:
        job.refresh_from_db()
        result_file.truncate(job.result_offset)  # lines of batches that were not stored
        return
    finally:
        store.close()
        result_file.close()
    if unreadable is not None:
        raise unreadable
    ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING, task_id=run_id).update(
        status=Status.DONE, counts=counts, finished_at=timezone.now(), updated_at=timezone.now()
    )


def _report(on_progress: ProgressHook, committed: list[int]) -> None:
    for count in committed:
        if on_progress:
            on_progress(count)


def _read_batch(rows: Iterator, size: int) -> tuple[list, UnreadableFile | None]:
    """The next rows, and the error that stopped the reading (reported once the rows read
    before are committed)."""
    try:
        return list(islice(rows, size)), None
    except UnreadableFile as error:
        return [], error


def _lookup_transaction():
    # PostgreSQL: SET LOCAL needs a transaction. Elsewhere none is needed, and SQLite's would
    # hold the write lock while the checks read.
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


def _restore(checker: RowChecker, path: Path) -> int | None:
    """Re-learn the in-file duplicate keys of the committed rows from the result CSV; return
    the lowest lead id the job inserted."""
    first: int | None = None
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        next(reader, None)
        for line in reader:
            if line[1] != "added":
                continue
            lead_id = int(line[3])
            first = lead_id if first is None else min(first, lead_id)
            cells = [cell[1:] if cell[:1] == "'" else cell for cell in line[5:]]
            checker.remember(checker.prepare(int(line[0]), cells))
    return first


class _Cancelled(Exception):
    """The job was cancelled: the batch that saw it stored nothing but the new status."""


class _Store:
    """Stores checked batches. Each batch is one transaction: lock the job row and check that
    this run still owns it and no cancel is asked; write the batch's result lines (fsynced);
    insert its leads, hopper rows and review rows; update the job's progress; commit.

    ``put`` returns the row counts of the batches committed meanwhile; ``finish`` those left.
    Raises _JobLost or _Cancelled when a batch finds the job taken over or cancelled.
    """

    def __init__(self, *, job: ImportJob, run_id: str, options: ImportOptions, result_file) -> None:
        user = job.created_by.get_username() if job.created_by else ""
        self.actor = LeadActor(user=user, door=Lead.Door.UPLOAD)
        self.job = job
        self.run_id = run_id
        self.result_file = result_file
        self.mapped = set(job.mapping.values())
        self.text_fields = [name for name in LEAD_TEXT_FIELDS if name in self.mapped]
        self.hopper = options.add.hopper is not None
        self.priority = options.add.hopper.priority if options.add.hopper else 0
        self.review = options.review_duplicates

    def finish(self) -> list[int]:
        return []

    def close(self) -> None:
        pass

    def _progress(self, results: list[RowResult], counts: dict, rows_done: int, offset: int):
        return {
            "rows_done": rows_done,
            "counts": counts,
            "last_committed_row": results[-1].number,
            "result_offset": offset,
            "updated_at": timezone.now(),
        }

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
        new_ids = {r.number: r.lead_id for r in results if r.lead_id is not None}
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
            if r.outcome in ("duplicate_db", "duplicate_file")
        ]


class _OrmStore(_Store):
    """SQLite and MariaDB: bulk inserts, a batch at a time, in the caller's thread."""

    def put(self, results: list[RowResult], *, now: datetime, counts: dict, rows_done: int):
        with transaction.atomic():
            status, owner, cancel = (
                ImportJob.objects.select_for_update()
                .filter(pk=self.job.pk)
                .values_list("status", "task_id", "cancel_requested")
                .get()
            )
            if status != Status.RUNNING or owner != self.run_id:
                raise _JobLost
            if cancel:
                ImportJob.objects.filter(pk=self.job.pk).update(
                    status=Status.CANCELLED, finished_at=timezone.now()
                )
                cancelled = True
            else:
                cancelled = False
                added = [r for r in results if r.outcome == "added"]
                leads = [self._lead(r, now) for r in added]
                if leads:
                    Lead.objects.bulk_create(leads)
                for result, lead in zip(added, leads, strict=True):
                    result.lead_id = lead.lead_id
                if self.hopper and added:
                    HopperEntry.objects.bulk_create(self._hopper_entries(added))
                if self.review and (reviews := self._reviews(results)):
                    DuplicateReview.objects.bulk_create(reviews)
                offset = self.result_file.write(results)
                ImportJob.objects.filter(pk=self.job.pk).update(
                    **self._progress(results, counts, rows_done, offset)
                )
        if cancelled:
            raise _Cancelled
        return [len(results)]

    def _lead(self, r: RowResult, now: datetime) -> Lead:
        values = r.values
        lead, _ = lead_build(
            LeadFields(**{name: values[name] for name in self.text_fields}),
            list_id=r.list_id,
            phone_code=r.phone_code,
            state=r.state,
            gmt=GmtOffset(r.gmt),
            status="NEW",
            actor=self.actor,
            now=now,
            date_of_birth=parse_date_of_birth(values.get("date_of_birth", "")),
            rank=clamp_int(values.get("rank", ""), default=0),
            entry_list_id=r.list_id if r.custom is not None else 0,
            custom_values=r.custom,
        )
        return lead


class _CopyStore(_Store):
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

    def put(self, results: list[RowResult], *, now: datetime, counts: dict, rows_done: int):
        added = [r for r in results if r.outcome == "added"]
        if added:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'lead_id')) "
                    "FROM generate_series(1, %s)",
                    [Lead._meta.db_table, len(added)],
                )
                ids = sorted(row[0] for row in cursor.fetchall())
            for result, lead_id in zip(added, ids, strict=True):
                result.lead_id = lead_id
        lines = LeadCopyRows(mapped=self.mapped, actor=self.actor, now=now)
        leads = [lines.line(r) + "\n" for r in added]
        hopper = _copy_lines(self._hopper_entries(added)) if self.hopper and added else None
        reviews = _copy_lines(self._reviews(results)) if self.review else None
        work = (results, leads, hopper, reviews, counts, rows_done)
        if self.pool is None:
            with transaction.atomic(), connection.cursor() as cursor:
                cancelled = self._store(cursor, *work)
            if cancelled:
                raise _Cancelled
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
            raise _Cancelled
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

    def _store(self, cursor, results, leads, hopper, reviews, counts, rows_done) -> bool:
        """One batch's transaction (see _Store); True when it found a cancel request."""
        job_table = quote(ImportJob._meta.db_table)
        cursor.execute(
            f"SELECT status, task_id, cancel_requested FROM {job_table} WHERE id = %s FOR UPDATE",
            [self.job.pk],
        )
        status, owner, cancel = cursor.fetchone()
        if status != Status.RUNNING or owner != self.run_id:
            raise _JobLost
        if cancel:
            cursor.execute(
                f"UPDATE {job_table} SET status = %s, finished_at = %s WHERE id = %s",
                [Status.CANCELLED, timezone.now(), self.job.pk],
            )
            return True
        offset = self.result_file.write(results)
        _copy(cursor, Lead, [f.column for f in Lead._meta.concrete_fields], leads)
        if hopper:
            _copy(cursor, HopperEntry, *hopper)
        if reviews:
            _copy(cursor, DuplicateReview, *reviews)
        progress = self._progress(results, counts, rows_done, offset)
        progress["counts"] = json.dumps(progress["counts"])
        assignments = ", ".join(f"{quote(name)} = %s" for name in progress)
        cursor.execute(
            f"UPDATE {job_table} SET {assignments} WHERE id = %s",
            [*progress.values(), self.job.pk],
        )
        return False


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _copy(cursor, model, columns: list[str], lines: list[str]) -> None:
    if not lines:
        return
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with cursor.copy(statement) as copy:
        # Sent in pieces, so the server stores rows while the rest is sent.
        for start in range(0, len(lines), COPY_CHUNK_ROWS):
            copy.write("".join(lines[start : start + COPY_CHUNK_ROWS]))


def _copy_lines(objects: list) -> tuple[list[str], list[str]] | None:
    """(columns, COPY lines) of unsaved model objects; the primary key is left to the
    database, and fields fill in as save() would (auto_now_add)."""
    if not objects:
        return None
    fields = [f for f in objects[0]._meta.concrete_fields if not f.primary_key]
    lines = [
        "\t".join(copy_text(f.pre_save(obj, add=True)) for f in fields) + "\n" for obj in objects
    ]
    return [f.column for f in fields], lines


class LeadCopyRows:
    """Lines of the leads table in COPY's text format, with the values ``services.lead_build``
    gives (a test compares them): its output for an empty lead supplies the constant columns;
    the mapped fields go through the same rules (column widths, gender, date of birth, rank)."""

    def __init__(self, *, mapped: set[str], actor: LeadActor, now: datetime) -> None:
        fields = Lead._meta.concrete_fields
        self.columns = [f.column for f in fields]
        empty, _ = lead_build(
            EMPTY_FIELDS,
            list_id=0,
            phone_code="",
            state="",
            gmt=UNKNOWN,
            status="NEW",
            actor=actor,
            now=now,
            date_of_birth=None,
            rank=0,
            entry_list_id=0,
            custom_values=None,
        )
        empty.modify_date = now  # auto_now, set by save()
        self.template = [copy_text(getattr(empty, f.attname)) for f in fields]
        self.at = {f.attname: i for i, f in enumerate(fields)}
        self.text = [
            (name, self.at[name], lead_column_width(name), _may_hold_copy_specials(name))
            for name in LEAD_TEXT_FIELDS
            if name in mapped and name not in ("phone_code", "state", "gender")
        ]
        self.extra = [name for name in ("gender", "date_of_birth", "rank") if name in mapped]
        # Few distinct values: each is rendered once.
        self.rendered: dict[tuple[str, object], str] = {}

    def line(self, r: RowResult) -> str:
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
            gmt = self.rendered["gmt", r.gmt] = copy_text(r.gmt)
        for name in self.extra:
            if name == "gender":
                value = fit_to_column(name, clean_gender(values[name]))[0]
            elif name == "date_of_birth":
                value = parse_date_of_birth(values[name])
            else:
                value = min(clamp_int(values[name], default=0), RANK_MAX)
            out[at[name]] = copy_text(value)
        out[at["lead_id"]] = str(r.lead_id)
        out[at["list_id"]] = str(r.list_id)
        out[at["gmt_offset_now"]] = gmt
        if r.custom is not None:
            out[at["entry_list_id"]] = str(r.list_id)
            out[at["custom_values"]] = copy_text(r.custom)
        return "\t".join(out)

    def _fitted(self, name: str, value: str) -> str:
        text = self.rendered.get((name, value))
        if text is None:
            text = self.rendered[name, value] = copy_text(fit_to_column(name, value)[0])
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


# --- files --------------------------------------------------------------------------------


def job_rows(job: ImportJob, *, start_row: int) -> tuple[list[str] | None, Iterator]:
    """(the header row's cells when it is read now, the data rows after ``start_row``)."""
    path = job.file.path
    if job.file_format == "csv":
        info = SheetInfo(
            format="csv",
            encoding=job.encoding,
            delimiter=job.delimiter,
            row_count=job.total_rows,
            header=None,
            sample=[],
        )
    else:
        # The job does not keep the sheet's name: a workbook of several sheets is inspected
        # again to find the one with rows. The header row is skipped below, not by the
        # reader, so that a header the detection missed (has_header set by hand) is too.
        sheet = _single_sheet(path) or inspect_file(path, sample_rows=0).sheet
        info = SheetInfo(
            format=job.file_format,
            encoding=None,
            delimiter=None,
            row_count=job.total_rows,
            header=None,
            sample=[],
            sheet=sheet,
        )
    rows = iter_rows(path, info, start_row=start_row)
    header = (list(job.header or []) or None) if job.has_header else None
    if job.has_header and start_row == 0:
        first = next(rows, None)
        header = header or (first[1] if first else None)
    return header, rows


def _single_sheet(path: str) -> str | None:
    """The name of the workbook's only sheet; None when it has several (or cannot say)."""
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            names = workbook.sheet_names
    except Exception:  # the reader reports damaged files with a proper message
        return None
    return names[0] if len(names) == 1 else None


def _result_path(job: ImportJob, suffix: str) -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports" / "results" / f"job-{job.pk}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _media_name(path: Path) -> str:
    return path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()


def _safe(cell: str) -> str:
    return "'" + cell if cell and cell[0] in _FORMULA_START else cell


def _safe_cells(cells: list[str]) -> list[str]:
    return [("'" + c) if c[:1] in _FORMULA_START else c for c in cells]


class _ResultCsv:
    """The result CSV, appended a batch at a time and made durable before the commit."""

    def __init__(self, path: Path, offset: int, header: list[str]) -> None:
        self.stream = path.open("a" if offset else "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.stream)
        if not offset:
            self.stream.write("\ufeff")  # Excel reads UTF-8 only with a BOM
            self.writer.writerow([_safe(cell) for cell in header])

    def write(self, results: list[RowResult]) -> int:
        self.writer.writerows(
            [
                r.number,
                r.outcome,  # a StrEnum: written as its text
                r.reason,
                "" if r.lead_id is None else r.lead_id,
                r.phone,
                *(_safe_cells(r.cells) if _FORMULA_CELL.search("\n".join(r.cells)) else r.cells),
            ]
            for r in results
        )
        self.stream.flush()
        os.fsync(self.stream.fileno())
        return os.fstat(self.stream.fileno()).st_size

    def truncate(self, offset: int) -> None:
        self.stream.flush()
        self.stream.truncate(offset)

    def close(self) -> None:
        self.stream.close()


@_fewer_gc_passes()
def import_write_xlsx(job: ImportJob) -> None:
    """Copy the job's result CSV into ``result_xlsx`` (streamed: constant memory); a file
    past the XLSX row limit continues on further sheets. Cells are written as text."""
    import xlsxwriter

    source = _result_path(job, "csv")
    if not source.exists():
        return
    target = _result_path(job, "xlsx")
    partial = target.with_suffix(".xlsx.part")
    workbook = xlsxwriter.Workbook(
        str(partial),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    with source.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        header = [cell[1:] if cell[:1] == "'" else cell for cell in next(reader, [])]
        sheet, row_at = None, XLSX_MAX_ROWS
        for line in reader:
            if row_at >= XLSX_MAX_ROWS:
                sheet = workbook.add_worksheet()
                sheet.write_row(0, 0, header, bold)
                row_at = 1
                write, write_number = sheet.write_string, sheet.write_number
            write_number(row_at, 0, int(line[0]))
            write(row_at, 1, line[1])
            write(row_at, 2, line[2])
            if line[3]:
                write_number(row_at, 3, int(line[3]))
            write(row_at, 4, line[4])
            for column, cell in enumerate(line[5:], 5):
                if cell:
                    write(row_at, column, cell[1:] if cell[0] == "'" else cell)
            row_at += 1
        if sheet is None:
            workbook.add_worksheet().write_row(0, 0, header, bold)
    workbook.close()
    os.replace(partial, target)
    ImportJob.objects.filter(pk=job.pk).update(result_xlsx=_media_name(target))


def _fail(job: ImportJob, message: str, *, back_to: str = Status.FAILED) -> None:
    logger.warning("import job %s: %s", job.pk, message, exc_info=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=back_to, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
