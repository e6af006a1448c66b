"""The lead pipeline: one service that every door (legacy API, admin, importer) calls."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from callbacks.services import CallbackRefused, callback_create, callback_plan
from campaigns.calltimes import call_time_for_list, lead_is_dialable
from campaigns.selectors import campaign_dnc_blocked
from campaigns.services import hopper_add_lead

from . import fastsql
from .locking import dedupe_lock, lead_lock_keys, phone_lock_key
from .models import AltPhone, CustomFieldDefinition, DuplicateReview, Lead, LeadList
from .outcomes import (
    AltPhonesOutcome,
    CallbackOutcome,
    CallbackResult,
    CustomFieldsOutcome,
    CustomFieldsResult,
    DuplicateCheck,
    DuplicatePolicy,
    HopperOutcome,
    LeadAddOutcome,
    LeadInput,
    LeadRejected,
    Rejection,
)
from .phones import phone_problem
from .rules import (
    DEFAULT_LIST_ID,
    LEAD_TEXT_FIELDS,
    RANK_MAX,
    STANDARD_LEAD_COLUMNS,
    clamp_hopper_priority,
    clamp_int,
    clean_gender,
    clean_value,
    fit_to_column,
    parse_date_of_birth,
)
from .selectors import (
    custom_fields_of_list,
    dnc_number_blocked,
    lead_find_duplicate,
    lead_find_list_duplicate,
    list_get,
    system_settings_get,
)
from .timezones import (
    NANPA_MIN_ROWS,
    GmtOffset,
    lead_gmt_offset,
    nanpa_prefix_count,
    phone_code_state,
)

MULTI_ALT_MIN_LENGTH = 6


@dataclass(frozen=True)
class LeadActor:
    """Who adds the lead: the name stored in Lead.user and, for a list-restricted user, the
    list ids (as text) they may use; None means every list."""

    user: str
    allowed_list_ids: frozenset[str] | None = None
    door: str = Lead.Door.API


def lead_add(*, lead_input: LeadInput, actor: LeadActor, now: datetime) -> LeadAddOutcome:
    """Check and add one lead, then its alt phones, custom values, hopper row and callback.

    Runs the legacy contract's steps in its order (§3): list permission and existence,
    defaults, phone checks, lookup_state, system then campaign DNC, duplicate checks, time
    zone, insert, then the optional parts. A rejection stops at the first failing check and
    writes nothing. Everything is written in the caller's transaction, or in one of its own
    (D10). Duplicate checks hold a lock on the checked values until that transaction ends,
    so concurrent identical requests add one lead (D11).
    """
    with transaction.atomic(savepoint=False):
        return _lead_add(lead_input, actor, now)


def _lead_add(v: LeadInput, actor: LeadActor, now: datetime) -> LeadAddOutcome:
    phone = v["phone_number"]
    list_text = v["list_id"]
    outcome = LeadAddOutcome(phone_number=phone, list_text=list_text)

    # List permission and existence use the list id as sent: defaults come later (L08, L16).
    if actor.allowed_list_ids is not None and list_text not in actor.allowed_list_ids:
        return _rejected(outcome, Rejection.NOT_ALLOWED_LIST)
    if "Y" in v["list_exists_check"].upper() and (
        not list_text or list_get(clamp_int(list_text, default=0)) is None
    ):
        return _rejected(outcome, Rejection.NOT_DEFINED_LIST)

    if len(list_text) < 3:
        list_text = str(DEFAULT_LIST_ID)
    outcome.list_text = list_text
    list_id = clamp_int(list_text, default=DEFAULT_LIST_ID)
    phone_code = v["phone_code"] or "1"

    nanpa_check = v.flag("nanpa_ac_prefix_check")
    tz_method = v["tz_method"]
    if nanpa_check or "NANPA" in tz_method.upper():
        rows = nanpa_prefix_count()
        if rows < NANPA_MIN_ROWS:
            outcome.nanpa_rows_when_disabled = rows
            nanpa_check = False
            tz_method = tz_method.replace("NANPA", "")

    problem = phone_problem(
        phone_number=phone,
        usacan_prefix_check=v.flag("usacan_prefix_check"),
        usacan_areacode_check=v.flag("usacan_areacode_check"),
        nanpa_ac_prefix_check=nanpa_check,
    )
    if problem is not None:
        return _rejected(outcome, Rejection.INVALID_PHONE, phone_problem=problem)

    state = v["state"]
    if v.flag("lookup_state") and not state:
        state = phone_code_state(phone_code=phone_code, areacode=phone[:3])

    if (mode := v["dnc_check"]) in ("Y", "AREACODE") and dnc_number_blocked(
        phone, match_areacode=mode == "AREACODE"
    ):
        return _rejected(outcome, Rejection.DNC)
    if (mode := v["campaign_dnc_check"]) in ("Y", "AREACODE") and campaign_dnc_blocked(
        v["campaign_id"], phone, match_areacode=mode == "AREACODE"
    ):
        return _rejected(outcome, Rejection.CAMPAIGN_DNC)

    policy = DuplicatePolicy.parse(v["duplicate_check"])
    if policy.checks:
        hit = _find_duplicate(v, policy, list_id=list_id, now=now)
        if hit is not None:
            target = list_get(list_id)
            if actor.door == Lead.Door.API and target is not None and target.review_api_duplicates:
                duplicate_review_add(
                    source=DuplicateReview.Source.API,
                    list_id=list_id,
                    incoming=dict(v.values),
                    existing_lead_id=hit.lead_id,
                    duplicate_check=hit.check.value,
                )
            return _rejected(outcome, Rejection.DUPLICATE, duplicate=hit)

    gmt = lead_gmt_offset(
        phone_code=phone_code,
        phone_number=phone,
        state=state,
        postal_code=v["postal_code"],
        owner=v["owner"],
        tz_method=tz_method,
        now=now,
    )
    entry_list_id = clamp_int(v["entry_list_id"], default=0)
    custom = _custom_fields(v, list_id, entry_list_id) if v["custom_fields"] == "Y" else None
    plan, refused = _callback_plan(v, now) if v.flag("callback") else (None, None)

    stored_custom = custom is not None and custom.result is CustomFieldsResult.ADDED
    lead, outcome.truncated_fields = lead_build(
        v,
        list_id=list_id,
        phone_code=phone_code,
        state=state,
        gmt=gmt,
        # D12: CBHOLD only when the callback will really be stored.
        status="CBHOLD" if plan is not None else "NEW",
        actor=actor,
        now=now,
        entry_list_id=list_id if stored_custom else entry_list_id,
        custom_values=custom.values if stored_custom else None,
    )
    fastsql.insert(lead)
    outcome.lead_id = lead.lead_id
    outcome.list_id = list_id
    outcome.gmt = gmt
    outcome.state = lead.state

    if len(v["multi_alt_phones"]) >= MULTI_ALT_MIN_LENGTH:
        outcome.alt_phones = _add_alt_phones(lead, v["multi_alt_phones"])
    outcome.custom_fields = custom
    if v.flag("add_to_hopper") and v["remove_from_hopper"] != "Y":
        outcome.hopper = _add_to_hopper(v, lead, now)
    if plan is not None:
        callback_create(plan=plan, lead_id=lead.lead_id, list_id=list_id, now=now)
        outcome.callback = CallbackOutcome(
            result=CallbackResult.ADDED,
            campaign_id=v["campaign_id"],
            callback_user=plan.callback_user,
            recipient=plan.recipient,
            time_text=plan.time_text,
            status=plan.status,
        )
    elif refused is not None:
        outcome.callback = refused
    return outcome


def lead_build(
    v: LeadInput,
    *,
    list_id: int,
    phone_code: str,
    state: str,
    gmt: GmtOffset,
    status: str,
    actor: LeadActor,
    now: datetime,
    entry_list_id: int,
    custom_values: dict[str, str] | None,
) -> tuple[Lead, list[str]]:
    """An unsaved Lead from cleaned input, with the contract's defaults and column widths
    (§3.13), and the names of fields that were cut to fit. Shared by every door."""
    defaults = {"phone_code": phone_code, "state": state, "gender": clean_gender(v["gender"])}
    fields: dict[str, str] = {}
    truncated: list[str] = []
    for name in LEAD_TEXT_FIELDS:
        text, cut = fit_to_column(name, defaults.get(name, v[name]))
        fields[name] = text
        if cut:
            truncated.append(name)
    lead = _new_lead(
        {
            **fields,
            "list_id": list_id,
            "status": status,
            "user": actor.user[:20],
            "entry_date": now,
            "last_local_call_time": now,
            "gmt_offset_now": gmt.hours,
            "called_since_last_reset": "N",
            "date_of_birth": parse_date_of_birth(v["date_of_birth"]),
            "rank": min(clamp_int(v["rank"], default=0), RANK_MAX),
            "entry_list_id": entry_list_id,
            "custom_values": custom_values,
            "door": actor.door,
        }
    )
    return lead, truncated


@cache
def _lead_columns() -> tuple[tuple[Field, ...], frozenset[str]]:
    fields = tuple(Lead._meta.concrete_fields)
    return fields, frozenset(f.attname for f in fields)


def _new_lead(values: dict[str, object]) -> Lead:
    """``Lead(**values)`` through Model.__init__'s positional path, which costs half as much
    for a lead's 37 columns (the API's hot path builds one per add). A column missing from
    ``values`` takes its field's default; an unknown name raises TypeError, as a keyword
    would."""
    fields, names = _lead_columns()
    if unknown := values.keys() - names:
        raise TypeError(f"Lead has no columns {sorted(unknown)}")
    return Lead(*[values[f.attname] if f.attname in values else f.get_default() for f in fields])


def _rejected(outcome: LeadAddOutcome, reason: Rejection, **details) -> LeadAddOutcome:
    outcome.rejected = LeadRejected(reason=reason, **details)
    return outcome


def _find_duplicate(v: LeadInput, policy: DuplicatePolicy, *, list_id: int, now: datetime):
    phone = v["phone_number"]
    dedupe_lock(lead_lock_keys(policy, phone=phone, alt_phone=v["alt_phone"], title=v["title"]))
    since = now - timedelta(days=policy.days) if policy.days else None
    for check in policy.checks:
        hit = lead_find_duplicate(
            check,
            phone_number=phone,
            list_id=list_id,
            title=v["title"],
            alt_phone=v["alt_phone"],
            first_name=v["first_name"],
            last_name=v["last_name"],
            since=since,
        )
        if hit is not None:
            return hit
    return None


def duplicate_review_add(
    *,
    source: str,
    list_id: int,
    incoming: dict,
    existing_lead_id: int | None,
    duplicate_check: str,
    import_job_id: int | None = None,
    row_number: int | None = None,
) -> DuplicateReview:
    """Keep a rejected duplicate for a supervisor to discard, insert or merge later."""
    return DuplicateReview.objects.create(
        source=source,
        list_id=list_id,
        incoming=incoming,
        existing_lead_id=existing_lead_id,
        duplicate_check=duplicate_check,
        import_job_id=import_job_id,
        row_number=row_number,
    )


def _custom_fields(v: LeadInput, list_id: int, entry_list_id: int) -> CustomFieldsOutcome:
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
        raw = v.raw.get(definition.field_label)
        if raw is None:
            # D15: a field's default applies when the request does not send it.
            values[definition.field_label] = definition.field_default or ""
        else:
            values[definition.field_label] = custom_value_clean(raw)
    return CustomFieldsOutcome(
        result=CustomFieldsResult.ADDED,
        values=values,
        entry_list_changed=int(entry_list_id != list_id),
    )


def custom_value_clean(raw: str) -> str:
    """A custom field value as the original stores it: '+' is a space, ';' and '"' are
    dropped, one trailing backslash is removed, and --BLANK-- means empty (C09-C11)."""
    value = raw.replace("+", " ").replace(";", "").replace('"', "").replace("\x00", "")
    value = value.removesuffix("\\")
    return "" if value == "--BLANK--" else value


def _callback_plan(v: LeadInput, now: datetime):
    try:
        plan = callback_plan(
            campaign_id=v["campaign_id"],
            callback_type=v["callback_type"],
            callback_user=v["callback_user"],
            callback_datetime=v["callback_datetime"],
            callback_status=v["callback_status"],
            callback_comments=v["callback_comments"],
            now=now,
        )
    except CallbackRefused as refused:
        result = {
            "CAMPAIGN NOT VALID": CallbackResult.CAMPAIGN_NOT_VALID,
            "USER NOT VALID": CallbackResult.USER_NOT_VALID,
            "INVALID CALLBACK DATETIME": CallbackResult.INVALID_DATETIME,
        }[refused.reason]
        return None, CallbackOutcome(
            result=result,
            campaign_id=v["campaign_id"],
            callback_user=v["callback_user"],
            recipient="USERONLY",
            time_text=v["callback_datetime"],
        )
    return plan, None


def _add_alt_phones(lead: Lead, text: str) -> AltPhonesOutcome:
    """Records are separated by '!', their number, code and note by '_'; further parts are
    dropped (M09); an empty record still takes a position (M05)."""
    rows = []
    for position, record in enumerate(text.split("!"), start=1):
        number, code, note = ([*record.split("_"), "", ""])[:3]
        rows.append(
            AltPhone(
                lead=lead,
                alt_phone_count=position,
                phone_code=(code or "1")[:10],
                phone_number=number[:25],
                alt_phone_note=note[:30],
            )
        )
    AltPhone.objects.bulk_create(rows)
    return AltPhonesOutcome(count=len(rows))


def _add_to_hopper(v: LeadInput, lead: Lead, now: datetime) -> HopperOutcome:
    target = list_get(lead.list_id)
    if v.flag("hopper_local_call_time_check") and not lead_is_dialable(
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
        priority=clamp_hopper_priority(v["hopper_priority"]),
        vendor_lead_code=lead.vendor_lead_code,
    )
    return HopperOutcome(added=True, hopper_id=entry.hopper_id)


# --- Editing a lead ----------------------------------------------------------------------------

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
        super().__init__(", ".join(f"{name}: {p.reason.value}" for name, p in problems.items()))


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
                tz_method="",
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
            cleaned[name] = max(-RANK_MAX, min(int(value or 0), RANK_MAX))
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


__all__ = ["DuplicateCheck", "LeadActor", "custom_value_clean", "lead_add"]
