"""An import's result files, and the repair of jobs whose promised files are missing.

What callers may rely on:

* ``result_path`` names a job's result files (``MEDIA_ROOT/imports/results/job-N.csv`` and
  ``.xlsx``). The CSV is written batch by batch with the import (``engine``).
* ``result_xlsx_write`` copies the CSV into the XLSX file through a part file of its own
  (``job-N.xlsx.<random>.part``), renamed into place only once complete, so a reader never
  sees half a workbook and two writers never share a part file. ``engine._import`` writes it
  before the job becomes DONE, so a DONE job that promises an XLSX (``ImportJob.wants_xlsx``)
  has it; a worker killed on the way leaves the job RUNNING, and the run that resumes it
  writes the file.
* ``jobs_missing_files`` finds finished jobs that promise an XLSX and do not have it (jobs
  cancelled meanwhile, files lost from disk); ``stray_parts_remove`` deletes the part files
  that killed writers left behind. ``manage.py resume_imports`` calls both.
"""

import csv
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings

from leads.models import ImportJob
from leads.spreadsheets import XlsxSheets, xlsx_workbook

# How often (in rows) a long XLSX copy tells the database that its writer is alive.
HEARTBEAT_ROWS = 50_000
PART_SUFFIX = ".part"
Status = ImportJob.Status


def results_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "results"


def result_path(job: ImportJob, suffix: str) -> Path:
    path = results_folder() / f"job-{job.pk}.{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def media_name(path: Path) -> str:
    return path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()


def crash_test_stop(stage: str) -> None:
    """Crash tests only (``leads/tests/test_import_crash.py``): when the environment variable
    LEADHUB_CRASH_TEST_STOP names this stage, the process stops itself (SIGSTOP) so that the
    test can kill it there with SIGKILL. Unset in any real deployment: a no-op."""
    if os.environ.get("LEADHUB_CRASH_TEST_STOP") == stage:
        os.kill(os.getpid(), signal.SIGSTOP)


def result_xlsx_write(job: ImportJob, *, heartbeat: Callable[[], None] | None = None) -> str:
    """Copy the job's result CSV into its XLSX file (streamed: constant memory; past the XLSX
    row limit on further sheets; cells as text, numbers for row and lead id) and return the
    file's media name, or "" when the job has no result CSV. ``heartbeat`` is called every
    HEARTBEAT_ROWS rows (it may raise to stop the copy; the part file is then removed)."""
    source = result_path(job, "csv")
    if not source.exists():
        return ""
    target = result_path(job, "xlsx")
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex[:12]}{PART_SUFFIX}")
    workbook = xlsx_workbook(partial)
    try:
        with source.open(encoding="utf-8-sig", newline="") as stream:
            _copy_rows(workbook, csv.reader(stream), heartbeat)
        workbook.close()
        crash_test_stop("xlsx-part-written")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return media_name(target)


def _copy_rows(workbook, reader: Iterator[list[str]], heartbeat) -> None:
    header = [cell[1:] if cell[:1] == "'" else cell for cell in next(reader, [])]
    sheets = XlsxSheets(workbook, header)
    for count, line in enumerate(reader, 1):
        sheet, row_at = sheets.next_row()
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
        if heartbeat is not None and count % HEARTBEAT_ROWS == 0:
            heartbeat()
    sheets.finish()


def jobs_missing_files() -> list[ImportJob]:
    """DONE and CANCELLED jobs that promise an XLSX result and lack it: never written (a
    cancelled job's, or one from before the XLSX was part of DONE) or gone from disk."""
    finished = ImportJob.objects.filter(
        status__in=[Status.DONE, Status.CANCELLED], wants_xlsx=True
    ).exclude(result_csv="")
    missing = list(finished.filter(result_xlsx=""))
    for job in finished.exclude(result_xlsx="").only("pk", "result_xlsx", "updated_at"):
        if not (Path(settings.MEDIA_ROOT) / job.result_xlsx.name).exists():
            missing.append(job)
    return missing


def stray_parts_remove(*, older_than: float) -> list[Path]:
    """Delete part files not written to for ``older_than`` seconds (a live writer writes its
    part file continuously, in its last step); return them."""
    folder = results_folder()
    if not folder.is_dir():
        return []
    removed = []
    cutoff = time.time() - older_than
    for path in folder.glob(f"job-*{PART_SUFFIX}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            pass  # its writer renamed or removed it meanwhile
    return removed
