"""services.add_batch.leads_add_batch: the JSON door's batches through the pipeline's batch
form give the outcomes and stored leads of ``lead_add`` run item by item, in a bounded number
of queries; atomic batches and dry runs keep nothing (hopper and webhook rows included)."""

import dataclasses
from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from campaigns.models import HopperEntry
from leads.models import Lead
from leads.outcomes import DuplicateCheck
from leads.services import LeadActor, LeadRequest, lead_add
from leads.services.add_batch import leads_add_batch
from leads.services.request import (
    AddOptions,
    AltPhoneEntry,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    LeadFields,
)
from leads.tests.factories import DncNumberFactory, LeadFactory, LeadListFactory
from webhooks.models import Delivery, Subscription

from .rest_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

CHECKED = AddOptions(
    dnc=DncMode.NUMBER,
    duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)),
    hopper=HopperRequest(priority=5),
)
ALT_CHECKED = AddOptions(duplicates=DuplicatePolicy(checks=(DuplicateCheck.PHONE_ALT_LIST,)))


def _request(phone: str, list_id: str = "6101", options=CHECKED, **more) -> LeadRequest:
    fields = LeadFields(phone_number=phone, first_name="Ann", **more.pop("fields", {}))
    return LeadRequest(fields=fields, list_id=list_id, options=options, **more)


@pytest.fixture
def mixed():
    """A batch with every kind of outcome, single-form items among batch-form ones."""
    target = LeadListFactory(list_id=6101)
    LeadListFactory(list_id=6102)
    DncNumberFactory(phone_number="7275550002")
    LeadFactory(list=target, phone_number="7275550003")
    return [
        _request("7275550001", fields={"comments": "x" * 300, "gender": "Q", "state": "FLX"}),
        _request("7275550002"),  # system DNC
        _request("7275550003"),  # a lead in the database
        _request("123"),  # invalid phone
        _request("7275550001"),  # an earlier item
        _request("7275550004", list_id="6102"),  # a list the actor may not use
        _request("7275550005", list_id="", date_of_birth=date(1970, 2, 3), rank=7),
        # Single form (alt phones) between batch runs: it sees the items before it, and
        # the items after it see it.
        _request("7275550005", list_id="", alt_phones=(AltPhoneEntry("7275550100"),)),
        _request("7275550006", alt_phones=(AltPhoneEntry("7275550101"),)),
        _request("7275550006"),
        # Other options: a run of their own, checking the phone or alt phone.
        _request("7275550200", options=ALT_CHECKED, fields={"alt_phone": "7275550006"}),
        _request("7275550007", options=ALT_CHECKED, fields={"alt_phone": "7275550200"}),
        _request("7275550200", options=ALT_CHECKED),
        _request("7275550008"),
    ]


def _actor() -> LeadActor:
    return LeadActor(user="batcher", allowed_list_ids=frozenset({"6101", "", "999"}), door="rest")


def _kept_nothing(add):
    """The outcomes of ``add()``, the stored leads it made and their hopper rows; then
    rolled back."""
    with transaction.atomic():
        outcomes = add()
        ids = [o.lead_id for o in outcomes if o.added]
        stored = list(Lead.objects.filter(pk__in=ids).order_by("lead_id").values().iterator())
        hopper = list(
            HopperEntry.objects.filter(lead_id__in=ids)
            .order_by("lead_id")
            .values_list("lead_id", "campaign_id", "list_id", "priority", "state")
        )
        transaction.set_rollback(True)
    return outcomes, stored, hopper


def _normalised(outcomes, stored, hopper):
    """Lead ids as the index of the item that added them (the two runs number apart)."""
    item_of = {o.lead_id: index for index, o in enumerate(outcomes) if o.added}
    shown = []
    for outcome in outcomes:
        data = dataclasses.asdict(outcome)
        data["lead_id"] = item_of.get(outcome.lead_id)
        if data["hopper"]:
            data["hopper"]["hopper_id"] = data["hopper"]["hopper_id"] is not None
        if data["rejected"] and data["rejected"]["duplicate"]:
            hit = data["rejected"]["duplicate"]
            hit["lead_id"] = item_of.get(hit["lead_id"], hit["lead_id"])
        shown.append(data)
    for row in stored:
        row["lead_id"] = item_of[row["lead_id"]]
        del row["modify_date"]  # the insert's clock (auto_now)
    hopper = [(item_of[lead_id], *rest) for lead_id, *rest in hopper]
    return shown, stored, hopper


