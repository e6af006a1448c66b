"""Editing an existing lead with the rules of a new one."""

from collections.abc import Mapping
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from leadhub.db.locks import dedupe_lock, phone_lock_key

from ..models import Lead, LeadList
from ..outcomes import LeadRejected, Rejection
from ..phones import phone_problem
from ..pipeline.storage import custom_value_clean
from ..rules import (
    LEAD_TEXT_FIELDS,
    clean_gender,
    clean_value,
    fit_to_column,
    parse_date_of_birth,
    rank_parse,
)
from ..selectors import lead_find_list_duplicate, system_settings_get
from ..timezones import PHONE_CODE_ONLY, lead_gmt_offset

# Lead columns a supervisor may change besides list, date of birth, rank and custom values.
LEAD_EDITABLE_TEXT_FIELDS = (*LEAD_TEXT_FIELDS, "status")
# Custom values are changed with keys "custom:<field label>".
CUSTOM_PREFIX = "custom:"
_DUPLICATE_INPUTS = frozenset({"phone_number", "list_id"})
_TIME_ZONE_INPUTS = frozenset({"phone_code", "phone_number", "state", "postal_code"})


class LeadChangeRefused(Exception):
    """A change that would break a lead rule; ``problems`` maps each form field to why."""

    def __init__(self, problems: dict[str, LeadRejected]) -> None:
        self.problems = problems
        super().__init__(", ".join(f"{name}: {p.reason.name}" for name, p in problems.items()))


def lead_change_problems(*, lead: Lead, changes: Mapping[str, object]) -> dict[str, LeadRejected]:
    """What ``lead_update`` would refuse for these changes, by form field; writes nothing.
    At most two indexed queries, none when neither phone number nor list changes."""
    return _change_problems(lead, _changes_clean(changes))


def lead_update(
    *, lead: Lead, changes: Mapping[str, object], user, now: datetime | None = None
) -> Lead:
    """Change an existing lead with the rules of a new one, in one transaction.

    ``changes`` maps field names (``list`` or ``list_id`` included) to new values. Text is
    filtered and cut to the column widths as add_lead does. A changed phone number must pass
    the phone length check, and a changed phone number or list must not duplicate another
    lead of the list (DUPLIST; the lead itself does not count), checked under the lock
    ``lead_add`` takes, so an edit and an add of one number cannot both pass. The time zone
    is recomputed when the phone or address it depends on changes. ``user`` is who asks; the
    lead keeps the user who added it.

    Raises LeadChangeRefused (nothing written), or ValueError for a field that is not
    editable. Returns the saved lead.
    """
    cleaned = _changes_clean(changes)
    with transaction.atomic():
        if _DUPLICATE_INPUTS & cleaned.keys():
            dedupe_lock([phone_lock_key(str(cleaned.get("phone_number", lead.phone_number)))])
        problems = _change_problems(lead, cleaned)
        if problems:
            raise LeadChangeRefused(problems)
        update_fields = {"modify_date"}
        for name, value in cleaned.items():
            if name.startswith(CUSTOM_PREFIX):
                label = name.removeprefix(CUSTOM_PREFIX)
                lead.custom_values = {**(lead.custom_values or {}), label: value}
                update_fields.add("custom_values")
            else:
                setattr(lead, name, value)
                update_fields.add("list" if name == "list_id" else name)
        if _TIME_ZONE_INPUTS & cleaned.keys():
            lead.gmt_offset_now = lead_gmt_offset(
                phone_code=lead.phone_code,
                phone_number=lead.phone_number,
                state=lead.state,
                postal_code=lead.postal_code,
                owner=lead.owner,
                tz_method=PHONE_CODE_ONLY,
                now=now or timezone.now(),
            ).hours
            update_fields.add("gmt_offset_now")
        lead.save(update_fields=sorted(update_fields))
    return lead


def _changes_clean(changes: Mapping[str, object]) -> dict[str, object]:
    non_latin = system_settings_get().use_non_latin

    def text(name: str, value: object) -> str:
        return clean_value(name, "" if value is None else str(value), non_latin=non_latin)

    cleaned: dict[str, object] = {}
    for name, value in changes.items():
        if name.startswith(CUSTOM_PREFIX):
            cleaned[name] = custom_value_clean("" if value is None else str(value))
        elif name in ("list", "list_id"):
            cleaned["list_id"] = value.pk if isinstance(value, LeadList) else int(value)
        elif name == "date_of_birth":
            is_date = value is None or isinstance(value, date)
            cleaned[name] = value if is_date else parse_date_of_birth(text(name, value))
        elif name == "rank":
            cleaned[name] = rank_parse("" if value is None else str(value))
        elif name == "gender":
            cleaned[name] = clean_gender(text(name, value))
        elif name in LEAD_EDITABLE_TEXT_FIELDS:
            value = text(name, value)
            if name == "phone_code":
                value = value or "1"
            cleaned[name] = fit_to_column(name, value)[0]
        else:
            raise ValueError(f"{name} cannot be changed on a lead")
    return cleaned


def _change_problems(lead: Lead, cleaned: Mapping[str, object]) -> dict[str, LeadRejected]:
    if not _DUPLICATE_INPUTS & cleaned.keys():
        return {}
    phone = str(cleaned.get("phone_number", lead.phone_number))
    field_name = "phone_number" if "phone_number" in cleaned else "list"
    if "phone_number" in cleaned:
        problem = phone_problem(
            phone_number=phone,
            usacan_prefix_check=False,
            usacan_areacode_check=False,
            nanpa_ac_prefix_check=False,
        )
        if problem is not None:
            return {field_name: LeadRejected(reason=Rejection.INVALID_PHONE, phone_problem=problem)}
    hit = lead_find_list_duplicate(
        phone_number=phone,
        list_id=int(cleaned.get("list_id", lead.list_id)),
        exclude_lead_id=lead.pk,
    )
    if hit is not None:
        return {field_name: LeadRejected(reason=Rejection.DUPLICATE, duplicate=hit)}
    return {}
