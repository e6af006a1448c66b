"""Supervisor actions on the outbox: send a delivery again, send a test event; and the
counts the dashboard shows."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from .models import Attempt, Delivery, Subscription
from .outbox import event_body, event_id_new, outbox_add, worker_wake_on_commit

TEST_EVENT = "webhook.test"


def deliveries_send_again(deliveries: Iterable[Delivery]) -> int:
    """Queue deliveries again (any status), with their event id and a fresh set of retries;
    the tries made so far stay in their log. Returns how many."""
    ids = [d.pk for d in deliveries]
    with transaction.atomic():
        count = Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.PENDING,
            tries=0,
            next_try_at=timezone.now(),
            lease_until=None,
            finished_at=None,
        )
        worker_wake_on_commit()
    return count


def subscription_test_event(subscription: Subscription, *, now: datetime | None = None):
    """Queue a signed ``webhook.test`` event to one subscription (sent while it is active;
    cancelled, as its other deliveries, while it is not)."""
    now = now or timezone.now()
    data = {"subscription": subscription.name, "message": "LeadHub test event"}
    delivery = Delivery(
        kind=Delivery.Kind.EVENT,
        event_id=event_id_new(),
        event_type=TEST_EVENT,
        subscription=subscription,
        url=subscription.url,
        body=event_body(TEST_EVENT, data, now=now),
        next_try_at=now,
        created_at=now,
    )
    with transaction.atomic():
        outbox_add([delivery])
    return delivery


def deliveries_prune(*, before: datetime) -> int:
    """Delete the deliveries that ended before ``before``, with their tries; the number of
    deliveries deleted. Pending ones are never deleted."""
    ended = Delivery.objects.filter(finished_at__lt=before).exclude(status=Delivery.Status.PENDING)
    Attempt.objects.filter(delivery__in=ended).delete()
    count, _ = ended.delete()
    return count


def delivery_counts(*, now: datetime, hours: int = 24) -> dict[str, int]:
    """Deliveries by status: every pending one, the others created in the last ``hours``."""
    counts = dict.fromkeys(Delivery.Status.values, 0)
    since = now - timedelta(hours=hours)
    recent = Delivery.objects.filter(created_at__gte=since).exclude(status=Delivery.Status.PENDING)
    for row in recent.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    counts[Delivery.Status.PENDING] = Delivery.objects.filter(
        status=Delivery.Status.PENDING
    ).count()
    return counts
