"""The spreadsheet import service: what the upload page and ``manage.py import_leads`` call.

A job goes UPLOADED (file saved and inspected, columns auto-mapped) -> configured (list,
mapping, options) -> CHECKING -> CHECKED (the dry run's tally) -> QUEUED -> RUNNING -> DONE,
or CANCELLED / FAILED. The dry run and the import run as background tasks (``tasks``); with
the immediate task backend (tests) they run inside the call that starts them.

Call these outside a transaction of your own: the task may start as soon as it is queued.
"""

import hashlib
from datetime import timedelta
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db.models import Q
from django.utils import timezone

from leadhub.stored_files import StoredFile
from leads.models import CustomFieldDefinition, ImportJob
from leads.rules import STANDARD_LAYOUT
from leads.selectors import custom_fields_storing, list_get

from . import tasks
from .errors import UnreadableFile
from .job_files import job_rows
from .limits import upload_check_size
from .mapping import auto_map
from .options import ImportOptions, import_options_clean
from .reading import inspect_file

Status = ImportJob.Status
# A RUNNING or CHECKING job whose worker has not reported for this long is started again.
STALE_AFTER = timedelta(seconds=settings.TASK_STALE_SECONDS)
EDITABLE = (Status.UPLOADED, Status.CHECKED)
# Stopped jobs that go on after their last committed batch when started again.
RESUMABLE = (Status.FAILED, Status.CANCELLED)
# Jobs that loaded (or are loading) rows into their list.
LOADING = (Status.QUEUED, Status.RUNNING, Status.DONE)


