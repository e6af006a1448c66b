"""The duplicate review queue: resolving the duplicates uploads and the API kept.

A supervisor discards an incoming lead, inserts it anyway, or copies chosen incoming fields
onto the existing lead. Writes, one transaction per review, as in ``services``.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaigns.selectors import campaign_dnc_blocked

from .models import DuplicateReview, Lead
from .outcomes import LeadInput, LeadRejected, Rejection
from .phones import phone_problem
from .rejection_text import rejection_text
from .rules import LEAD_TEXT_FIELDS, clamp_int
from .selectors import dnc_number_blocked, system_settings_get
from .services import CUSTOM_PREFIX, LeadActor, LeadChangeRefused, lead_build, lead_update
from .timezones import NANPA_MIN_ROWS, lead_gmt_offset, nanpa_prefix_count, phone_code_state


class ReviewAction(enum.StrEnum):
    DISCARD = "discard"
    INSERT = "insert"
    UPDATE = "update"


class DuplicateReviewRefused(Exception):
    """A review that cannot be resolved as asked; the message tells the supervisor why."""


# Incoming fields that may be copied onto the existing lead (custom values: "custom:<label>").
REVIEW_COPYABLE_FIELDS = (*LEAD_TEXT_FIELDS, "date_of_birth")
_REVIEW_STATUS = {
    ReviewAction.DISCARD: DuplicateReview.Status.DISCARDED,
    ReviewAction.INSERT: DuplicateReview.Status.INSERTED,
    ReviewAction.UPDATE: DuplicateReview.Status.UPDATED,
}


def duplicate_review_resolve(
    *,
    review: DuplicateReview,
    action: str,
    fields: Iterable[str] = (),
    user,
    now: datetime | None = None,
) -> DuplicateReview:
    """Resolve one pending review in one transaction, and return it resolved.

    - ``discard``: only the review changes;
    - ``insert``: the incoming lead is added without duplicate checks, with the other rules
      of add_lead: phone checks, the DNC checks it was loaded with (the number may have been
      added since), time zone, defaults and column widths; its door is the review's source.
      Alt phones, hopper and callback of the original request are not replayed;
    - ``update``: the incoming ``fields`` (from REVIEW_COPYABLE_FIELDS, or "custom:<label>")
      are copied onto the existing lead with ``lead_update``.

    Raises DuplicateReviewRefused, writing nothing, when the review is not pending any more
    (resolving twice), the existing lead is gone, the fields are missing or unknown, or the
    incoming values break a rule.
    """
    try:
        action = ReviewAction(action)
    except ValueError:
        raise DuplicateReviewRefused(f"Unknown action {action!r}") from None
    now = now or timezone.now()
    with transaction.atomic():
        locked = DuplicateReview.objects.select_for_update().filter(pk=review.pk).first()
        if locked is None:
            raise DuplicateReviewRefused(f"Review {review.pk} does not exist any more")
        if locked.status != DuplicateReview.Status.PENDING:
            raise DuplicateReviewRefused(
                f"Review {locked.pk} is already resolved ({locked.get_status_display()})"
            )
        if action is ReviewAction.INSERT:
            locked.resolved_lead = _review_insert(locked, user=user, now=now)
        elif action is ReviewAction.UPDATE:
            locked.resolved_lead = _review_update(locked, fields=list(fields), user=user, now=now)
        locked.status = _REVIEW_STATUS[action]
        locked.resolved_at = now
        locked.resolved_by = user
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolved_lead"])
    return locked


@dataclass
class ReviewBulkResult:
    resolved: list[DuplicateReview] = field(default_factory=list)
    # Review id -> why it was not resolved.
    refused: dict[int, str] = field(default_factory=dict)


def duplicate_review_resolve_bulk(
    *,
    reviews: Iterable[DuplicateReview],
    action: str,
    user,
    fields: Iterable[str] = (),
    now: datetime | None = None,
) -> ReviewBulkResult:
    """Resolve each review as ``duplicate_review_resolve`` does, each in its own transaction:
    a refusal (say, a review a colleague resolved meanwhile) leaves the others resolved and
    is reported by review id."""
    fields = list(fields)
    result = ReviewBulkResult()
    for review in reviews:
        try:
            result.resolved.append(
                duplicate_review_resolve(
                    review=review, action=action, fields=fields, user=user, now=now
                )
            )
        except DuplicateReviewRefused as refused:
            result.refused[review.pk] = str(refused)
    return result


def _review_input(review: DuplicateReview) -> LeadInput:
    """The incoming lead, with the settings of its import (if any) under its own values."""
    options = review.import_job.options if review.import_job_id else {}
    params = {}
    for name, value in {**(options or {}), **review.incoming}.items():
        if isinstance(value, bool):
            params[name] = "Y" if value else "N"
        elif isinstance(value, str | int):
            params[name] = str(value)
    return LeadInput.from_params(params, non_latin=system_settings_get().use_non_latin)


def _review_insert(review: DuplicateReview, *, user, now: datetime) -> Lead:
    v = _review_input(review)
    phone = v["phone_number"]
    nanpa_loaded = nanpa_prefix_count() >= NANPA_MIN_ROWS
    rejected = _insert_rejection(v, nanpa_loaded=nanpa_loaded)
    if rejected is not None:
        raise DuplicateReviewRefused(f"Cannot insert the incoming lead: {rejection_text(rejected)}")

    phone_code = v["phone_code"] or "1"
    state = v["state"]
    if v.flag("lookup_state") and not state:
        state = phone_code_state(phone_code=phone_code, areacode=phone[:3])
    tz_method = v["tz_method"] if nanpa_loaded else v["tz_method"].replace("NANPA", "")
    gmt = lead_gmt_offset(
        phone_code=phone_code,
        phone_number=phone,
        state=state,
        postal_code=v["postal_code"],
        owner=v["owner"],
        tz_method=tz_method,
        now=now,
    )
    custom = review.incoming.get("custom")
    custom_values = None
    if isinstance(custom, dict) and custom:
        custom_values = {str(label): str(value) for label, value in custom.items()}
    door = Lead.Door.UPLOAD if review.source == DuplicateReview.Source.UPLOAD else Lead.Door.API
    lead, _ = lead_build(
        v,
        list_id=review.list_id,
        phone_code=phone_code,
        state=state,
        gmt=gmt,
        status="NEW",
        actor=LeadActor(user=user.get_username(), door=door),
        now=now,
        entry_list_id=review.list_id if custom_values else clamp_int(v["entry_list_id"], default=0),
        custom_values=custom_values,
    )
    lead.save(force_insert=True)
    return lead


def _insert_rejection(v: LeadInput, *, nanpa_loaded: bool) -> LeadRejected | None:
    """The add_lead checks an inserted duplicate still passes: phone, system and campaign DNC
    (the number may have been added to a DNC list since it was loaded)."""
    phone = v["phone_number"]
    problem = phone_problem(
        phone_number=phone,
        usacan_prefix_check=v.flag("usacan_prefix_check"),
        usacan_areacode_check=v.flag("usacan_areacode_check"),
        nanpa_ac_prefix_check=v.flag("nanpa_ac_prefix_check") and nanpa_loaded,
    )
    if problem is not None:
        return LeadRejected(reason=Rejection.INVALID_PHONE, phone_problem=problem)
    mode = v["dnc_check"]
    if mode in ("Y", "AREACODE") and dnc_number_blocked(phone, match_areacode=mode == "AREACODE"):
        return LeadRejected(reason=Rejection.DNC)
    mode = v["campaign_dnc_check"]
    if mode in ("Y", "AREACODE") and campaign_dnc_blocked(
        v["campaign_id"], phone, match_areacode=mode == "AREACODE"
    ):
        return LeadRejected(reason=Rejection.CAMPAIGN_DNC)
    return None


def _review_update(review: DuplicateReview, *, fields: list[str], user, now: datetime) -> Lead:
    if not fields:
        raise DuplicateReviewRefused("Choose at least one field to copy onto the existing lead")
    lead = Lead.objects.select_for_update().filter(lead_id=review.existing_lead_id).first()
    if lead is None:
        raise DuplicateReviewRefused(
            "The existing lead does not exist any more: insert or discard the incoming lead"
        )
    incoming = review.incoming
    custom = incoming.get("custom") if isinstance(incoming.get("custom"), dict) else {}
    changes: dict[str, object] = {}
    for name in fields:
        if name.startswith(CUSTOM_PREFIX):
            changes[name] = custom.get(name.removeprefix(CUSTOM_PREFIX), "")
        elif name in REVIEW_COPYABLE_FIELDS:
            changes[name] = incoming.get(name, "")
        else:
            raise DuplicateReviewRefused(f"{name} cannot be copied onto a lead")
    try:
        return lead_update(lead=lead, changes=changes, user=user, now=now)
    except LeadChangeRefused as refused:
        texts = "; ".join(rejection_text(problem) for problem in refused.problems.values())
        raise DuplicateReviewRefused(f"Cannot update lead {lead.lead_id}: {texts}") from None
