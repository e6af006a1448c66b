"""Running an import job: the dry run, and the import in batches that a new worker resumes.

What callers (``jobs``, ``tasks``, the ``import_leads`` command) may rely on:

* ``import_dry_run`` reads the whole file through the pipeline's batch service
  (``leads.pipeline.batch.LeadBatch``) and writes nothing but
  the job's progress and its ``dry_run`` tally.
* ``import_run`` commits the file in batches. One batch is one transaction: its leads, hopper
  rows and duplicate-review rows, and the job's counts, ``last_committed_row`` and
  ``result_offset``. The batch's lines of the result CSV are made durable before that commit
  (fsynced on disk, a part object on shared storage: ``results``), so a run that starts on a
  job left RUNNING cuts the CSV back to ``result_offset`` and
  goes on after ``last_committed_row``: no row is lost or loaded twice. Whoever claimed the job
  last owns it (``task_id``); an older run still going stops at its next batch.
* The result CSV has one line per data row: row number, outcome, reason, new lead id, phone,
  then the row's own cells (cells that a spreadsheet would run as a formula get a leading ').
  A job that promises an XLSX copy (``wants_xlsx``) gets it before it becomes DONE
  (``results``); ``import_write_xlsx`` writes it again for a finished job that lacks it.

A batch is checked here and stored by ``stores``: under the API's dedupe locks, after the
duplicate checks ran again there, so imports and API adds racing on a phone store it once.
On PostgreSQL a thread with a connection of its own stores batch k while the caller's thread
checks batch k+1, so that the database and Python work at the same time.
"""

import csv
import gc
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from itertools import chain, islice

from django.db import connection, transaction
from django.utils import timezone

from leads.cells import FORMULA_START
from leads.models import ImportJob
from leads.pipeline.batch import LeadBatch, RowResult, empty_counts
from leads.services.hooks import import_finished, import_hooks_wanted
from leads.wording import import_row_reason

from .encodings import EncodingRepairs
from .errors import UnreadableFile
from .job_files import job_rows
from .options import ImportOptions
from .results import (
    crash_test_stop,
    result_csv_exists,
    result_csv_open,
    result_csv_parts_drop,
    result_csv_publish,
    result_name,
    result_xlsx_write,
)
from .rows import RowCleaner, job_batch
from .stores import Cancelled, CopyStore, InsertStore, JobLost, lookup_transaction

logger = logging.getLogger(__name__)

BATCH_ROWS = 5000
EXAMPLES_PER_REASON = 5
RESULT_HEADER = ["row", "outcome", "reason", "lead_id", "phone"]
# First characters that make a spreadsheet run a cell as a formula (``leads.cells``), and
# "'" itself, so that the quote put in front of such a cell can be taken off again exactly.
_FORMULA_START = FORMULA_START | {"'"}
# A cell starting so, in cells joined by line breaks (one search finds the rows to change).
_FORMULA_CELL = re.compile("^[" + re.escape("".join(sorted(_FORMULA_START))) + "]", re.MULTILINE)
Status = ImportJob.Status
ProgressHook = Callable[[int], None] | None


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
    "encoding_repaired": {"rows": n, "examples": [row numbers]}, "rows": n, "seconds": s}``
    (``encoding_repaired``: rows of a mixed UTF-8/Windows-1252 file read as Windows-1252,
    see ``encodings``; ``phones_normalised``: ``phone_text.ImportPhones.summary``); the job
    becomes CHECKED. A cancel request puts it back to
    UPLOADED. Returns the tally ({} when the job was not in CHECKING)."""
    started = timezone.now()
    if not ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING).update(
        started_at=started, rows_done=0, updated_at=started, error=""
    ):
        return {}
    job.refresh_from_db()
    counts = empty_counts()
    examples: dict[str, list[dict]] = {}
    repairs = EncodingRepairs(keep=EXAMPLES_PER_REASON)
    done = 0
    try:
        cleaner, checker = RowCleaner(job), job_batch(job)
        _, rows = job_rows(job, start_row=0, repairs=repairs)
        while batch := list(islice(rows, batch_rows)):
            cleaned = cleaner.clean(batch)
            with lookup_transaction():
                results = checker.check(cleaned, now=timezone.now())
            for result in results:
                counts[result.outcome] += 1
                reason, code = import_row_reason(result)
                shown = examples.setdefault(f"{result.outcome}: {code}".rstrip(": "), [])
                if len(shown) < EXAMPLES_PER_REASON:
                    shown.append(
                        {
                            "row": result.number,
                            "phone": result.phone,
                            "outcome": str(result.outcome),
                            "reason": reason,
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
        "encoding_repaired": {"rows": repairs.rows, "examples": repairs.examples},
        "phones_normalised": cleaner.phones.summary(),
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
    except JobLost:
        pass
    except UnreadableFile as error:
        _fail(job, error.message)
    except Exception:
        _fail(job, "The import stopped on an unexpected error; committed rows are kept.")
        raise
    job.refresh_from_db()
    return job


def _import(job: ImportJob, run_id: str, batch_rows: int, on_progress: ProgressHook) -> None:
    cleaner, checker = RowCleaner(job), job_batch(job)
    options = ImportOptions.from_json(job.options)
    if job.last_committed_row and not result_csv_exists(job):
        raise UnreadableFile(
            "The result file of the rows already imported is missing, so the import "
            "cannot go on safely. Start a new import of the rest of the file."
        )
    header, rows = job_rows(job, start_row=job.last_committed_row)
    target = result_csv_open(job)
    if job.last_committed_row:
        checker.first_lead_id = _restore(cleaner, checker, target.committed_lines())
    result_file = _ResultCsv(target, job.result_offset, RESULT_HEADER + (header or []))
    ImportJob.objects.filter(pk=job.pk).update(result_csv=result_name(job, "csv"))
    rows_done = job.rows_done
    store_class = CopyStore if connection.vendor == "postgresql" else InsertStore
    store = store_class(
        job=job,
        run_id=run_id,
        options=options,
        result_file=result_file,
        checker=checker,
        counts={**empty_counts(), **(job.counts or {})},
    )
    publish = True
    try:
        upcoming, unreadable = _read_batch(rows, batch_rows)
        batch = cleaner.clean(upcoming)
        while batch:
            rows_done += len(batch)
            results, committed = store.check_and_put(batch, now=timezone.now(), rows_done=rows_done)
            if checker.first_lead_id is None:
                checker.first_lead_id = min(
                    (r.lead_id for r in results if r.lead_id is not None), default=None
                )
            _report(on_progress, committed)
            crash_test_stop("batch-committed")
            # Read and cleaned while the store's thread has the batch stored (PostgreSQL).
            upcoming, unreadable = _read_batch(rows, batch_rows)
            batch = cleaner.clean(upcoming)
        _report(on_progress, store.finish())
    except Cancelled:
        job.refresh_from_db()
        result_file.truncate(job.result_offset)  # lines of batches that were not stored
        return
    except JobLost:
        publish = False  # the run that took the job over writes the file
        raise
    finally:
        store.close()
        result_file.close()
        if publish:
            result_csv_publish(job)
    if unreadable is not None:
        raise unreadable
    crash_test_stop("rows-done")
    # The promised files exist before the job is DONE: killed before that, the job stays
    # RUNNING and the run that resumes it finds no rows left and writes them.
    files = {}
    if job.wants_xlsx:
        files["result_xlsx"] = result_xlsx_write(job, heartbeat=lambda: _still_owned(job, run_id))
    # Webhooks (issue 12): import.finished is logged in the transaction that ends the job.
    with transaction.atomic() if import_hooks_wanted() else nullcontext():
        done = ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING, task_id=run_id).update(
            status=Status.DONE,
            counts=store.counts,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            **files,
        )
        if done:
            import_finished(
                job_id=job.pk, list_id=job.list_id, status=Status.DONE, counts=store.counts
            )
    if done:
        result_csv_parts_drop(job)


def _still_owned(job: ImportJob, run_id: str) -> None:
    """Tell the job's watchers that this run is alive; stop it if another run took over."""
    if not ImportJob.objects.filter(pk=job.pk, status=Status.RUNNING, task_id=run_id).update(
        updated_at=timezone.now()
    ):
        raise JobLost


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


