"""Adding leads through the JSON door: one lead or a batch, for real or as a dry run, through
the one pipeline (``services.lead_add``; a batch through ``services.add_batch``), answered
with the typed outcome.

A dry run runs the whole pipeline in a transaction that is rolled back: every check and lock
as for real, nothing kept. Ids are not shown in a dry run: a database may hand the same id
to the next real lead (SQLite) or never use it (a PostgreSQL sequence, which a rollback does
not rewind).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import ValidationError

from ..models import Lead
from ..outcomes import LeadAddOutcome
from ..selectors import system_settings_get
from ..services import LeadActor, LeadRequest, lead_add
from ..services.add_batch import leads_add_batch
from .bodies import lead_add_validated
from .outputs import STORED_COLUMNS, lead_json, outcome_json
from .problems import VALIDATION, problem_document, rejection_problem
from .serializers import add_options_build, lead_request_build


class _RollBack(Exception):
    """Leaves a transaction that must keep nothing (a dry run, a refused atomic batch)."""


@dataclass
class Answer:
    status: int
    body: dict


def lead_actor(profile, allowed_list_ids: frozenset[str] | None) -> LeadActor:
    return LeadActor(
        user=profile.user.get_username(), allowed_list_ids=allowed_list_ids, door=Lead.Door.REST
    )


def _hide_ids(lead: dict, outcome: dict) -> None:
    lead["lead_id"] = outcome["lead_id"] = None
    if outcome["hopper"] is not None:
        outcome["hopper"]["hopper_id"] = None


def _added_body(outcome: LeadAddOutcome, lead, *, dry_run: bool) -> dict:
    body = {"dry_run": dry_run, "lead": lead_json(lead), "outcome": outcome_json(outcome)}
    if dry_run:
        _hide_ids(body["lead"], body["outcome"])
    return body


def _answer(outcome: LeadAddOutcome, lead: Lead | None, *, dry_run: bool) -> Answer:
    if outcome.rejected is not None:
        body = rejection_problem(outcome.rejected, dry_run=dry_run)
        return Answer(body["status"], body)
    return Answer(
        status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED,
        _added_body(outcome, lead, dry_run=dry_run),
    )


def lead_add_answer(
    request: LeadRequest, *, actor: LeadActor, dry_run: bool, now: datetime
) -> Answer:
    """Add one lead (or, in a dry run, check it) and answer with the stored lead and the
    outcome, or a problem document for a refusal."""
    answer = None
    added: list[Lead] = []
    try:
        with transaction.atomic():
            outcome = lead_add(request=request, actor=actor, now=now, added=added)
            # The lead as inserted: what reading it back would give, without the query.
            answer = _answer(outcome, added[0] if added else None, dry_run=dry_run)
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return answer


# --- batches -------------------------------------------------------------------------------

# What became of a batch item: added (or would be, in a dry run); refused by the pipeline;
# refused as a duplicate of an earlier item; not matching the schema; checked and added, then
# rolled back with an atomic batch that had a refusal.
ITEM_STATUSES = ("added", "refused", "duplicate_in_batch", "invalid", "rolled_back")


@dataclass
class _Item:
    index: int
    request: LeadRequest | None = None
    errors: dict | None = None
    outcome: LeadAddOutcome | None = None
    problem: dict | None = None
    body: dict = field(default_factory=dict)


def lead_batch_answer(
    data: dict, *, actor: LeadActor, dry_run: bool, atomic: bool, now: datetime
) -> dict:
    """Add up to 1,000 leads, each with its own outcome.

    Each lead's outcome is the pipeline's in the order sent (``services.add_batch``: the
    rules' batch form over the leads that share options, ``lead_add`` for the parts only the
    single form does); a lead added earlier in the batch counts for the duplicate checks of
    later ones, which are reported as duplicates of that item (``earlier_item``), as the
    importer reports in-file duplicates. The batch is one transaction: without ``atomic`` a
    refused lead leaves the others be (a refusal writes nothing); with it, one refused or
    invalid lead rolls the batch back. A dry run checks the batch the same way and rolls it
    all back.
    """
    items = _read_items(data)
    committed = False
    try:
        with transaction.atomic():
            _run_batch(items, actor=actor, dry_run=dry_run, now=now)
            refused = any(item.outcome is None or not item.outcome.added for item in items)
            if dry_run or (atomic and refused):
                raise _RollBack
            committed = True
    except _RollBack:
        pass
    rolled_back = atomic and not committed and not dry_run
    counts = dict.fromkeys(ITEM_STATUSES, 0)
    bodies = []
    for item in items:
        item_status = _item_status(item, rolled_back=rolled_back)
        counts[item_status] += 1
        if dry_run or rolled_back:
            if "lead" in item.body:
                _hide_ids(item.body["lead"], item.body["outcome"])
            if item.problem and "earlier_item" in item.problem:
                item.problem["duplicate"]["lead_id"] = None
        bodies.append({"index": item.index, "status": item_status, **item.body})
    return {
        "dry_run": dry_run,
        "atomic": atomic,
        "committed": committed,
        "counts": counts,
        "items": bodies,
    }


def _read_items(data: dict) -> list[_Item]:
    non_latin = system_settings_get().use_non_latin
    batch_options = add_options_build(data.get("options"), non_latin=non_latin)
    items = []
    for index, raw in enumerate(data["leads"]):
        item = _Item(index)
        try:
            valid = lead_add_validated(raw)
        except ValidationError as error:
            item.errors = error.detail
            item.body["problem"] = problem_document(
                VALIDATION, "This lead does not match the schema.", errors=error.detail
            )
        else:
            item.request = lead_request_build(
                valid, non_latin=non_latin, batch_options=batch_options
            )
        items.append(item)
    return items


def _run_batch(items: list[_Item], *, actor: LeadActor, dry_run: bool, now: datetime) -> None:
    valid = [item for item in items if item.request is not None]
    # The pipeline's batch service (its batch form where it serves the items); a failure is
    # a bug that fails the whole batch (nothing is kept).
    stored: dict[int, dict] = {}
    outcomes = leads_add_batch(
        requests=[item.request for item in valid], actor=actor, now=now, stored=stored
    )
    added_by: dict[int, int] = {}
    for item, outcome in zip(valid, outcomes, strict=True):
        item.outcome = outcome
        if outcome.rejected is not None:
            item.problem = rejection_problem(outcome.rejected, dry_run=dry_run)
            hit = outcome.rejected.duplicate
            if hit is not None and hit.lead_id in added_by:
                item.problem["earlier_item"] = added_by[hit.lead_id]
            item.body["problem"] = item.problem
        else:
            added_by[outcome.lead_id] = item.index
    # The added leads as stored: the batch form's as it wrote them, the others read in one
    # query before a dry run rolls them back.
    added = [item for item in items if item.outcome is not None and item.outcome.added]
    if ids := [item.outcome.lead_id for item in added if item.outcome.lead_id not in stored]:
        stored.update(
            (row["lead_id"], row) for row in Lead.objects.filter(pk__in=ids).values(*STORED_COLUMNS)
        )
    for item in added:
        item.body["lead"] = lead_json(stored[item.outcome.lead_id])
        item.body["outcome"] = outcome_json(item.outcome)


def _item_status(item: _Item, *, rolled_back: bool) -> str:
    if item.errors is not None:
        return "invalid"
    if item.problem is not None:
        return "duplicate_in_batch" if "earlier_item" in item.problem else "refused"
    return "rolled_back" if rolled_back else "added"
