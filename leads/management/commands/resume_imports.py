"""``manage.py resume_imports``: start again the imports whose worker died.

Run it when the task worker starts (``./dev serve`` does): an import that was RUNNING goes on
after its last committed batch, a dry run starts over. Without ``--all`` only jobs silent for
longer than the stale limit are taken, so it is safe while other workers are alive.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from leads.importing.jobs import import_job_resume_if_stale
from leads.models import ImportJob


class Command(BaseCommand):
    help = "Start again imports and dry runs whose worker stopped (resumes committed batches)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="take every running job at once (only when no other worker is running)",
        )

    def handle(self, *args, **options) -> None:
        jobs = ImportJob.objects.filter(
            status__in=[ImportJob.Status.RUNNING, ImportJob.Status.CHECKING]
        )
        if options["all"]:
            # Mark them silent so the stale rule takes them now.
            jobs.update(updated_at=timezone.now() - timedelta(days=1))
        resumed = [job.pk for job in jobs if import_job_resume_if_stale(job=job)]
        self.stdout.write(
            f"Resumed {len(resumed)} import job(s)" + (f": {resumed}" if resumed else ".")
        )
