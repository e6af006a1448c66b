"""Writing the outbox: deliveries are built here and stored in the caller's transaction.

Callers (the lead pipeline, the importer) build ``Delivery`` rows with ``new_lead_url_delivery``
and ``event_deliveries`` and store them with ``outbox_add`` inside the transaction of the change
they report, so a rolled-back change sends nothing and a committed one is always sent (by the
worker, ``webhooks.tasks``, never by the web request). A caller that stores the rows through a
cursor of its own (the importer's batches) stores them itself and calls ``worker_wake``.
"""

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from leadhub.db import fastsql

from .models import Delivery
from .selectors import subscriptions_covering

WAKE_SOON_SECONDS = 3

# Batch expanders by name: (the batch's data, now) -> its deliveries (see batch_delivery).
Expander = Callable[[Mapping[str, object], datetime], list[Delivery]]
_expanders: dict[str, Expander] = {}


def event_id_new() -> str:
    """A new event id: the receiver's idempotency key, kept across tries (webhook-id)."""
    return f"msg_{uuid.uuid4().hex}"


def ordering_key(lead_id: int | None, target: str) -> str | None:
    """Deliveries with the same key are sent one at a time, in id order (never overtaking)."""
    return None if lead_id is None else f"{lead_id}:{target}"


def new_lead_url_delivery(
    url: str, *, lead_id: int, list_id: int | None, now: datetime
) -> Delivery:
    """The GET of a new-lead URL (D19), already substituted."""
    return Delivery(
        kind=Delivery.Kind.NEW_LEAD_URL,
        event_id=event_id_new(),
        lead_id=lead_id,
        list_id=list_id,
        ordering_key=ordering_key(lead_id, "url"),
        url=url,
        next_try_at=now,
        created_at=now,
    )


def event_body(event_type: str, data: Mapping[str, object], *, now: datetime) -> str:
    """The JSON body of an event: ``{"type", "timestamp", "data"}`` (Standard Webhooks)."""
    return json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def event_deliveries(
    event_type: str,
    data: Mapping[str, object],
    *,
    now: datetime,
    lead_id: int | None = None,
    list_id: int | None = None,
    door: str | None = None,
) -> list[Delivery]:
    """One delivery per active subscription that wants the event; one event id for all."""
    subscriptions = subscriptions_covering(event_type, list_id=list_id, door=door)
    if not subscriptions:
        return []
    body = event_body(event_type, data, now=now)
    event_id = event_id_new()
    return [
        Delivery(
            kind=Delivery.Kind.EVENT,
            event_id=event_id,
            event_type=event_type,
            subscription_id=s.pk,
            lead_id=lead_id,
            list_id=list_id,
            ordering_key=ordering_key(lead_id, f"s{s.pk}"),
            url=s.url,
            body=body,
            next_try_at=now,
            created_at=now,
        )
        for s in subscriptions
    ]


def expander_register(name: str, expander: Expander) -> None:
    """Declare how the worker turns a batch named ``name`` into its deliveries (the app that
    writes such batches registers it at start-up; this app knows nothing of their content)."""
    _expanders[name] = expander


def expander_get(name: str) -> Expander:
    return _expanders[name]


def batch_delivery(name: str, data: Mapping[str, object], *, now: datetime) -> Delivery:
    """One outbox row standing for many deliveries, made by the expander ``name`` from
    ``data`` when the worker takes the row (in one transaction: all of them, or none)."""
    return Delivery(
        kind=Delivery.Kind.BATCH,
        event_id=event_id_new(),
        event_type=name,
        url="",
        body=json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")),
        next_try_at=now,
        created_at=now,
    )


def outbox_add(deliveries: Iterable[Delivery]) -> None:
    """Store deliveries in the caller's transaction; the worker is woken once it commits."""
    rows = list(deliveries)
    if not rows:
        return
    fastsql.objects_insert(rows)
    worker_wake_on_commit()


def worker_wake_on_commit() -> None:
    """Wake the delivery worker when the current transaction commits (at once without one)."""
    from .tasks import worker_wake

    transaction.on_commit(worker_wake)


def worker_wake_soon() -> None:
    """Wake the delivery worker in a few seconds: for rows written in a transaction on a
    connection Django does not manage, whose commit it cannot wait for."""
    from .tasks import worker_wake

    worker_wake(delay_seconds=WAKE_SOON_SECONDS)
