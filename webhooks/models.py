"""The outbox of outgoing HTTP calls (both kinds of hook) and the signed-event subscriptions.

Every call LeadHub makes to another system is one ``Delivery`` row, written in the same
transaction as the change it reports, and sent afterwards by the task worker
(``webhooks.tasks``). Each try is an ``Attempt``. The app knows nothing of leads: a delivery
carries the lead id and list id as plain numbers (its ordering key and the admin's filters).
"""

import base64
import secrets

from django.db import models


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class Subscription(models.Model):
    """A receiver of signed JSON events (Standard Webhooks 1.0)."""

    class Event(models.TextChoices):
        LEAD_CREATED = "lead.created", "lead.created: a lead was added (any door)"
        IMPORT_FINISHED = "import.finished", "import.finished: an import ended"

    name = models.CharField(max_length=100)
    url = models.URLField("target URL", max_length=2000)
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        help_text="Shared signing secret (whsec_ and base64). The receiver verifies the "
        "webhook-signature header with it.",
    )
    # Space-separated event names; empty = every event.
    events = models.CharField(max_length=200, blank=True)
    # Space-separated list ids; empty = every list. Events without a list always match.
    list_ids = models.CharField(
        "lists", max_length=500, blank=True, help_text="List ids separated by spaces; empty: all."
    )
    # Space-separated door names (api, upload, manual); empty = every door.
    doors = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    # Why the subscription was switched off by LeadHub (a 410 answer), empty otherwise.
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def covers(self, *, event_type: str, list_id: int | None, door: str | None) -> bool:
        """Whether an event of this type, list and door goes to this subscription."""
        if self.events and event_type not in self.events.split():
            return False
        if list_id is not None and self.list_ids and str(list_id) not in self.list_ids.split():
            return False
        return not (door is not None and self.doors and door not in self.doors.split())


class Delivery(models.Model):
    """One outgoing call: the outbox row, its state and its latest answer."""

    class Kind(models.TextChoices):
        NEW_LEAD_URL = "apinewlead", "New-lead URL (GET)"
        EVENT = "event", "Signed event (POST)"
        # Many deliveries in one row (an import batch's leads), made into their deliveries
        # by the worker (outbox.expander_register): the batch pays one insert, not one a lead.
        BATCH = "batch", "Batch (expanded by the worker)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        EXPANDED = "expanded", "Expanded (a batch)"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused (private address)"
        CANCELLED = "cancelled", "Cancelled (subscription off)"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Stable across tries and "send again": the receiver's idempotency key (webhook-id).
    event_id = models.CharField(max_length=40, db_index=True)
    event_type = models.CharField(max_length=40, blank=True)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    lead_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    list_id = models.BigIntegerField(null=True, blank=True)
    # "<lead id>:<target>"; deliveries of one key are sent one at a time, in id order.
    ordering_key = models.CharField(max_length=40, null=True, blank=True)
    url = models.TextField()
    # The JSON body of an event; empty for a new-lead URL (a GET).
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField()
    # A worker owns the row until then; a worker killed mid-try leaves it to the next one.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_answer = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-id"]
        indexes = [
            # The claim walks the due rows in this order and stops at its limit.
            models.Index(fields=["status", "next_try_at", "id"], name="delivery_due"),
            # The first pending delivery of each ordering key.
            models.Index(fields=["ordering_key", "id"], name="delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_id}"


class Attempt(models.Model):
    """One try of a delivery: when, to which address, the answer or the error, how long."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    address = models.CharField(max_length=45, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The first bytes of the answer (decoded leniently), or the error, or why it was refused.
    answer = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} try at {self.started_at:%Y-%m-%d %H:%M:%S}"
