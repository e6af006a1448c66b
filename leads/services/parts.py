"""The optional parts of an add: callback, alt phones (custom values and the hopper row are
rules of the pipeline: ``leads.pipeline.custom_fields``, ``leads.pipeline.hopper``)."""

from datetime import datetime

from callbacks.services import CallbackPlan, CallbackRefused, callback_plan

from ..models import AltPhone, Lead
from ..outcomes import AltPhonesOutcome, CallbackOutcome, CallbackResult
from .request import AltPhoneEntry, CallbackRequest

# callbacks.services names its refusals; the pipeline's outcome is typed.
_CALLBACK_REFUSALS = {
    "CAMPAIGN NOT VALID": CallbackResult.CAMPAIGN_NOT_VALID,
    "USER NOT VALID": CallbackResult.USER_NOT_VALID,
    "INVALID CALLBACK DATETIME": CallbackResult.INVALID_DATETIME,
}


def callback_check(
    callback: CallbackRequest, now: datetime
) -> tuple[CallbackPlan | None, CallbackOutcome | None]:
    """(the checked plan, None) or (None, the refusal's outcome)."""
    try:
        plan = callback_plan(
            campaign_id=callback.campaign_id,
            callback_type="USERONLY" if callback.user_only else "",
            callback_user=callback.user,
            callback_datetime=callback.when,
            callback_status=callback.status,
            callback_comments=callback.comments,
            now=now,
        )
    except CallbackRefused as refused:
        return None, CallbackOutcome(
            result=_CALLBACK_REFUSALS[refused.reason],
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
