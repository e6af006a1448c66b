"""The optional parts of an add: callback, alt phones (custom values and the hopper row are
rules of the pipeline: ``leads.pipeline.custom_fields``, ``leads.pipeline.hopper``)."""

from datetime import datetime

from callbacks.services import (
    CallbackPlan,
    CallbackRefusal,
    CallbackRefused,
    callback_request_check,
)

from ..models import AltPhone, Lead
from ..outcomes import AltPhonesOutcome, CallbackOutcome, CallbackResult
from .request import AltPhoneEntry, CallbackRequest

# callbacks.services names its refusals; the pipeline's outcome is typed.
_CALLBACK_REFUSALS = {
    CallbackRefusal.CAMPAIGN_NOT_VALID: CallbackResult.CAMPAIGN_NOT_VALID,
    CallbackRefusal.USER_NOT_VALID: CallbackResult.USER_NOT_VALID,
    CallbackRefusal.INVALID_DATETIME: CallbackResult.INVALID_DATETIME,
}


def callback_check(
    callback: CallbackRequest, now: datetime
) -> tuple[CallbackPlan | None, CallbackOutcome | None]:
    """(the checked plan, None) or (None, the refusal's outcome)."""
    try:
        plan = callback_request_check(callback, now=now)
    except CallbackRefused as refused:
        return None, CallbackOutcome(
            result=_CALLBACK_REFUSALS[refused.refusal],
            campaign_id=callback.campaign_id,
            callback_user=callback.user,
            recipient="USERONLY",
            time_text=callback.when,
        )
    return plan, None


def add_alt_phones(lead: Lead, entries: tuple[AltPhoneEntry, ...]) -> AltPhonesOutcome:
    """One row per entry, numbered from 1 in order (an empty entry still takes a position)."""
    rows = [
        AltPhone(
            lead=lead,
            alt_phone_count=position,
            phone_code=(entry.code or "1")[:10],
            phone_number=entry.number[:25],
            alt_phone_note=entry.note[:30],
        )
        for position, entry in enumerate(entries, start=1)
    ]
    AltPhone.objects.bulk_create(rows)
    return AltPhonesOutcome(count=len(rows))
