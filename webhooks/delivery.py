"""Sending the outbox: claim due deliveries, try them concurrently, record every try.

At least once: a delivery is claimed with a lease (``WEBHOOK_LEASE_SECONDS``) and is only
finished by the record of its try, so a worker killed mid-try leaves it pending, and the next
worker takes it once the lease has run out (and the receiver may see it twice, with the same
``webhook-id``). Deliveries with the same ordering key (one lead, one target) are never claimed
while an earlier one of that key is pending, so they arrive in order.

What counts: a 2xx answer delivers; no answer (network error, timeout), 5xx, 408 and 429 are
retried after ``WEBHOOK_RETRY_DELAYS``, and failed after the last; any other answer fails at
once. A refused target (D19) is never tried again. A 410 to a signed event switches its
subscription off and cancels its pending deliveries.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from leadhub.db import fastsql

from . import net
from .models import Attempt, Delivery, Subscription
from .outbox import expander_get
from .signing import signed_headers

Status = Delivery.Status
RETRIED_STATUSES = {408, 429}
_OUTCOME_FIELDS = (
    "status",
    "tries",
    "lease_until",
    "next_try_at",
    "finished_at",
    "last_status_code",
    "last_answer",
)


def deliveries_claim(*, now: datetime, limit: int) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries to this worker: the longest due first, and of
    each ordering key only its first pending delivery. Three short statements whatever the
    backlog: the due candidates (an index walk stopped at 2 x limit), the first pending id of
    their keys, and the lock and lease of those that qualify."""
    candidates = list(
        Delivery.objects.filter(status=Status.PENDING, next_try_at__lte=now)
        .exclude(kind=Delivery.Kind.BATCH)
        .exclude(lease_until__gt=now)
        .order_by("next_try_at", "id")
        .values_list("id", "ordering_key")[: 2 * limit]
    )
    keys = {key for _, key in candidates if key is not None}
    first = {}
    if keys:
        first = dict(
            Delivery.objects.filter(status=Status.PENDING, ordering_key__in=keys)
            .values("ordering_key")
            .annotate(first=Min("id"))
            .values_list("ordering_key", "first")
        )
    ids = [i for i, key in candidates if key is None or first.get(key) == i][:limit]
    if not ids:
        return []
    with transaction.atomic():
        mine = Delivery.objects.filter(id__in=ids, status=Status.PENDING).exclude(
            lease_until__gt=now
        )
        rows = list(_locked(mine).select_related("subscription").order_by("id"))
        if rows:
            lease = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
            Delivery.objects.filter(id__in=[r.id for r in rows]).update(lease_until=lease)
            for row in rows:
                row.lease_until = lease
    return rows


def batches_expand(*, now: datetime, limit: int = 1) -> int:
    """Turn up to ``limit`` pending batch rows into their deliveries, each batch in one
    transaction with its expansion (a worker killed meanwhile leaves the batch pending)."""
    expanded = 0
    for _ in range(limit):
        with transaction.atomic():
            batch = _locked(
                Delivery.objects.filter(kind=Delivery.Kind.BATCH, status=Status.PENDING)
            ).order_by("id")[:1]
            batch = next(iter(batch), None)
            if batch is None:
                break
            # Conditional, so on SQLite (no row locks) a second worker expands nothing twice.
            if Delivery.objects.filter(pk=batch.pk, status=Status.PENDING).update(
                status=Status.EXPANDED, tries=1, finished_at=now
            ):
                deliveries = expander_get(batch.event_type)(json.loads(batch.body), now)
                fastsql.objects_insert(deliveries)
        expanded += 1
    return expanded


def _locked(rows):
    """``rows`` locked for this transaction, skipping rows another worker holds."""
    features = connection.features
    if not features.has_select_for_update_skip_locked:
        return rows
    # "of" keeps a joined subscription unlocked (PostgreSQL refuses to lock the nullable
    # side of an outer join).
    of = ("self",) if features.has_select_for_update_of else ()
    return rows.select_for_update(skip_locked=True, of=of)


def delivery_try(delivery: Delivery) -> net.Answer:
    """One HTTP try of a delivery (no database access: runs in the sending threads)."""
    if delivery.kind == Delivery.Kind.NEW_LEAD_URL:
        return net.request("GET", delivery.url)
    subscription = delivery.subscription
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json"}
    headers.update(
        signed_headers(
            secret=subscription.secret,
            event_id=delivery.event_id,
            timestamp=int(time.time()),
            body=body,
        )
    )
    return net.request("POST", subscription.url, headers=headers, body=body)


