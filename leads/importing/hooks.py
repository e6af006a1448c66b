"""The webhooks of an import's added rows (issue 12): the same deliveries as an added lead
of any other door (``services.hooks``), built for a whole batch and stored by the batch's
own statement, in its transaction."""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from leads.services import LeadActor
from leads.services.hooks import hooks_wanted, leads_created
from webhooks.models import Delivery
from webhooks.outbox import worker_wake_on_commit, worker_wake_soon

from .checks import RowResult


def batch_deliveries(added: list[RowResult], *, actor: LeadActor) -> list[Delivery]:
    """The deliveries of a batch's added rows (their lead ids set); [] when no hook listens
    to the door, decided once per batch. Wakes the worker once the batch commits: at its
    commit on Django's connection, a moment later on the store's own (PostgreSQL's COPY
    thread), and the end of the import wakes it again in any case."""
    if not added or not hooks_wanted(actor.door):
        return []
    now = timezone.now()
    deliveries = leads_created(
        (_lead_values(r, user=actor.user, now=now) for r in added), door=actor.door, now=now
    )
    if deliveries:
        if connection.in_atomic_block:
            worker_wake_on_commit()
        else:
            worker_wake_soon()
    return deliveries


def _lead_values(r: RowResult, *, user: str, now: datetime) -> dict[str, object]:
    values: dict[str, object] = dict(r.values)
    values.update(
        lead_id=r.lead_id,
        list_id=r.list_id,
        phone_number=r.phone,
        phone_code=r.phone_code,
        state=r.state,
        gmt_offset_now=r.gmt,
        custom_values=r.custom,
        user=user[:20],
        status="NEW",
        entry_date=now,
    )
    return values
