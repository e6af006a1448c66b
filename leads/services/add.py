"""Adding one lead: the checks of the legacy contract in its order, then the insert. Each check
is a rule's single form (``leads.pipeline``); the importer runs the same rules' batch forms."""

from datetime import datetime

from django.db import transaction

from callbacks.services import callback_new
from leadhub.db import fastsql
from leadhub.db.locks import lead_lock_keys

from ..models import DuplicateReview, Lead
from ..outcomes import (
    CallbackOutcome,
    CallbackResult,
    CustomFieldsResult,
    LeadAddOutcome,
    LeadRejected,
    Rejection,
)
from ..pipeline.custom_fields import custom_fields
from ..pipeline.dnc import campaign_dnc_blocked, dnc_number_blocked
from ..pipeline.duplicates import Candidate, duplicate_find
from ..pipeline.hopper import hopper_entry_for, hopper_outcome
from ..pipeline.lists import list_for_lead
from ..pipeline.phone_checks import checks_in_force, phone_check
from ..pipeline.storage import lead_build
from ..pipeline.time_zone import lookup_state
from ..selectors import list_get
from ..timezones import lead_gmt_offset
from .actor import LeadActor
from .hooks import lead_created
from .parts import add_alt_phones, callback_check
from .request import DncMode, LeadRequest
from .review import duplicate_review_add, review_incoming


def lead_add(
    *, request: LeadRequest, actor: LeadActor, now: datetime, added: list[Lead] | None = None
) -> LeadAddOutcome:
    """Check and add one lead, then its alt phones, custom values, hopper row and callback.

    Runs the legacy contract's steps in its order (§3): list permission and existence,
    defaults, phone checks, lookup_state, system then campaign DNC, duplicate checks, time
    zone, insert, then the optional parts. A rejection stops at the first failing check and
    writes nothing. Everything is written in the caller's transaction, or in one of its own
    (D10). Duplicate checks hold a lock on the checked values until that transaction ends,
    so concurrent identical requests add one lead (D11).

    ``added``, when given, receives the new lead as inserted (every column as stored; no
    later step changes the row), for a door that answers with it.
    """
    with transaction.atomic(savepoint=False):
        return _lead_add(request, actor, now, added)