def deliveries_send(*, limit: int = 200, on_claim=None) -> int:
    """Expand a pending batch, then claim, try and record one round of due deliveries; the
    number of rows taken. ``on_claim(lease_end)`` runs after a claim, before any try."""
    now = timezone.now()
    expanded = batches_expand(now=now)
    rows = deliveries_claim(now=now, limit=limit)
    if not rows:
        return expanded
    if on_claim is not None:
        on_claim(rows[0].lease_until or now)
    sendable = [r for r in rows if _sendable(r)]
    if len(sendable) > 1:
        workers = min(settings.WEBHOOK_CONCURRENCY, len(sendable))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
            answers = list(pool.map(delivery_try, sendable))
    else:
        answers = [delivery_try(r) for r in sendable]
    attempts_record(sendable, answers, started=now)
    cancelled = [r.id for r in rows if not _sendable(r)]
    if cancelled:
        Delivery.objects.filter(id__in=cancelled).update(
            status=Status.CANCELLED, lease_until=None, finished_at=timezone.now()
        )
    return expanded + len(rows)


def _sendable(delivery: Delivery) -> bool:
    return delivery.kind == Delivery.Kind.NEW_LEAD_URL or (
        delivery.subscription is not None and delivery.subscription.active
    )


def attempts_record(rows: list[Delivery], answers: list[net.Answer], *, started: datetime):
    """Store the tries' answers and move each delivery on (delivered, retry, failed)."""
    now = timezone.now()
    delays = settings.WEBHOOK_RETRY_DELAYS
    attempts, gone = [], set()
    for row, answer in zip(rows, answers, strict=True):
        attempts.append(
            Attempt(
                delivery_id=row.id,
                started_at=started,
                duration_ms=answer.duration_ms,
                address=answer.address,
                status_code=answer.status_code,
                answer=answer.body,
                error=answer.error,
            )
        )
        row.tries += 1
        row.lease_until = None
        row.last_status_code = answer.status_code
        row.last_answer = answer.error or answer.body
        code = answer.status_code
        if answer.refused:
            row.status = Status.REFUSED
        elif code is not None and 200 <= code < 300:
            row.status = Status.DELIVERED
        elif code is None or code >= 500 or code in RETRIED_STATUSES:
            if row.tries <= len(delays):
                row.next_try_at = now + timedelta(seconds=delays[row.tries - 1])
            else:
                row.status = Status.FAILED
        else:
            row.status = Status.FAILED
            if code == 410 and row.subscription_id is not None:
                gone.add(row.subscription_id)
        if row.status != Status.PENDING:
            row.finished_at = now
    # One UPDATE per distinct outcome (a round of 200 successes is one statement): Django's
    # bulk_update builds a CASE per field and row, and cost more than the HTTP tries.
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        outcome = tuple(getattr(row, field) for field in _OUTCOME_FIELDS)
        groups.setdefault(outcome, []).append(row.id)
    with transaction.atomic():
        Attempt.objects.bulk_create(attempts)
        for outcome, ids in groups.items():
            values = dict(zip(_OUTCOME_FIELDS, outcome, strict=True))
            Delivery.objects.filter(id__in=ids).update(**values)
        for subscription_id in gone:
            subscription_disable(subscription_id, reason="the receiver answered 410 Gone")


def subscription_disable(subscription_id: int, *, reason: str) -> None:
    """Switch a subscription off and cancel its pending deliveries."""
    for subscription in Subscription.objects.filter(id=subscription_id, active=True):
        subscription.active = False
        subscription.disabled_reason = reason[:200]
        subscription.save(update_fields=["active", "disabled_reason"])
    Delivery.objects.filter(subscription_id=subscription_id, status=Status.PENDING).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )


def next_due_at() -> datetime | None:
    """When the earliest pending delivery becomes due: its retry time, or for one claimed by
    a worker, its lease's end (a worker killed mid-try leaves it until then)."""
    pending = Delivery.objects.filter(status=Status.PENDING)
    free = pending.filter(lease_until__isnull=True).aggregate(at=Min("next_try_at"))["at"]
    leased = pending.filter(lease_until__isnull=False).aggregate(at=Min("lease_until"))["at"]
    times = [t for t in (free, leased) if t is not None]
    return min(times) if times else None
