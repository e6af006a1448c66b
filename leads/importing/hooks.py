"""The webhooks of an import's added rows (issue 12): one outbox row per batch, stored by
the batch's own statement in its transaction, that the webhooks worker turns into the same
deliveries as an added lead of any other door (``services.hooks.leads_created_expand``). So an
import pays one insert per batch, not one per lead, for its hooks."""

from django.db import connection
from django.utils import timezone

from leads.pipeline.batch import RowResult
from leads.services import LeadActor
from leads.services.hooks import LEADS_CREATED_BATCH, hooks_wanted
from webhooks.models import Delivery
from webhooks.outbox import batch_delivery, worker_wake_on_commit, worker_wake_soon


def batch_deliveries(added: list[RowResult], *, actor: LeadActor) -> list[Delivery]:
    """The outbox row of a batch's added rows (their lead ids set); [] when no hook listens
    to the door. Wakes the worker once the batch commits: at its commit on Django's
    connection, a moment later on the store's own (PostgreSQL's COPY thread); the end of the
    import wakes it again in any case."""
    if not added or not hooks_wanted(actor.door):
        return []
    data = {"door": actor.door, "lead_ids": [r.lead_id for r in added]}
    if connection.in_atomic_block:
        worker_wake_on_commit()
    else:
        # PostgreSQL's store thread: its batch commits on the store's own connection. The
        # wake needs Django's, which this thread opens for it alone: close it again.
        worker_wake_soon()
        connection.close()
    return [batch_delivery(LEADS_CREATED_BATCH, data, now=timezone.now())]