def _lead_add(
    request: LeadRequest, actor: LeadActor, now: datetime, added: list[Lead] | None
) -> LeadAddOutcome:
    fields, options = request.fields, request.options
    phone = fields.phone_number
    list_text = request.list_id
    outcome = LeadAddOutcome(phone_number=phone, list_text=list_text)

    list_id = list_for_lead(
        list_text, allowed=actor.allowed_list_ids, exists_check=options.list_exists_check
    )
    if type(list_id) is Rejection:
        return _rejected(outcome, list_id)
    outcome.list_text = shown_list_text(list_text, list_id)
    phone_code = fields.phone_code or "1"

    in_force = checks_in_force(options.phone_checks, options.time_zone)
    outcome.nanpa_rows_when_disabled = in_force.nanpa_rows_when_disabled
    problem = phone_check(phone, in_force.phone_checks)
    if problem is not None:
        return _rejected(outcome, Rejection.INVALID_PHONE, phone_problem=problem)

    state = lookup_state(
        wanted=options.lookup_state, state=fields.state, phone_code=phone_code, phone=phone
    )

    if (mode := options.dnc) is not DncMode.OFF and dnc_number_blocked(
        phone, match_areacode=mode is DncMode.AREACODE
    ):
        return _rejected(outcome, Rejection.DNC)
    if (mode := options.campaign_dnc) is not DncMode.OFF and campaign_dnc_blocked(
        options.campaign_id, phone, match_areacode=mode is DncMode.AREACODE
    ):
        return _rejected(outcome, Rejection.CAMPAIGN_DNC)

    policy = options.duplicates
    if policy.checks:
        candidate = Candidate(
            phone, list_id, fields.title, fields.alt_phone, fields.first_name, fields.last_name
        )
        hit = duplicate_find(policy, candidate, now=now)
        if hit is not None:
            target = list_get(list_id)
            if actor.door == Lead.Door.API and target is not None and target.review_api_duplicates:
                duplicate_review_add(
                    source=DuplicateReview.Source.API,
                    list_id=list_id,
                    incoming=review_incoming(request),
                    existing_lead_id=hit.lead_id,
                    duplicate_check=hit.check,
                )
            return _rejected(outcome, Rejection.DUPLICATE, duplicate=hit)

    gmt = lead_gmt_offset(
        phone_code=phone_code,
        phone_number=phone,
        state=state,
        postal_code=fields.postal_code,
        owner=fields.owner,
        tz_method=in_force.time_zone,
        now=now,
    )
    entry_list_id = request.entry_list_id
    custom = None
    if request.custom_values is not None:
        custom = custom_fields(request.custom_values, list_id, entry_list_id)
    plan, refused = callback_check(request.callback, now) if request.callback else (None, None)

    stored_custom = custom is not None and custom.result is CustomFieldsResult.ADDED
    lead, outcome.truncated_fields = lead_build(
        fields,
        list_id=list_id,
        phone_code=phone_code,
        state=state,
        gmt=gmt,
        # D12: CBHOLD only when the callback will really be stored.
        status="CBHOLD" if plan is not None else "NEW",
        actor=actor,
        now=now,
        date_of_birth=request.date_of_birth,
        rank=request.rank,
        entry_list_id=list_id if stored_custom else entry_list_id,
        custom_values=custom.values if stored_custom else None,
    )
    hopper = hopper_entry_for(options.hopper, lead, now) if options.hopper is not None else None
    callback = callback_new(plan=plan, list_id=list_id, now=now) if plan is not None else None
    # The hopper row and the callback go with the lead: one round trip on PostgreSQL.
    fastsql.lead_insert(lead, [row for row in (hopper, callback) if row is not None])
    if added is not None:
        added.append(lead)
    # What follows a new lead's insert (alt phones) comes after this line, as after the
    # insert of a batch in importing.stores._Store._write.
    # Webhooks (issue 12, D19): the new-lead URL and lead.created, in this transaction.
    lead_created(lead, door=actor.door, now=now)
    outcome.lead_id = lead.lead_id
    outcome.list_id = list_id
    outcome.gmt = gmt
    outcome.state = lead.state

    if request.alt_phones:
        outcome.alt_phones = add_alt_phones(lead, request.alt_phones)
    outcome.custom_fields = custom
    if options.hopper is not None:
        outcome.hopper = hopper_outcome(hopper)
    if plan is not None:
        outcome.callback = CallbackOutcome(
            result=CallbackResult.ADDED,
            # Echoed as the caller wrote it; stored as the campaign spells it (D11).
            campaign_id=request.callback.campaign_id,
            callback_user=plan.callback_user,
            recipient=plan.recipient,
            time_text=plan.time_text,
            status=plan.status,
        )
    elif refused is not None:
        outcome.callback = refused
    return outcome


def shown_list_text(list_text: str, list_id: int) -> str:
    """The list id an outcome shows: as the caller wrote it, or the default list's id when
    fewer than 3 digits chose it (L08)."""
    return str(list_id) if len(list_text) < 3 else list_text


def _rejected(outcome: LeadAddOutcome, reason: Rejection, **details) -> LeadAddOutcome:
    outcome.rejected = LeadRejected(reason=reason, **details)
    return outcome


def lead_add_lock_keys(request: LeadRequest) -> list[str]:
    """The keys ``lead_add`` locks for this request's duplicate check (none without one): a
    door may lock them earlier in the same transaction (``locks.dedupe_locks_held``)."""
    policy, fields = request.options.duplicates, request.fields
    if not policy.checks:
        return []
    return lead_lock_keys(
        policy,
        phone=fields.phone_number,
        alt_phone=fields.alt_phone,
        title=fields.title,
    )