class ImportConfigError(Exception):
    """A choice the person importing can fix; ``message`` says what, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_job_create(
    *, upload: File, original_name: str, created_by, list_id: int | None = None
) -> ImportJob:
    """Save an uploaded file in the storage (``leadhub.stored_files``: MEDIA_ROOT, or the
    shared S3 bucket, uploaded in parts), inspect it and propose a column mapping.

    The job is UPLOADED, with ``content_hash`` (SHA-256), format, encoding, delimiter, header,
    ``total_rows`` and an auto-mapped ``mapping`` ({column index as text: field}); its list
    is ``list_id`` when that list exists (the mapping page may still change it). Raises
    ``errors.UnreadableFile`` (``message`` for the person) when the file is over the upload
    limit or cannot be read as a lead file (``limits``: workbooks are checked before they are
    unpacked); nothing is kept then.
    """
    upload_check_size(upload.size)
    name = Path(original_name).name or "upload"
    # Hashed in a pass of its own: the S3 storage reads the upload with read(), not chunks().
    sha256, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        sha256.update(chunk)
        size += len(chunk)
    job = ImportJob(original_name=original_name[:255], created_by=created_by)
    if list_id is not None and list_get(list_id) is not None:
        job.list_id = list_id
    job.file.save(name, upload, save=False)
    try:
        info = inspect_file(StoredFile(job.file.name))
    except UnreadableFile:
        job.file.delete(save=False)
        raise
    job.content_hash = sha256.hexdigest()
    job.size_bytes = size
    job.file_format = info.format
    job.encoding = info.encoding or ""
    job.delimiter = info.delimiter or ""
    job.has_header = info.header is not None
    job.header = info.header or []
    job.total_rows = info.row_count
    job.mapping = {str(c): f for c, f in auto_map(info.header, sample=info.sample).items()}
    job.save()
    return job


def import_job_sample(job: ImportJob, *, rows: int = 10) -> list[list[str]]:
    """The first data rows of the job's file (after the header when it has one), for a
    preview of the mapping."""
    _, data = job_rows(job, start_row=0)
    return [cells for _, cells in islice(data, rows)]


def import_job_same_upload(job: ImportJob) -> ImportJob | None:
    """The latest other job that loaded, or is loading, the same file (same content hash)
    into the same list (or, for both, lists from a column); None if there is none."""
    return (
        ImportJob.objects.filter(content_hash=job.content_hash, list_id=job.list_id)
        .exclude(pk=job.pk)
        .filter(Q(status__in=LOADING) | Q(last_committed_row__gt=0))
        .order_by("-created_at")
        .first()
    )


def import_job_configure(
    *,
    job: ImportJob,
    list_id: int | None,
    mapping: dict[int, str],
    options: ImportOptions,
    has_header: bool,
) -> ImportJob:
    """Choose the target list (None: each row's list_id column), the mapping ({column index:
    lead field or custom field label}), the options and
    whether the first row is a header. Any earlier dry run is dropped. Raises
    ImportConfigError when the job has started, phone_number is not mapped, neither a list
    nor a list_id column is chosen, the list does not exist, a field is unknown or mapped
    twice, or an option is wrong."""
    if job.status not in EDITABLE:
        raise ImportConfigError("This import has started: its settings can no longer change.")
    columns: dict[int, str] = {}
    for column, name in mapping.items():
        if not name:
            continue
        if int(column) < 0:
            raise ImportConfigError(f"Column {column} does not exist.")
        if name in columns.values():
            raise ImportConfigError(f"{name} is mapped to two columns.")
        columns[int(column)] = name
    if "phone_number" not in columns.values():
        raise ImportConfigError("Choose the column that holds the phone number.")
    if list_id is None and "list_id" not in columns.values():
        raise ImportConfigError("Choose a list, or the column that holds each row's list id.")
    if list_id is not None and list_get(list_id) is None:
        raise ImportConfigError(f"There is no list {list_id}.")
    custom = [name for name in columns.values() if name not in STANDARD_LAYOUT]
    _check_custom_labels(custom, list_id)
    try:
        cleaned = import_options_clean(options)
    except ValueError as error:
        raise ImportConfigError(str(error)) from None
    if job.total_rows is not None and has_header != job.has_header:
        job.total_rows = max(job.total_rows + (-1 if has_header else 1), 0)
    job.list_id = list_id
    job.mapping = {str(column): name for column, name in sorted(columns.items())}
    job.options = cleaned.to_json()
    job.has_header = has_header
    job.status = Status.UPLOADED
    job.dry_run = {}
    job.error = ""
    job.save()
    return job


def _check_custom_labels(labels: list[str], list_id: int | None) -> None:
    if not labels:
        return
    # Only fields that store a value: a column mapped to a script or display field would be
    # read and never kept.
    if list_id is not None:
        known = {d.field_label for d in custom_fields_storing(list_id)}
    else:
        definitions = CustomFieldDefinition.objects.filter(field_label__in=labels)
        known = {d.field_label for d in definitions if d.stores_value}
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise ImportConfigError(f"Unknown field(s): {', '.join(unknown)}.")


def _require_configured(job: ImportJob) -> None:
    names = set((job.mapping or {}).values())
    if "phone_number" not in names or (job.list_id is None and "list_id" not in names):
        raise ImportConfigError("Choose the list and the phone number column first.")


def import_job_start_dry_run(*, job: ImportJob, background: bool = True) -> ImportJob:
    """Queue the dry run of a configured job (it becomes CHECKING, then CHECKED with
    ``dry_run`` filled in). Returns the job as it is after queueing. ``background=False``
    only marks it CHECKING: the caller then runs ``engine.import_dry_run`` itself."""
    _require_configured(job)
    if not ImportJob.objects.filter(pk=job.pk, status__in=EDITABLE).update(
        status=Status.CHECKING, cancel_requested=False, dry_run={}, rows_done=0, error=""
    ):
        raise ImportConfigError("A dry run needs a job that is not importing.")
    if not background:
        job.refresh_from_db()
        return job
    result = tasks.import_dry_run_task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING).update(task_id=result.id[:64])
    job.refresh_from_db()
    return job


def import_job_start_import(
    *, job: ImportJob, confirm_same_upload: bool = False, background: bool = True
) -> ImportJob:
    """Queue the import of a configured job (UPLOADED or CHECKED: from the first row; FAILED
    or CANCELLED: from its last committed batch, its XLSX result written again at the end).
    Raises ImportConfigError when the same file was already loaded into the same list
    (``import_job_same_upload``) and ``confirm_same_upload`` is False, or when the job cannot
    start. ``background=False`` only marks it QUEUED: the caller then runs
    ``engine.import_run`` itself (the ``import_leads`` command does)."""
    _require_configured(job)
    earlier = import_job_same_upload(job)
    if earlier is not None and not confirm_same_upload:
        raise ImportConfigError(
            f"This file was already loaded into this list (import {earlier.pk}, "
            f"{earlier.get_status_display().lower()}). Confirm to load it again."
        )
    fresh = {
        "rows_done": 0,
        "counts": {},
        "last_committed_row": 0,
        "result_offset": 0,
        "result_csv": "",
        "result_xlsx": "",
        "started_at": None,
        "finished_at": None,
    }
    started = ImportJob.objects.filter(pk=job.pk, status__in=EDITABLE).update(
        status=Status.QUEUED, cancel_requested=False, error="", **fresh
    ) or ImportJob.objects.filter(pk=job.pk, status__in=RESUMABLE).update(
        status=Status.QUEUED, cancel_requested=False, error="", finished_at=None, result_xlsx=""
    )
    if not started:
        raise ImportConfigError("This import has already started.")
    if background:
        _enqueue_import(job)
    job.refresh_from_db()
    return job


def _enqueue_import(job: ImportJob) -> None:
    result = tasks.import_run_task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(task_id=result.id[:64])


def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Stop a job: a queued import is CANCELLED at once; a running import stops after its
    current batch (committed batches stay) and a running dry run goes back to UPLOADED.
    Anything else is left as it is. Returns the refreshed job."""
    now = timezone.now()
    if not ImportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.CANCELLED, cancel_requested=True, finished_at=now
    ):
        ImportJob.objects.filter(pk=job.pk, status__in=[Status.RUNNING, Status.CHECKING]).update(
            cancel_requested=True
        )
    job.refresh_from_db()
    return job