def test_batch_outcomes_and_stored_leads_equal_lead_add_item_by_item(mixed):
    now = timezone.now()
    actor = _actor()
    batch = _kept_nothing(lambda: leads_add_batch(requests=mixed, actor=actor, now=now))
    single = _kept_nothing(
        lambda: [lead_add(request=request, actor=actor, now=now) for request in mixed]
    )
    assert _normalised(*batch) == _normalised(*single)
    outcomes = batch[0]
    # What the batch shows, so that the comparison cannot pass on two empty runs.
    assert [o.added for o in outcomes] == [
        True, False, False, False, False, False, True, False, True, False, True, True, False,
        True,
    ]  # fmt: skip
    assert outcomes[0].truncated_fields == ["state", "comments"]
    assert outcomes[4].rejected.duplicate.lead_id == outcomes[0].lead_id
    assert outcomes[7].rejected.duplicate.lead_id == outcomes[6].lead_id
    assert outcomes[9].rejected.duplicate.lead_id == outcomes[8].lead_id
    assert outcomes[12].rejected.duplicate.lead_id == outcomes[10].lead_id
    assert outcomes[6].list_text == "999"
    assert len(batch[2]) == 4  # hopper rows of the CHECKED leads added


def test_stored_values_given_are_the_rows_read_back(mixed):
    """The leads ``stored`` receives (made from the values written, not read back) equal
    the stored rows column by column, for every lead of the batch form and none other."""
    requests = [
        *mixed,
        # Characters COPY escapes, in a field whose filter keeps them.
        _request("7275550009", fields={"comments": "a\tb\\c\nd", "last_name": "Zoë"}),
    ]
    stored: dict[int, dict] = {}
    outcomes = leads_add_batch(requests=requests, actor=_actor(), now=timezone.now(), stored=stored)
    single_form = {
        o.lead_id for request, o in zip(requests, outcomes, strict=True) if request.alt_phones
    }
    assert set(stored) == {o.lead_id for o in outcomes if o.added} - single_form
    assert len(stored) == 6
    read_back = {row["lead_id"]: row for row in Lead.objects.filter(pk__in=stored).values()}
    assert stored == read_back


def test_a_batch_of_new_leads_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    """One lock, one query per check, one insert each for leads, hopper and outbox: the
    count does not grow with the batch."""
    LeadListFactory(list_id=6101)
    Subscription.objects.create(name="all", url="https://hooks.example/in")
    requests = [_request(f"72755{n:05d}") for n in range(200)]
    with django_assert_max_num_queries(14):
        outcomes = leads_add_batch(requests=requests, actor=_actor(), now=timezone.now())
    assert all(o.added for o in outcomes)
    assert HopperEntry.objects.count() == 200
    assert Delivery.objects.count() == 1


BATCH = "/api/v1/leads/batch/"
REST_OPTIONS = {"duplicate_checks": ["phone:list"], "add_to_hopper": True}


@pytest.fixture
def hooked():
    LeadListFactory(list_id=6101)
    Subscription.objects.create(name="all", url="https://hooks.example/in")


def test_refused_atomic_batch_keeps_no_lead_hopper_or_webhook_row(rest, hooked):
    leads = [{"list_id": 6101, "phone_number": p} for p in ("7275550001", "7275550001")]
    answer = rest.post(BATCH, {"leads": leads, "options": REST_OPTIONS, "atomic": True}).json()
    assert [item["status"] for item in answer["items"]] == ["rolled_back", "duplicate_in_batch"]
    assert answer["committed"] is False
    assert (Lead.objects.count(), HopperEntry.objects.count(), Delivery.objects.count()) == (
        0,
        0,
        0,
    )


def test_dry_run_batch_writes_no_lead_hopper_or_webhook_row(rest, hooked):
    leads = [{"list_id": 6101, "phone_number": f"727555000{n}"} for n in range(5)]
    answer = rest.post(BATCH, {"leads": leads, "options": REST_OPTIONS}, dry_run="true").json()
    assert answer["counts"]["added"] == 5
    assert all(item["outcome"]["hopper"]["added"] for item in answer["items"])
    assert (Lead.objects.count(), HopperEntry.objects.count(), Delivery.objects.count()) == (
        0,
        0,
        0,
    )
