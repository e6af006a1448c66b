"""``manage.py resume_imports``: start again the imports whose worker died, and write the
result files that a killed worker did not.

Run it when the task worker starts (``./dev serve`` does) and from cron: an import that was
RUNNING goes on after its last committed batch (and writes its result files before it is
DONE), a dry run starts over, a finished job that promises an XLSX result file and lacks it
gets it written, the part files of killed writers are removed, and an export whose worker
died is written again from the start. Without ``--all`` only jobs
and part files silent for longer than the stale limit are taken, so it is safe while other
workers are alive.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from leads.exports.jobs import export_job_resume_if_stale
from leads.importing.jobs import (
    STALE_AFTER,
    import_job_resume_if_stale,
    import_job_write_missing_files,
)
from leads.importing.results import jobs_missing_files, stray_parts_remove
from leads.models import ExportJob, ImportJob


class Command(BaseCommand):
    help = (
        "Start again imports and dry runs whose worker stopped (resumes committed batches), "
        "write missing result files, remove the part files of killed writers and start "
        "again the exports whose worker stopped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="take every unfinished job at once (only when no other worker is running)",
        )

    def handle(self, *args, **options) -> None:
        jobs = ImportJob.objects.filter(
            status__in=[ImportJob.Status.RUNNING, ImportJob.Status.CHECKING]
        )
        missing = jobs_missing_files()
        exports = ExportJob.objects.filter(status=ExportJob.Status.RUNNING)
        if options["all"]:
            # Mark them silent so the stale rule takes them now.
            long_ago = timezone.now() - timedelta(days=1)
            jobs.update(updated_at=long_ago)
            ImportJob.objects.filter(pk__in=[job.pk for job in missing]).update(updated_at=long_ago)
            exports.update(updated_at=long_ago)
        removed = stray_parts_remove(
            older_than=0 if options["all"] else STALE_AFTER.total_seconds()
        )
        resumed = [job.pk for job in jobs if import_job_resume_if_stale(job=job)]
        rewritten = [job.pk for job in missing if import_job_write_missing_files(job=job)]
        restarted = [job.pk for job in exports if export_job_resume_if_stale(job=job)]
        self.stdout.write(
            f"Resumed {len(resumed)} import job(s)" + (f": {resumed}" if resumed else ".")
        )
        if rewritten:
            self.stdout.write(f"Queued the missing result files of job(s) {rewritten}.")
        if restarted:
            self.stdout.write(f"Started again the export job(s) {restarted}.")
        if removed:
            self.stdout.write(f"Removed {len(removed)} stale part file(s).")
