"""The hopper rule: a new lead goes into its list's campaign's hopper with the priority asked
for; with the local call time check, only when its local time is inside the call time that
governs its list (``campaigns.calltimes``, contract §3.14, the state rules included).

Batch form ``hopper_entries`` (the importer's batches: the rows to insert in one statement);
single form ``hopper_entry_for`` (the API's add: the batch of one, stored with the lead).
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from campaigns.calltimes import call_time_for_list, lead_is_dialable
from campaigns.models import HopperEntry
from campaigns.services import hopper_entry_new
from leads.models import Lead
from leads.outcomes import HopperOutcome
from leads.rules import fit_to_column
from leads.selectors import list_get
from leads.services.request import HopperRequest


class HopperLead(NamedTuple):
    """What the rule reads of a new lead (text not yet cut to the column widths)."""

    lead_id: int | None
    list_id: int
    gmt_offset_now: Decimal | None
    state: str
    vendor_lead_code: str


def hopper_entries(
    leads: Sequence[HopperLead], hopper: HopperRequest, *, now: datetime
) -> list[HopperEntry | None]:
    """Each lead's unsaved hopper row, or None where the local call time check keeps it out.
    Cached lookups only (lists, call times); each list, state and offset is judged once."""
    lists: dict[int, object] = {}
    dialable: dict[tuple, bool] = {}
    entries: list[HopperEntry | None] = []
    for lead in leads:
        if lead.list_id not in lists:
            lists[lead.list_id] = list_get(lead.list_id)
        target = lists[lead.list_id]
        state = fit_to_column("state", lead.state)[0]
        if hopper.local_call_time_check:
            key = (lead.list_id, state, lead.gmt_offset_now)
            inside = dialable.get(key)
            if inside is None:
                inside = dialable[key] = lead_is_dialable(
                    call_time=call_time_for_list(target),
                    state=state,
                    gmt_offset=lead.gmt_offset_now,
                    now=now,
                )
            if not inside:
                entries.append(None)
                continue
        entries.append(
            hopper_entry_new(
                lead_id=lead.lead_id,
                campaign_id=(target.campaign_id or "") if target is not None else "",
                list_id=lead.list_id,
                gmt_offset_now=lead.gmt_offset_now,
                state=state,
                priority=hopper.priority,
                vendor_lead_code=fit_to_column("vendor_lead_code", lead.vendor_lead_code)[0],
            )
        )
    return entries


def hopper_entry_for(hopper: HopperRequest, lead: Lead, now: datetime) -> HopperEntry | None:
    """The single form: a new lead's unsaved hopper row (the batch of one), or None where the
    local call time check keeps it out. The caller stores it with the lead (its lead_id is
    set then: ``fastsql.lead_insert``)."""
    candidate = HopperLead(
        lead.lead_id, lead.list_id, lead.gmt_offset_now, lead.state, lead.vendor_lead_code
    )
    return hopper_entries([candidate], hopper, now=now)[0]


def hopper_outcome(entry: HopperEntry | None) -> HopperOutcome:
    """What the add reports of a stored ``hopper_entry_for`` row."""
    if entry is None:
        return HopperOutcome(added=False)
    return HopperOutcome(added=True, hopper_id=entry.hopper_id)
