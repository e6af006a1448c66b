"""``manage.py expire_uploads``: delete uploads nobody went on with, and their files.

An upload that was mapped or dry-run but never imported (UPLOADED or CHECKED) and has not
changed for ``IMPORT_ABANDONED_HOURS`` (default 48) is deleted. Run it from cron (hourly is
plenty); ``./dev serve`` runs it when it starts.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from leads.importing.jobs import import_jobs_expire_abandoned


class Command(BaseCommand):
    help = "Delete uploads that were never imported and have not changed for a while."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=None,
            help="age in hours (default: the IMPORT_ABANDONED_HOURS setting)",
        )

    def handle(self, *args, **options) -> None:
        hours = (
            options["hours"] if options["hours"] is not None else settings.IMPORT_ABANDONED_HOURS
        )
        count = import_jobs_expire_abandoned(older_than=timedelta(hours=hours))
        self.stdout.write(f"{count} abandoned upload(s) older than {hours} h deleted.")
