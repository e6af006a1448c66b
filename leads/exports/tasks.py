"""The background task of lead exports (run by ``manage.py db_worker``, like imports)."""

from django_tasks import TaskContext, task

from leads.models import ExportJob

from .jobs import export_run


@task(takes_context=True)
def export_run_task(context: TaskContext, job_id: int) -> dict:
    """Write the file of a QUEUED export; returns its status and rows. A job in another
    state is left alone, so a task queued twice is harmless."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        return {}
    job = export_run(job, run_id=str(context.task_result.id))
    return {"status": job.status, "rows": job.rows_done}
