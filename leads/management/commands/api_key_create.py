"""``manage.py api_key_create USER NAME``: a new JSON API key for an API user, printed once.

Only its hash is kept; the admin (API keys) creates, lists and revokes keys too.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from leads.models import ApiKey, ApiUserProfile
from leads.models.api_keys import THROTTLE_RATE


class Command(BaseCommand):
    help = "Create an API key for an API user and print it (it is shown only this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("user", help="The API user's user name.")
        parser.add_argument("name", help="What the key is for, e.g. the calling system.")
        parser.add_argument("--rate", default="", help='Its own rate limit, e.g. "600/min".')

    def handle(self, *, user: str, name: str, rate: str, **options) -> None:
        profile = ApiUserProfile.objects.filter(user__username=user).first()
        if profile is None:
            raise CommandError(f"{user} is not an API user (no API user profile).")
        if rate:
            try:
                THROTTLE_RATE(rate)
            except ValidationError as error:
                raise CommandError(f"--rate {rate!r} is not like 600/min") from error
        row, key = ApiKey.objects.create_key(name=name[:50], profile=profile, throttle_rate=rate)
        self.stderr.write(f"Key {row.prefix} for {user}; store it now, it is not shown again:")
        self.stdout.write(key)
