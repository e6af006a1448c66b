"""Adding one lead: the checks of the legacy contract in its order, then the insert."""

from datetime import datetime, timedelta

from django.db import transaction

from callbacks.services import callback_create
from campaigns.selectors import campaign_dnc_blocked
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock, lead_lock_keys

from ..models import DuplicateReview, Lead
from ..outcomes import (
    CallbackOutcome,
    CallbackResult,
    CustomFieldsResult,
    DuplicateHit,
    LeadAddOutcome,
    LeadRejected,
    Rejection,
)
from ..phones import phone_problem
from ..rules import DEFAULT_LIST_ID, clamp_int
from ..selectors import dnc_number_blocked, lead_find_duplicate, list_get
from ..timezones import NANPA_MIN_ROWS, lead_gmt_offset, nanpa_prefix_count, phone_code_state
from .actor import LeadActor
from .build import lead_build
from .hooks import lead_created
from .parts import add_alt_phones, add_to_hopper, callback_check, custom_fields
from .request import DncMode, DuplicatePolicy, LeadRequest
from .review import duplicate_review_add, review_incoming


def lead_add(*, request: LeadRequest, actor: LeadActor, now: datetime) -> LeadAddOutcome:
    """Check and add one lead, then its alt phones, custom values, hopper row and callback.

    Runs the legacy contract's steps in its order (§3): list permission and existence,
    defaults, phone checks, lookup_state, system then campaign DNC, duplicate checks, time
    zone, insert, then the optional parts. A rejection stops at the first failing check and
    writes nothing. Everything is written in the caller's transaction, or in one of its own
    (D10). Duplicate checks hold a lock on the checked values until that transaction ends,
    so concurrent identical requests add one lead (D11).
    """
    with transaction.atomic(savepoint=False):
        return _lead_add(request, actor, now)


def _lead_add(request: LeadRequest, actor: LeadActor, now: datetime) -> LeadAddOutcome:
    fields, options = request.fields, request.options
    phone = fields.phone_number
    list_text = request.list_id
    outcome = LeadAddOutcome(phone_number=phone, list_text=list_text)

    # List permission and existence use the list id as sent: defaults come later (L08, L16).
    if actor.allowed_list_ids is not None and list_text not in actor.allowed_list_ids:
        return _rejected(outcome, Rejection.NOT_ALLOWED_LIST)
    if options.list_exists_check and (
        not list_text or list_get(clamp_int(list_text, default=0)) is None
    ):
        return _rejected(outcome, Rejection.NOT_DEFINED_LIST)

    if len(list_text) < 3:
        list_text = str(DEFAULT_LIST_ID)
    outcome.list_text = list_text
    list_id = clamp_int(list_text, default=DEFAULT_LIST_ID)
    phone_code = fields.phone_code or "1"

    checks = options.phone_checks
    nanpa_check = checks.nanpa_prefix
    tz_method = options.time_zone
    if nanpa_check or tz_method.nanpa:
        rows = nanpa_prefix_count()
        if rows < NANPA_MIN_ROWS:
            outcome.nanpa_rows_when_disabled = rows
            nanpa_check = False
            tz_method = tz_method.when_nanpa_unloaded()

    problem = phone_problem(
        phone_number=phone,
        usacan_prefix_check=checks.usacan_prefix,
        usacan_areacode_check=checks.usacan_areacode,
        nanpa_ac_prefix_check=nanpa_check,
    )
    if problem is not None:
        return _rejected(outcome, Rejection.INVALID_PHONE, phone_problem=problem)

    state = fields.state
    if options.lookup_state and not state:
        state = phone_code_state(phone_code=phone_code, areacode=phone[:3])

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
        hit = _find_duplicate(request, policy, list_id=list_id, now=now)
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
        tz_method=tz_method,
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
    fastsql.lead_insert(lead)
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
        outcome.hopper = add_to_hopper(options.hopper, lead, now)
    if plan is not None:
        callback_create(plan=plan, lead_id=lead.lead_id, list_id=list_id, now=now)
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


def _rejected(outcome: LeadAddOutcome, reason: Rejection, **details) -> LeadAddOutcome:
    outcome.rejected = LeadRejected(reason=reason, **details)
    return outcome


def _find_duplicate(
    request: LeadRequest, policy: DuplicatePolicy, *, list_id: int, now: datetime
) -> DuplicateHit | None:
    fields = request.fields
    phone = fields.phone_number
    dedupe_lock(lead_lock_keys(policy, phone=phone, alt_phone=fields.alt_phone, title=fields.title))
    since = now - timedelta(days=policy.days) if policy.days else None
    for check in policy.checks:
        hit = lead_find_duplicate(
            check,
            phone_number=phone,
            list_id=list_id,
            title=fields.title,
            alt_phone=fields.alt_phone,
            first_name=fields.first_name,
            last_name=fields.last_name,
            since=since,
        )
        if hit is not None:
            return hit
    return None
