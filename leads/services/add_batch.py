"""Adding many leads at once (the JSON door's batch): ``lead_add``'s outcomes, through the
pipeline's batch form (``leads.pipeline.batch.LeadBatch``) where it can serve them.

The dedupe locks of every item are taken first, in one statement. Then consecutive requests
with the same options that ask only for what the batch form does (no callback, alt phones,
custom values or entry list id) run as one batch: its checks run (one query per check,
in-batch duplicates as an import's in-file duplicates), then its leads, hopper rows and
webhook outbox row are inserted with one statement each, in the same transaction, so no
re-check is needed (as the importer's ``InsertStore``). Other requests go through
``lead_add`` one at a time, in their place in the order, so every item sees the items before
it as ``lead_add`` would.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby

from django.db import connection, transaction

from campaigns.models import HopperEntry
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock_batch
from leads.importing.hooks import batch_deliveries
from webhooks.models import Delivery

from ..models import Lead
from ..outcomes import HopperOutcome, LeadAddOutcome, LeadRejected, Rejection
from ..phones import PhoneProblem
from ..pipeline.batch import LeadBatch, Outcome, RowResult
from ..pipeline.duplicates import duplicate_hit
from ..pipeline.hopper import HopperLead, hopper_entries
from ..pipeline.lists import ListBatch
from ..pipeline.phone_checks import checks_in_force
from ..pipeline.storage import LeadRows, lead_rows_insert
from ..rules import LEAD_TEXT_FIELDS, clean_gender, fit_to_column
from ..timezones import GmtOffset
from .actor import LeadActor
from .add import lead_add, lead_add_lock_keys, shown_list_text
from .request import AddOptions, LeadRequest

# What LeadRows stores of a request: its text fields, date of birth and rank.
_STORED = frozenset(LEAD_TEXT_FIELDS) | {"date_of_birth", "rank"}
_REFUSALS = {Outcome.DNC: Rejection.DNC, Outcome.CAMPAIGN_DNC: Rejection.CAMPAIGN_DNC}


def leads_add_batch(
    *,
    requests: Sequence[LeadRequest],
    actor: LeadActor,
    now: datetime,
    stored: dict[int, dict] | None = None,
) -> list[LeadAddOutcome]:
    """Check and add each request, in order; each outcome is the one ``lead_add`` would give
    for it after the requests before it were added (an earlier item of the batch counts as
    an existing lead for the duplicate checks of later ones). Refusals write nothing.
    Everything is written in the caller's transaction, or in one of its own.

    ``stored``, when given, receives the leads the batch form added, by lead id: each one's
    columns by attribute name, as a query of the stored row gives them (``values()``), made
    from the values that were written rather than read back. Leads added by ``lead_add``
    are not in it."""
    outcomes: list[LeadAddOutcome] = []
    with transaction.atomic(savepoint=False):
        # Every item's keys in one statement, in sorted order, before any check: a batch with
        # several runs never waits for a lock while it holds others (no deadlock with
        # another batch), and ``lead_add``'s own locks are then never waited for.
        keys = {key for request in requests for key in lead_add_lock_keys(request)}
        with connection.cursor() as cursor:
            dedupe_lock_batch(keys, cursor=cursor)
        for options, run in _runs(requests, actor):
            if options is None:
                outcomes += [lead_add(request=r, actor=actor, now=now) for r in run]
            else:
                outcomes += _batch_add(run, options, actor=actor, now=now, stored=stored)
    return outcomes


def batch_form_serves(request: LeadRequest, actor: LeadActor) -> bool:
    """Whether the batch form does all the request asks for: callbacks, alt phones, custom
    values and an entry list id are single-form only, and so is the review of the legacy
    door's duplicates (``lead_add``)."""
    return (
        request.callback is None
        and not request.alt_phones
        and request.custom_values is None
        and request.entry_list_id == 0
        and actor.door != Lead.Door.API
    )


def _runs(
    requests: Sequence[LeadRequest], actor: LeadActor
) -> Iterator[tuple[AddOptions | None, list[LeadRequest]]]:
    """Consecutive requests of one batch (their options) or of ``lead_add`` (None)."""

    def key(request: LeadRequest) -> AddOptions | None:
        return request.options if batch_form_serves(request, actor) else None

    for options, run in groupby(requests, key=key):
        yield options, list(run)


def _row(number: int, request: LeadRequest) -> RowResult:
    fields = request.fields
    values = dict(zip(LEAD_TEXT_FIELDS, fields, strict=True))
    values["list_id"] = request.list_id
    values["date_of_birth"] = request.date_of_birth.isoformat() if request.date_of_birth else ""
    values["rank"] = str(request.rank)
    return RowResult(number=number, cells=[], phone=fields.phone_number, values=values)


