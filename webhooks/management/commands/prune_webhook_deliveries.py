"""Delete finished deliveries (and their tries) older than a number of days; from cron."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from webhooks.services import deliveries_prune


class Command(BaseCommand):
    help = "Delete deliveries that ended more than --days days ago (pending ones are kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days: int, **options) -> None:
        count = deliveries_prune(before=timezone.now() - timedelta(days=days))
        self.stdout.write(f"{count} deliveries deleted")
