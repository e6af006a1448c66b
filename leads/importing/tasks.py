"""Background tasks of spreadsheet imports (Django's Tasks API, the ``django-tasks`` backport).

The default backend is the database (``django_tasks_db``): run ``manage.py db_worker`` next to
the web server (``./dev serve`` does). Tasks take the job id; a task that finds its job in
another state does nothing, so a task queued twice is harmless.
"""

from django_tasks import TaskContext, task

from leads.models import ImportJob

from . import engine


@task(takes_context=True)
def import_dry_run_task(context: TaskContext, job_id: int) -> dict:
    """Run the dry run of a CHECKING job; returns its counts."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return {}
    return engine.import_dry_run(job).get("counts", {})


@task(takes_context=True)
def import_run_task(context: TaskContext, job_id: int) -> dict:
    """Import (or resume) a QUEUED or RUNNING job (a DONE job gets its XLSX result file on
    the way); for a finished job that promises an XLSX file and lacks it (cancelled, or the
    file lost), write it. Returns the job's status and counts."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return {}
    job = engine.import_run(job, run_id=str(context.task_result.id))
    finished = (ImportJob.Status.DONE, ImportJob.Status.CANCELLED)
    if job.status in finished and job.wants_xlsx and not job.result_xlsx:
        engine.import_write_xlsx(job)
    return {"status": job.status, "counts": job.counts}
