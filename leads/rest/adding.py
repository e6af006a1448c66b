"""Adding leads through the JSON door: one lead or a batch, for real or as a dry run, each
through the one pipeline (``services.lead_add``), answered with the typed outcome.

A dry run runs the whole pipeline in a transaction that is rolled back: every check and lock
as for real, nothing kept. Ids are not shown in a dry run: a database may hand the same id
to the next real lead (SQLite) or never use it (a PostgreSQL sequence, which a rollback does
not rewind).
"""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from rest_framework import status

from ..models import Lead
from ..outcomes import LeadAddOutcome
from ..selectors import system_settings_get
from ..services import LeadActor, LeadRequest, lead_add
from .outputs import LeadSerializer, OutcomeSerializer
from .problems import VALIDATION, problem_document, rejection_problem
from .serializers import LeadAddSerializer, lead_request_build


class _DryRunDone(Exception):
    """Rolls a dry run's transaction back."""


@dataclass
class Answer:
    status: int
    body: dict


def lead_actor(profile, allowed_list_ids: frozenset[str] | None) -> LeadActor:
    return LeadActor(
        user=profile.user.get_username(), allowed_list_ids=allowed_list_ids, door=Lead.Door.REST
    )


def _outcome_body(outcome: LeadAddOutcome, *, dry_run: bool) -> dict:
    body = OutcomeSerializer(outcome).data
    if dry_run:
        body["lead_id"] = None
        if body["hopper"] is not None:
            body["hopper"]["hopper_id"] = None
    return body


def _lead_body(lead_id: int, *, dry_run: bool) -> dict:
    body = LeadSerializer(Lead.objects.get(pk=lead_id)).data
    if dry_run:
        body["lead_id"] = None
    return body


def _answer(outcome: LeadAddOutcome, *, dry_run: bool) -> Answer:
    if outcome.rejected is not None:
        body = rejection_problem(outcome.rejected, dry_run=dry_run)
        return Answer(body["status"], body)
    return Answer(
        status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED,
        {
            "dry_run": dry_run,
            "lead": _lead_body(outcome.lead_id, dry_run=dry_run),
            "outcome": _outcome_body(outcome, dry_run=dry_run),
        },
    )


def lead_add_answer(
    request: LeadRequest, *, actor: LeadActor, dry_run: bool, now: datetime
) -> Answer:
    """Add one lead (or, in a dry run, check it) and answer with the stored lead and the
    outcome, or a problem document for a refusal."""
    if not dry_run:
        with transaction.atomic():
            return _answer(lead_add(request=request, actor=actor, now=now), dry_run=False)
    answer = None
    try:
        with transaction.atomic():
            answer = _answer(lead_add(request=request, actor=actor, now=now), dry_run=True)
            raise _DryRunDone
    except _DryRunDone:
        pass
    return answer


# --- batches -------------------------------------------------------------------------------


@dataclass
class _Item:
    index: int
    answer: Answer | None = None
    errors: dict | None = None
    lead_id: int | None = None


def lead_batch_answer(
    data: dict, *, actor: LeadActor, dry_run: bool, atomic: bool, now: datetime
) -> dict:
    """Add up to 1,000 leads, each with its own outcome.

    Each lead runs through the pipeline in the order sent; a lead added earlier in the batch
    counts for the duplicate checks of later ones, which are reported as duplicates of that
    item (``earlier_item``), as the importer reports in-file duplicates. Without ``atomic``
    each lead commits by itself; with it, one refused or invalid lead rolls back the batch.
    A dry run checks the batch in one transaction that is rolled back.
    """
    non_latin = system_settings_get().use_non_latin
    items = [_Item(index) for index in range(len(data["leads"]))]
    requests: list[LeadRequest | None] = []
    for item, raw in zip(items, data["leads"], strict=True):
        serializer = LeadAddSerializer(data=raw)
        if serializer.is_valid():
            requests.append(
                lead_request_build(
                    serializer.validated_data, non_latin=non_latin, options=data.get("options")
                )
            )
        else:
            item.errors = serializer.errors
            requests.append(None)
    one_transaction = dry_run or atomic
    committed = False
    try:
        with transaction.atomic() if one_transaction else nullcontext():
            _run_batch(items, requests, actor=actor, dry_run=dry_run, now=now)
            refused = any(item.answer is None or item.answer.status >= 400 for item in items)
            if dry_run or (atomic and refused):
                raise _DryRunDone
            committed = True
    except _DryRunDone:
        pass
    rolled_back = atomic and not committed and not dry_run
    statuses = [_item_status(item, rolled_back=rolled_back) for item in items]
    counts = dict.fromkeys(ITEM_STATUSES, 0)
    for item_status in statuses:
        counts[item_status] += 1
    return {
        "dry_run": dry_run,
        "atomic": atomic,
        "committed": committed,
        "counts": counts,
        "items": [
            _item_body(item, item_status, hide_ids=dry_run or rolled_back)
            for item, item_status in zip(items, statuses, strict=True)
        ],
    }


def _run_batch(items, requests, *, actor: LeadActor, dry_run: bool, now: datetime) -> None:
    added_by: dict[int, int] = {}
    for item, request in zip(items, requests, strict=True):
        if request is None:
            continue
        with transaction.atomic():
            outcome = lead_add(request=request, actor=actor, now=now)
            item.answer = _answer(outcome, dry_run=dry_run)
        hit = outcome.rejected.duplicate if outcome.rejected else None
        if hit is not None and hit.lead_id in added_by:
            item.answer.body["earlier_item"] = added_by[hit.lead_id]
        if outcome.added:
            added_by[outcome.lead_id] = item.index
            item.lead_id = outcome.lead_id


# What became of a batch item: added (or would be, in a dry run); refused by the pipeline;
# refused as a duplicate of an earlier item; not matching the schema; checked and added, then
# rolled back with an atomic batch that had a refusal.
ITEM_STATUSES = ("added", "refused", "duplicate_in_batch", "invalid", "rolled_back")


def _item_status(item: _Item, *, rolled_back: bool) -> str:
    if item.errors is not None:
        return "invalid"
    if item.answer.status >= 400:
        return "duplicate_in_batch" if "earlier_item" in item.answer.body else "refused"
    return "rolled_back" if rolled_back else "added"


def _item_body(item: _Item, item_status: str, *, hide_ids: bool) -> dict:
    body: dict = {"index": item.index, "status": item_status}
    if item.errors is not None:
        body["problem"] = problem_document(
            VALIDATION, "This lead does not match the schema.", errors=item.errors
        )
        return body
    answer = item.answer
    if answer.status >= 400:
        if hide_ids and "earlier_item" in answer.body:
            answer.body["duplicate"]["lead_id"] = None
        body["problem"] = answer.body
        return body
    lead, outcome = answer.body["lead"], answer.body["outcome"]
    if hide_ids:
        lead["lead_id"] = outcome["lead_id"] = None
        if outcome["hopper"] is not None:
            outcome["hopper"]["hopper_id"] = None
    body.update(lead=lead, outcome=outcome)
    return body