def import_jobs_expire_abandoned(*, older_than: timedelta) -> int:
    """Delete uploads nobody went on with (UPLOADED or CHECKED, unchanged for
    ``older_than``) and their files; returns how many. Such a job wrote no lead and no
    review, so nothing else refers to it."""
    cutoff = timezone.now() - older_than
    abandoned = ImportJob.objects.filter(status__in=EDITABLE, updated_at__lt=cutoff)
    count = 0
    for job in abandoned.only("pk", "file"):
        # Only while still abandoned: a supervisor may have gone on with it meanwhile.
        deleted, _ = ImportJob.objects.filter(
            pk=job.pk, status__in=EDITABLE, updated_at__lt=cutoff
        ).delete()
        if deleted:
            job.file.delete(save=False)
            count += 1
    return count


def import_job_resume_if_stale(*, job: ImportJob) -> bool:
    """Start a RUNNING (or CHECKING) job again when its worker has not reported for
    STALE_AFTER, e.g. because it was killed: the import goes on after its last committed
    batch, a dry run starts over. True if it was started again."""
    cutoff = timezone.now() - STALE_AFTER
    stale = ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.RUNNING, Status.CHECKING], updated_at__lt=cutoff
    )
    status = stale.values_list("status", flat=True).first()
    if status is None or not stale.update(updated_at=timezone.now()):
        return False
    if status == Status.RUNNING:
        _enqueue_import(job)
    else:
        tasks.import_dry_run_task.enqueue(job.pk)
    return True


def import_job_write_missing_files(*, job: ImportJob) -> bool:
    """Queue the writing of the XLSX result file of a finished job that lacks it
    (``results.jobs_missing_files``), unless that was done less than STALE_AFTER ago (a
    writer may still be at it). True if it was queued."""
    now = timezone.now()
    if not ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.DONE, Status.CANCELLED], updated_at__lt=now - STALE_AFTER
    ).update(updated_at=now, result_xlsx=""):
        return False
    tasks.import_run_task.enqueue(job.pk)
    return True


def import_job_progress(job: ImportJob) -> dict:
    """The job's state as JSON-ready values, read fresh from the database: ``status``,
    ``status_label``, ``rows_done``, ``total_rows``, ``percent`` (0-100), ``counts``,
    ``rows_per_second``, ``seconds_left`` (None when unknown), ``dry_run``, ``error``,
    ``cancel_requested``, ``result_csv_url`` and ``result_xlsx_url`` (None until written).
    A job whose worker stopped reporting is started again (``import_job_resume_if_stale``)."""
    job.refresh_from_db()
    if import_job_resume_if_stale(job=job):
        job.refresh_from_db()
    total = job.total_rows
    done = job.rows_done
    if job.status == Status.DONE:
        percent = 100.0
    else:
        percent = round(min(done / total, 1.0) * 100, 1) if total else 0.0
    rate = seconds_left = None
    if job.started_at and job.status in (Status.RUNNING, Status.CHECKING, Status.DONE):
        elapsed = ((job.finished_at or timezone.now()) - job.started_at).total_seconds()
        if elapsed > 0 and done:
            rate = round(done / elapsed, 1)
            if total and job.status != Status.DONE:
                seconds_left = round(max(total - done, 0) / rate, 1)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows_done": done,
        "total_rows": total,
        "percent": percent,
        "counts": job.counts or {},
        "rows_per_second": rate,
        "seconds_left": seconds_left,
        "dry_run": job.dry_run or {},
        "error": job.error,
        "cancel_requested": job.cancel_requested,
        "result_csv_url": job.result_csv.url if job.result_csv else None,
        "result_xlsx_url": job.result_xlsx.url if job.result_xlsx else None,
    }
