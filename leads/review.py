"""The duplicate review queue: resolving the duplicates uploads and the API kept.

A supervisor discards an incoming lead, inserts it anyway, or copies chosen incoming fields
onto the existing lead. Writes, one transaction per review, as in ``services``.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .importing.options import ImportOptions
from .models import DuplicateReview, Lead
from .rules import LEAD_TEXT_FIELDS, clamp_int, clean_value, parse_date_of_birth, rank_parse
from .selectors import system_settings_get
from .services import CUSTOM_PREFIX, LeadActor, LeadChangeRefused, lead_add, lead_update
from .services.request import (
    NO_DUPLICATE_CHECK,
    AddOptions,
    LeadFields,
    LeadRequest,
    options_from_json,
)
from .services.review import OPTIONS_KEY
from .wording import rejection_text


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

# The door an inserted review's lead came through.
_REVIEW_DOOR = {
    DuplicateReview.Source.UPLOAD: Lead.Door.UPLOAD,
    DuplicateReview.Source.API: Lead.Door.API,
    DuplicateReview.Source.MANUAL: Lead.Door.MANUAL,
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
    - ``insert``: the incoming lead is added by the lead pipeline with the options it was
      checked with, minus the duplicate checks: phone checks, the DNC checks (the number may
      have been added since), time zone, custom values, hopper; its door is the review's
      source. Alt phones and callbacks are not kept with a review, so not replayed;
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


def _review_options(review: DuplicateReview) -> AddOptions:
    """The options the incoming lead was checked with: its import's, or those the API
    request kept with it."""
    if review.import_job_id:
        return ImportOptions.from_json(review.import_job.options).add
    return options_from_json(review.incoming.get(OPTIONS_KEY) or {})


def _review_fields(review: DuplicateReview) -> LeadFields:
    """The incoming lead's fields (kept cleaned), filtered again: a stored value is text."""
    non_latin = system_settings_get().use_non_latin
    incoming = review.incoming
    return LeadFields(
        *[
            clean_value(name, str(incoming.get(name) or ""), non_latin=non_latin)
            for name in LEAD_TEXT_FIELDS
        ]
    )


def _review_insert(review: DuplicateReview, *, user, now: datetime) -> Lead:
    """Add the incoming lead through the lead pipeline with the options it was checked with,
    minus the duplicate checks that a supervisor overrides: the phone, DNC, time-zone,
    custom-field and hopper rules apply as to any new lead (the number may have been put on
    a DNC list since it was loaded)."""
    options = _review_options(review)
    incoming = review.incoming
    custom = incoming.get("custom")
    door = _REVIEW_DOOR[review.source]
    request = LeadRequest(
        fields=_review_fields(review),
        list_id=str(review.list_id),
        options=replace(options, list_exists_check=False, duplicates=NO_DUPLICATE_CHECK),
        date_of_birth=parse_date_of_birth(str(incoming.get("date_of_birth") or "")),
        rank=rank_parse(str(incoming.get("rank") or "")),
        entry_list_id=clamp_int(str(incoming.get("entry_list_id") or ""), default=0),
        custom_values=(
            {str(label): str(value) for label, value in custom.items()}
            if isinstance(custom, dict) and custom
            else None
        ),
    )
    outcome = lead_add(
        request=request, actor=LeadActor(user=user.get_username(), door=door), now=now
    )
    if outcome.rejected is not None:
        raise DuplicateReviewRefused(
            f"Cannot insert the incoming lead: {rejection_text(outcome.rejected)}"
        )
    return Lead.objects.get(pk=outcome.lead_id)


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
