"""What a new lead sends out: the new-lead URL (D19, contract §3.14e) and the signed
``lead.created`` event, written to the webhooks outbox in the lead's own transaction (so a
rolled-back add sends nothing) and sent after commit by the webhooks worker.

The add pipeline calls ``lead_created`` once per added lead, whatever its door; an import
batch stores one outbox row for all its leads, expanded later by ``leads_created_expand``
(``importing/hooks.py``). ``import_finished`` reports a finished import.
"""

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from webhooks.models import Delivery, Subscription
from webhooks.outbox import (
    event_deliveries,
    expander_register,
    new_lead_url_delivery,
    outbox_add,
    worker_wake_on_commit,
)
from webhooks.selectors import subscriptions_covering

from ..models import Lead
from ..new_lead_url import new_lead_url_choose, new_lead_url_fill
from ..selectors import list_get, system_settings_get

LEAD_CREATED = Subscription.Event.LEAD_CREATED
IMPORT_FINISHED = Subscription.Event.IMPORT_FINISHED
# The outbox batch of an import batch's new leads (webhooks.outbox.batch_delivery).
LEADS_CREATED_BATCH = "leads.created.batch"

# The lead's fields in a lead.created event (besides lead_id, list_id, door, custom_values).
EVENT_FIELDS = (
    "entry_date",
    "status",
    "user",
    "vendor_lead_code",
    "source_id",
    "gmt_offset_now",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "rank",
    "owner",
    "entry_list_id",
)


def lead_created(lead: Lead, *, door: str, now: datetime) -> None:
    """Log the hooks of one new (inserted) lead in the caller's transaction."""
    outbox_add(lead_deliveries(vars(lead), door=door, now=now))


def leads_created_expand(data: Mapping[str, object], now: datetime) -> list[Delivery]:
    """The deliveries of an import batch's leads (``data``: door, lead_ids), made by the
    webhooks worker from the stored leads (registered as LEADS_CREATED_BATCH)."""
    door = str(data["door"])
    leads = Lead.objects.filter(lead_id__in=data["lead_ids"]).order_by("lead_id")
    return [d for lead in leads for d in lead_deliveries(vars(lead), door=door, now=now)]


def hooks_wanted(door: str) -> bool:
    """Whether a new lead of this door may send anything."""
    url_door = door in settings.NEW_LEAD_URL_DOORS
    return url_door or bool(subscriptions_covering(LEAD_CREATED, door=door))


def lead_deliveries(values: Mapping[str, object], *, door: str, now: datetime) -> list[Delivery]:
    """The new-lead URL delivery (when the lead's door fires it and a URL is chosen) and
    one lead.created delivery per subscription that covers the lead's list and door."""
    lead_id, list_id = values["lead_id"], values["list_id"]
    deliveries = []
    if door in settings.NEW_LEAD_URL_DOORS:
        lead_list = list_get(list_id)
        url = new_lead_url_choose(system_settings_get().new_lead_url, lead_list)
        if url is not None:
            filled = new_lead_url_fill(url, values, lead_list=lead_list)
            deliveries.append(
                new_lead_url_delivery(filled, lead_id=lead_id, list_id=list_id, now=now)
            )
    if not subscriptions_covering(LEAD_CREATED, list_id=list_id, door=door):
        return deliveries  # the usual case: the event's body is not even built
    data = {"lead_id": lead_id, "list_id": list_id, "door": door}
    data.update((name, values.get(name)) for name in EVENT_FIELDS)
    data["custom_values"] = values.get("custom_values")
    deliveries += event_deliveries(
        LEAD_CREATED, data, now=now, lead_id=lead_id, list_id=list_id, door=door
    )
    return deliveries


def import_hooks_wanted() -> bool:
    """Whether the end of an import may send anything (then it is logged in a transaction
    with the job's last update)."""
    door = Lead.Door.UPLOAD
    return hooks_wanted(door) or bool(subscriptions_covering(IMPORT_FINISHED, door=door))


def import_finished(
    *, job_id: int, list_id: int | None, status: str, counts: Mapping[str, int]
) -> None:
    """Log the import.finished event in the caller's transaction (the one ending the job),
    and wake the worker at its commit if uploads have hooks: the batches' deliveries are
    all committed by then."""
    data = {"import_id": job_id, "list_id": list_id, "status": status, "counts": dict(counts)}
    door = Lead.Door.UPLOAD
    now = timezone.now()
    outbox_add(event_deliveries(IMPORT_FINISHED, data, now=now, list_id=list_id, door=door))
    if hooks_wanted(door):  # the batches' own wakes may have come before their commits
        worker_wake_on_commit()


expander_register(LEADS_CREATED_BATCH, leads_created_expand)
