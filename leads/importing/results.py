"""An import's result files, and the repair of jobs whose promised files are missing.

What callers may rely on:

* ``result_name`` names a job's result files in the storage (``imports/results/job-N.csv``
  and ``.xlsx``; ``leadhub.stored_files``: the local disk, or a shared S3 bucket).
* The CSV is written batch by batch with the import (``engine``) through ``result_csv_open``,
  each batch made durable before its commit. On the local disk it is one file, appended to
  and fsynced, cut back to the job's ``result_offset`` when a run starts. On shared storage,
  where an object cannot be appended to, each batch is a part object
  (``job-N.csv.parts/<offset>.csv``, named by where it starts in the CSV), the parts from
  ``result_offset`` on are deleted when a run starts, and ``result_csv_publish`` joins the
  committed parts into ``job-N.csv`` when a run stops; the parts go once the job is DONE.
* ``result_xlsx_write`` copies the CSV into the XLSX file through ``stored_output``: on disk a
  part file of its own (``job-N.xlsx.<random>.part``) renamed into place only once complete,
  on shared storage an upload, so a reader never sees half a workbook and two writers never
  share a part file. ``engine._import`` writes it
  before the job becomes DONE, so a DONE job that promises an XLSX (``ImportJob.wants_xlsx``)
  has it; a worker killed on the way leaves the job RUNNING, and the run that resumes it
  writes the file.
* ``jobs_missing_files`` finds finished jobs that promise an XLSX and do not have it (jobs
  cancelled meanwhile, files lost from the storage); ``stray_parts_remove`` deletes the part
  files that killed writers left behind on the local disk. ``manage.py resume_imports`` calls both.
"""

import csv
import io
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from leadhub.stored_files import (
    CHUNK_BYTES,
    PART_SUFFIX,
    stored_local_path,
    stored_open,
    stored_output,
)
from leads.models import ImportJob
from leads.spreadsheets import XlsxSheets, xlsx_workbook

# How often (in rows) a long XLSX copy tells the database that its writer is alive.
HEARTBEAT_ROWS = 50_000
RESULTS_FOLDER = "imports/results"
Status = ImportJob.Status


def result_name(job: ImportJob, suffix: str) -> str:
    """The storage name of the job's result file of kind ``suffix`` ("csv" or "xlsx")."""
    return f"{RESULTS_FOLDER}/job-{job.pk}.{suffix}"


def result_path(job: ImportJob, suffix: str) -> Path:
    """The result file on the local disk (local storage only), its folder made."""
    path = stored_local_path(result_name(job, suffix))
    if path is None:
        raise ValueError("the storage is not on the local disk")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class _LocalCsv:
    """The result CSV as one local file, appended to (``durable``: flushed and fsynced)."""

    def __init__(self, job: ImportJob) -> None:
        self.path = result_path(job, "csv")
        offset = job.result_offset
        if offset:
            os.truncate(self.path, offset)
        self.stream = self.path.open("a" if offset else "w", encoding="utf-8", newline="")

    def committed_lines(self) -> Iterator[str]:
        with self.path.open(encoding="utf-8-sig", newline="") as stream:
            yield from stream

    def durable(self) -> int:
        self.stream.flush()
        os.fsync(self.stream.fileno())
        return os.fstat(self.stream.fileno()).st_size

    def truncate(self, offset: int) -> None:
        self.stream.flush()
        self.stream.truncate(offset)

    def close(self) -> None:
        self.stream.close()


class _PartsCsv:
    """The result CSV as part objects on shared storage, one per durable batch (see above);
    ``stream`` holds the lines of the batch being written."""

    def __init__(self, job: ImportJob) -> None:
        self.folder = _parts_folder(job)
        self.offset = job.result_offset
        self.stream = io.StringIO()
        self.truncate(self.offset)

    def committed_lines(self) -> Iterator[str]:
        for start, name in _parts(self.folder):
            if start < self.offset:
                with stored_open(name, "r", encoding="utf-8-sig", newline="") as stream:
                    yield from stream

    def durable(self) -> int:
        data = self.stream.getvalue().encode("utf-8")
        if data:
            default_storage.save(f"{self.folder}/{self.offset:015d}.csv", ContentFile(data))
            self.offset += len(data)
            self.stream.seek(0)
            self.stream.truncate()
        return self.offset

    def truncate(self, offset: int) -> None:
        self.stream.seek(0)
        self.stream.truncate()
        for start, name in _parts(self.folder):
            if start >= offset:
                default_storage.delete(name)
        self.offset = offset

    def close(self) -> None:
        self.stream.close()


def _parts_folder(job: ImportJob) -> str:
    return f"{result_name(job, 'csv')}.parts"


def _parts(folder: str) -> list[tuple[int, str]]:
    """(start offset, storage name) of each part object, in order."""
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted((int(name[:-4]), f"{folder}/{name}") for name in files if name.endswith(".csv"))


def _on_local_disk() -> bool:
    """Whether result files are on the local disk (else on shared storage, as parts)."""
    return stored_local_path(RESULTS_FOLDER) is not None


def result_csv_open(job: ImportJob) -> _LocalCsv | _PartsCsv:
    """The job's result CSV, cut back to its first ``job.result_offset`` bytes (lines written
    by a run that stopped before committing them go), open to append the next batches:
    ``stream`` takes the lines, ``durable()`` makes them durable and returns the CSV's size,
    ``truncate(offset)`` drops what follows ``offset``, ``committed_lines()`` reads it again."""
    return _LocalCsv(job) if _on_local_disk() else _PartsCsv(job)


def result_csv_exists(job: ImportJob) -> bool:
    """Whether the result CSV of a job that committed rows is still there to go on with."""
    if not _on_local_disk():
        return bool(_parts(_parts_folder(job)))
    return result_path(job, "csv").exists()


def result_csv_publish(job: ImportJob) -> None:
    """On shared storage: join the committed parts (those before the job's ``result_offset``
    as committed) into ``job-N.csv``, streamed. On the local disk the CSV is that file."""
    if _on_local_disk():
        return
    committed = ImportJob.objects.values_list("result_offset", flat=True).get(pk=job.pk)
    with stored_output(result_name(job, "csv")) as path, path.open("wb") as target:
        for start, name in _parts(_parts_folder(job)):
            if start < committed:
                with stored_open(name) as source:
                    shutil.copyfileobj(source, target, CHUNK_BYTES)


def result_csv_parts_drop(job: ImportJob) -> None:
    """Delete the part objects of a DONE job (nothing on the local disk)."""
    if not _on_local_disk():
        for _, name in _parts(_parts_folder(job)):
            default_storage.delete(name)


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
    source, target = result_name(job, "csv"), result_name(job, "xlsx")
    if not default_storage.exists(source):
        return ""
    with stored_output(target) as partial:
        workbook = xlsx_workbook(partial)
        with stored_open(source, "r", encoding="utf-8-sig", newline="") as stream:
            _copy_rows(workbook, csv.reader(stream), heartbeat)
        workbook.close()
        crash_test_stop("xlsx-part-written")
    return target


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
        if not default_storage.exists(job.result_xlsx.name):
            missing.append(job)
    return missing


def stray_parts_remove(*, older_than: float) -> list[Path]:
    """Delete part files not written to for ``older_than`` seconds (a live writer writes its
    part file continuously, in its last step); return them. Local disk only: on shared
    storage a writer's part file is a temporary file on its own machine."""
    folder = stored_local_path(RESULTS_FOLDER)
    if folder is None or not folder.is_dir():
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
