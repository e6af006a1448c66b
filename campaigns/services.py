"""Writes about campaigns: putting leads in the dialer hopper."""

from decimal import Decimal

from .models import HopperEntry


def hopper_entry_new(
    *,
    lead_id: int | None,
    campaign_id: str,
    list_id: int,
    gmt_offset_now: Decimal | None,
    state: str,
    priority: int,
    vendor_lead_code: str,
) -> HopperEntry:
    """A lead's unsaved hopper row: status READY, source P (added by the API or an import).

    The campaign is empty when the lead's list has none, as in the original (H13).
    A lead has at most one hopper row (the database enforces it).
    """
    return HopperEntry(
        lead_id=lead_id,
        campaign_id=campaign_id,
        list_id=list_id,
        status="READY",
        user="",
        priority=priority,
        gmt_offset_now=gmt_offset_now,
        state=state,
        source="P",
        vendor_lead_code=vendor_lead_code,
    )
