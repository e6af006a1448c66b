"""The life of a lead export: created from the lead list, run by a background task, then
downloaded by the user who asked for it.

What callers may rely on:

* ``export_job_create`` checks the user may view leads, records the lead list's query string
  and queues ``tasks.export_run_task``;
* ``export_run`` applies that query string again, as the job's owner, when it runs: a user who
  lost the lead view permission in between gets a FAILED job and no file;
* the file is written to the storage (``leadhub.stored_files.stored_output``: under a
  temporary name renamed when complete on disk, uploaded when complete on S3): a DONE job has
  its whole file, a job killed half-way is started again by ``export_job_progress`` once its
  worker has not reported for ``STALE_AFTER``;
* only the owner or a superuser may see a job or download its file (``export_job_visible_to``).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from leadhub.stored_files import stored_output
from leads.models import ExportJob

from .visible import ExportQueryError, export_query_clean, leads_visible
from .writing import CHUNK_ROWS, export_write

logger = logging.getLogger(__name__)

Status = ExportJob.Status
STALE_AFTER = timedelta(seconds=settings.TASK_STALE_SECONDS)
FINISHED = (Status.DONE, Status.FAILED)


class _JobLost(Exception):
    """Another run claimed the job."""


def export_jobs_visible_to(user) -> QuerySet[ExportJob]:
    """The exports ``user`` may see and download: their own, or every one for a superuser."""
    jobs = ExportJob.objects.select_related("created_by")
    return jobs if user.is_superuser else jobs.filter(created_by=user)


def export_job_create(*, user, query: str, file_format: str) -> ExportJob:
    """Queue an export of the leads ``user`` sees on the lead list with ``query`` (its query
    string). Raises PermissionDenied when the user may not view leads, ExportQueryError for
    filters the lead list does not accept."""
    if file_format not in ExportJob.Format.values:
        raise ExportQueryError("Choose CSV or XLSX.")
    query = export_query_clean(query)
    visible = leads_visible(user=user, query=query)
    job = ExportJob.objects.create(
        created_by=user,
        query=query,
        description=visible.description[:500],
        file_format=file_format,
        total_rows=visible.count,
    )
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: ExportJob) -> None:
    from . import tasks

    result = tasks.export_run_task.enqueue(job.pk)
    ExportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(task_id=result.id[:64])


def export_file_name(job: ExportJob) -> str:
    """The storage name of the export's file."""
    return f"exports/lead-export-{job.pk}.{job.file_format}"


def export_download_name(job: ExportJob) -> str:
    """The file name offered to the browser: ASCII only, from the job's own fields."""
    return f"leads-{job.pk}-{job.created_at:%Y%m%d-%H%M}.{job.file_format}"


def export_run(job: ExportJob, *, run_id: str, chunk_rows: int = CHUNK_ROWS) -> ExportJob:
    """Write the export's file (a QUEUED job, or a RUNNING one taken over from a lost run).
    Returns the refreshed job: DONE with its file, or FAILED with ``error``."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job.pk, status__in=[Status.QUEUED, Status.RUNNING])
    if not claimed.update(
        status=Status.RUNNING,
        task_id=run_id[:64],
        rows_done=0,
        error="",
        started_at=now,
        updated_at=now,
    ):
        return job
    job.refresh_from_db()
    name = export_file_name(job)
    mine = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, task_id=run_id[:64])

    def report(done: int) -> None:
        if not mine.update(rows_done=done, updated_at=timezone.now()):
            raise _JobLost

    try:
        visible = leads_visible(user=job.created_by, query=job.query)
        mine.update(total_rows=visible.count)
        # A run's own part file: a run that lost the job never writes into its successor's.
        with stored_output(name) as partial:
            done = export_write(
                visible.leads,
                path=partial,
                file_format=job.file_format,
                on_progress=report,
                chunk_rows=chunk_rows,
            )
    except _JobLost:
        return _refreshed(job)
    except PermissionDenied:
        _fail(mine, "You may no longer view leads: nothing was exported.")
        return _refreshed(job)
    except ExportQueryError as error:
        _fail(mine, str(error))
        return _refreshed(job)
    except Exception:
        logger.exception("export %s failed", job.pk)
        _fail(mine, "The export failed; the error is in the server's log.")
        return _refreshed(job)
    now = timezone.now()
    mine.update(
        status=Status.DONE,
        file=name,
        rows_done=done,
        total_rows=done,
        finished_at=now,
        updated_at=now,
    )
    return _refreshed(job)


def _refreshed(job: ExportJob) -> ExportJob:
    job.refresh_from_db()
    return job


def _fail(mine: QuerySet[ExportJob], message: str) -> None:
    now = timezone.now()
    mine.update(status=Status.FAILED, error=message, finished_at=now, updated_at=now)


def export_job_resume_if_stale(*, job: ExportJob) -> bool:
    """Queue a RUNNING job again when its worker has not reported for STALE_AFTER (killed):
    the new run writes the file from the start. True if it was queued again."""
    cutoff = timezone.now() - STALE_AFTER
    stale = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, updated_at__lt=cutoff)
    if not stale.update(updated_at=timezone.now()):
        return False
    _enqueue(job)
    return True


def export_job_progress(job: ExportJob) -> dict:
    """The job's state as JSON-ready values, read fresh: ``status``, ``status_label``,
    ``rows_done``, ``total_rows``, ``percent`` (0-100), ``error`` and ``finished``."""
    job.refresh_from_db()
    if export_job_resume_if_stale(job=job):
        job.refresh_from_db()
    total = job.total_rows
    if job.status == Status.DONE:
        percent = 100.0
    else:
        percent = round(min(job.rows_done / total, 1.0) * 100, 1) if total else 0.0
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "rows_done": job.rows_done,
        "total_rows": total,
        "percent": percent,
        "error": job.error,
        "finished": job.status in FINISHED,
    }
