"""Keys of the JSON API (/api/v1/) and the answers it keeps for Idempotency-Key retries."""

from django.core.validators import RegexValidator
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey

from .access import ApiUserProfile

# DRF's throttle rate syntax: requests per second, minute, hour or day.
THROTTLE_RATE = RegexValidator(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


class ApiKey(AbstractAPIKey):
    """A key of one API user: the JSON door's credential, with that user's permissions.

    Only a SHA-512 hash of the key is stored (a key is 40 random characters, so a slow
    password hash adds nothing but time to every call); the key itself is shown once, when
    it is created. Its first 8 characters, the prefix, are stored as they are: they identify
    the key in logs and in the admin. A revoked key stays revoked.
    """

    profile = models.ForeignKey(ApiUserProfile, on_delete=models.CASCADE, related_name="api_keys")
    throttle_rate = models.CharField(
        max_length=20,
        blank=True,
        validators=[THROTTLE_RATE],
        help_text='Requests this key may make, e.g. "600/min"; empty: the API_KEY_RATE setting.',
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, kept to replay it.

    One row per (key, Idempotency-Key): the unique constraint makes the first of concurrent
    requests the only one that runs; the others find the row in flight (``response_status``
    still NULL). ``fingerprint`` is a hash of the method, path and body: the same
    Idempotency-Key with another body is the caller's mistake, not a retry.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "idempotency record"
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"], name="uniq_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id} {self.idempotency_key}"