def _restore(cleaner: RowCleaner, checker: LeadBatch, lines: Iterator[str]) -> int | None:
    """Re-learn the in-file duplicate keys of the committed rows from the result CSV's
    ``lines``; return the lowest lead id the job inserted."""
    first: int | None = None
    added: list[tuple[int, list[str]]] = []
    reader = csv.reader(lines)
    next(reader, None)
    for line in reader:
        if line[1] != "added":
            continue
        lead_id = int(line[3])
        first = lead_id if first is None else min(first, lead_id)
        cells = [cell[1:] if cell[:1] == "'" else cell for cell in line[5:]]
        added.append((int(line[0]), cells))
        if len(added) == BATCH_ROWS:  # cleaned a batch at a time, as the import does
            _remember(cleaner, checker, added)
            added = []
    _remember(cleaner, checker, added)
    return first


def _remember(cleaner: RowCleaner, checker: LeadBatch, rows: list[tuple[int, list[str]]]) -> None:
    for result in cleaner.clean(rows):
        checker.remember(checker.prepare(result))


# --- the result file --------------------------------------------------------------------


def _safe(cell: str) -> str:
    return "'" + cell if cell and cell[0] in _FORMULA_START else cell


def _safe_cells(cells: list[str]) -> list[str]:
    return [("'" + c) if c[:1] in _FORMULA_START else c for c in cells]


class _ResultCsv:
    """The result CSV, appended a batch at a time and made durable before the commit."""

    def __init__(self, target, offset: int, header: list[str]) -> None:
        self.target = target  # results.result_csv_open: a local file or parts on S3
        self.stream = target.stream
        self.writer = csv.writer(self.stream)
        if not offset:
            self.stream.write("\ufeff")  # Excel reads UTF-8 only with a BOM
            self.writer.writerow([_safe(cell) for cell in header])

    def write(self, results: list[RowResult]) -> int:
        # One search over the whole batch's cells: most batches hold no formula-like cell.
        guard = _FORMULA_CELL.search("\n".join(chain.from_iterable(r.cells for r in results)))
        self.writer.writerows(
            [
                r.number,
                r.outcome,  # a StrEnum: written as its text
                import_row_reason(r)[0],
                "" if r.lead_id is None else r.lead_id,
                r.phone,
                *(
                    _safe_cells(r.cells)
                    if guard and _FORMULA_CELL.search("\n".join(r.cells))
                    else r.cells
                ),
            ]
            for r in results
        )
        return self.target.durable()

    def truncate(self, offset: int) -> None:
        self.target.truncate(offset)

    def close(self) -> None:
        self.target.close()


@_fewer_gc_passes()
def import_write_xlsx(job: ImportJob) -> None:
    """Write the job's XLSX result file again from its result CSV and record it
    (``results.result_xlsx_write``): what ``resume_imports`` does for a finished job whose
    XLSX is missing."""
    name = result_xlsx_write(job)
    if name:
        ImportJob.objects.filter(pk=job.pk).update(result_xlsx=name)


def _fail(job: ImportJob, message: str, *, back_to: str = Status.FAILED) -> None:
    logger.warning("import job %s: %s", job.pk, message, exc_info=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=back_to, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
