"""The optional parts of an add: custom values, callback, alt phones, hopper row."""

from collections.abc import Mapping
from datetime import datetime

from callbacks.services import CallbackPlan, CallbackRefused, callback_plan
from campaigns.calltimes import call_time_for_list, lead_is_dialable
from campaigns.services import hopper_add_lead

from ..models import AltPhone, CustomFieldDefinition, Lead
from ..outcomes import (
    AltPhonesOutcome,
    CallbackOutcome,
    CallbackResult,
    CustomFieldsOutcome,
    CustomFieldsResult,
    HopperOutcome,
)
from ..rules import STANDARD_LEAD_COLUMNS
from ..selectors import custom_fields_of_list, list_get, system_settings_get
from .build import custom_value_clean
from .request import AltPhoneEntry, CallbackRequest, HopperRequest

# callbacks.services names its refusals; the pipeline's outcome is typed.
_CALLBACK_REFUSALS = {
    "CAMPAIGN NOT VALID": CallbackResult.CAMPAIGN_NOT_VALID,
    "USER NOT VALID": CallbackResult.USER_NOT_VALID,
    "INVALID CALLBACK DATETIME": CallbackResult.INVALID_DATETIME,
}


def custom_fields(
    raw_values: Mapping[str, str], list_id: int, entry_list_id: int
) -> CustomFieldsOutcome:
    """The list's custom values: each storing field's raw value cleaned, or its default when
    the request does not send it (D15)."""
    if not system_settings_get().custom_fields_enabled:
        return CustomFieldsOutcome(result=CustomFieldsResult.DISABLED)
    target = list_get(list_id)
    if target is None or not target.keeps_custom_fields:
        return CustomFieldsOutcome(result=CustomFieldsResult.NO_STORAGE)
    fields = [
        definition
        for definition in custom_fields_of_list(list_id)
        if definition.field_type not in CustomFieldDefinition.NON_STORING_TYPES
        and definition.field_label not in STANDARD_LEAD_COLUMNS
    ]
    if not fields:
        return CustomFieldsOutcome(result=CustomFieldsResult.NO_FIELDS)
    values = {}
    for definition in fields:
        raw = raw_values.get(definition.field_label)
        if raw is None:
            values[definition.field_label] = definition.field_default or ""
        else:
            values[definition.field_label] = custom_value_clean(raw)
    return CustomFieldsOutcome(
        result=CustomFieldsResult.ADDED,
        values=values,
        entry_list_changed=int(entry_list_id != list_id),
    )


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


def add_to_hopper(hopper: HopperRequest, lead: Lead, now: datetime) -> HopperOutcome:
    target = list_get(lead.list_id)
    if hopper.local_call_time_check and not lead_is_dialable(
        call_time=call_time_for_list(target),
        state=lead.state,
        gmt_offset=lead.gmt_offset_now,
        now=now,
    ):
        return HopperOutcome(added=False)
    entry = hopper_add_lead(
        lead_id=lead.lead_id,
        campaign_id=(target.campaign_id or "") if target is not None else "",
        list_id=lead.list_id,
        gmt_offset_now=lead.gmt_offset_now,
        state=lead.state,
        priority=hopper.priority,
        vendor_lead_code=lead.vendor_lead_code,
    )
    return HopperOutcome(added=True, hopper_id=entry.hopper_id)