def _batch_add(
    requests: list[LeadRequest],
    options: AddOptions,
    *,
    actor: LeadActor,
    now: datetime,
    stored: dict[int, dict] | None,
) -> list[LeadAddOutcome]:
    checker = LeadBatch(options, list_id=None, default_phone_code="1", custom_columns={})
    # The list rule as the single form runs it: the actor's lists, existence when asked.
    checker.lists = ListBatch(
        allowed=actor.allowed_list_ids, exists_check=options.list_exists_check
    )
    rows = [_row(number, request) for number, request in enumerate(requests)]
    with connection.cursor() as cursor:
        # Under the locks the caller took on every row's keys (``checker.lock_keys``).
        checker.check(rows, now=now)
        added = [r for r in rows if r.outcome is Outcome.ADDED]
        for r in added:
            r.custom = None  # the request asked for no custom values
        if added:
            _leads_insert(cursor, added, actor=actor, now=now)
            if stored is not None:
                stored.update(_stored_values(added, actor=actor, now=now))
            deliveries = batch_deliveries(added, actor=actor)
            if deliveries:
                fastsql.rows_insert(cursor, Delivery, *fastsql.instances_as_rows(deliveries))
        hoppers = _hopper_insert(cursor, added, options, now=now)
    nanpa_rows = checks_in_force(options.phone_checks, options.time_zone).nanpa_rows_when_disabled
    outcomes = []
    for r, request in zip(rows, requests, strict=True):
        outcome = LeadAddOutcome(phone_number=r.phone, list_text=request.list_id)
        outcomes.append(outcome)
        listed = checker.lists.list_for(request.list_id)
        if isinstance(listed, Rejection):
            outcome.rejected = LeadRejected(reason=listed)
            continue
        outcome.list_text = shown_list_text(request.list_id, listed)
        outcome.nanpa_rows_when_disabled = nanpa_rows
        if r.outcome is Outcome.ADDED:
            _added(outcome, r, request, hoppers.get(r.number))
        else:
            outcome.rejected = _rejected(r, rows, checker)
    return outcomes


def _leads_insert(cursor, added: list[RowResult], *, actor: LeadActor, now: datetime) -> None:
    """Insert the rows' leads in one statement and set their ids (``storage.lead_rows_insert``,
    as the importer's stores do)."""
    copy = connection.vendor == "postgresql"
    lead_rows_insert(cursor, LeadRows(mapped=_STORED, actor=actor, now=now, copy=copy), added)


class _StoredValues(LeadRows):
    """``LeadRows``' rows with each value as the Python object it was made from (the value
    the database stores and gives back), not as the database's parameter."""

    def _render(self, name: str, value: object) -> object:
        return value


def _stored_values(
    added: list[RowResult], *, actor: LeadActor, now: datetime
) -> Iterator[tuple[int, dict]]:
    """The added rows' leads as ``_leads_insert`` stored them, by lead id (a test compares
    them with the rows read back)."""
    rows = _StoredValues(mapped=_STORED, actor=actor, now=now, copy=False)
    names = list(rows.at)  # the columns in LeadRows' own order
    for r in added:
        yield r.lead_id, dict(zip(names, rows.row(r), strict=True))


def _hopper_insert(
    cursor, added: list[RowResult], options: AddOptions, *, now: datetime
) -> dict[int, HopperOutcome]:
    """The added rows' hopper rows (the hopper rule's batch form), by row number."""
    if options.hopper is None or not added:
        return {}
    leads = [
        HopperLead(r.lead_id, r.list_id, r.gmt, r.state, r.values["vendor_lead_code"])
        for r in added
    ]
    entries = hopper_entries(leads, options.hopper, now=now)
    kept = [entry for entry in entries if entry is not None]
    ids = iter(
        fastsql.rows_insert_returning_ids(cursor, HopperEntry, *fastsql.instances_as_rows(kept))
        if kept
        else ()
    )
    return {
        r.number: HopperOutcome(added=False)
        if entry is None
        else HopperOutcome(added=True, hopper_id=next(ids))
        for r, entry in zip(added, entries, strict=True)
    }


def _added(
    outcome: LeadAddOutcome, r: RowResult, request: LeadRequest, hopper: HopperOutcome | None
) -> None:
    state = fit_to_column("state", r.state)[0]
    # The values lead_build stores, for the names of those cut to fit.
    stored = request.fields._replace(
        phone_code=r.phone_code, state=r.state, gender=clean_gender(request.fields.gender)
    )
    outcome.truncated_fields = [
        name
        for name, value in zip(LEAD_TEXT_FIELDS, stored, strict=True)
        if value and fit_to_column(name, value)[1]
    ]
    outcome.lead_id = r.lead_id
    outcome.list_id = r.list_id
    outcome.gmt = GmtOffset(r.gmt)
    outcome.state = state
    outcome.hopper = hopper


def _rejected(r: RowResult, rows: list[RowResult], checker: LeadBatch) -> LeadRejected:
    """The refusal of a row the batch's checks refused, as the single form words it."""
    if r.outcome is Outcome.INVALID:
        # The list passed (see the caller): a phone check refused it, NANPA's if no other.
        problem = checker.phones.problem_before_nanpa(r.phone)
        return LeadRejected(
            reason=Rejection.INVALID_PHONE,
            phone_problem=problem or PhoneProblem.NANPA_AREACODE_PREFIX,
        )
    if r.outcome is Outcome.DUPLICATE_FILE:
        earlier = rows[r.earlier_row]
        hit = duplicate_hit(r.check, (earlier.lead_id, earlier.list_id, earlier.phone), r.phone)
        return LeadRejected(reason=Rejection.DUPLICATE, duplicate=hit)
    if r.outcome is Outcome.DUPLICATE_DB:
        return LeadRejected(reason=Rejection.DUPLICATE, duplicate=r.duplicate)
    return LeadRejected(reason=_REFUSALS[r.outcome])
