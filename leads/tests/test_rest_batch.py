"""POST /api/v1/leads/batch/: up to 1,000 leads, each with its own outcome; in-batch
duplicates reported like the importer's in-file duplicates; per-item or all-or-nothing
transactions; dry runs write nothing."""

import pytest

from campaigns.models import HopperEntry
from leads.models import Lead
from leads.rest.serializers import BATCH_MAX
from leads.tests.factories import DncNumberFactory, LeadFactory, LeadListFactory

from .rest_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/leads/batch/"
DUPLICATES = {"duplicate_checks": ["phone:list"]}


@pytest.fixture
def target():
    return LeadListFactory(list_id=6101)


def _lead(phone: str, **more) -> dict:
    return {"list_id": 6101, "phone_number": phone, **more}


def test_each_lead_has_its_outcome_and_refusals_do_not_stop_the_batch(rest, target):
    DncNumberFactory(phone_number="7275550002")
    existing = LeadFactory(list=target, phone_number="7275550003")
    body = {
        "options": {**DUPLICATES, "dnc": "number"},
        "leads": [
            _lead("7275550001"),
            _lead("7275550002"),
            _lead("7275550003"),
            _lead("1"),
            {"list_id": "not a number", "phone_number": "7275550004"},
            _lead("7275550005"),
        ],
    }
    response = rest.post(BATCH, body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["committed"] is True
    assert [item["status"] for item in answer["items"]] == [
        "added",
        "refused",
        "refused",
        "refused",
        "invalid",
        "added",
    ]
    items = answer["items"]
    assert items[1]["problem"]["type"] == "/api/v1/problems/dnc/"
    assert items[2]["problem"]["duplicate"]["lead_id"] == existing.lead_id
    assert items[3]["problem"]["phone_problem"] == "length"
    assert items[4]["problem"]["errors"]["list_id"]
    assert answer["counts"] == {
        "added": 2,
        "refused": 3,
        "duplicate_in_batch": 0,
        "invalid": 1,
        "rolled_back": 0,
    }
    stored = set(Lead.objects.values_list("lead_id", flat=True))
    assert {items[0]["lead"]["lead_id"], items[5]["lead"]["lead_id"]} <= stored
    assert Lead.objects.count() == 3


def test_in_batch_duplicates_name_the_earlier_item(rest, target):
    body = {
        "options": DUPLICATES,
        "leads": [_lead("7275550011"), _lead("7275550012"), _lead("7275550011")],
    }
    items = rest.post(BATCH, body).json()["items"]
    assert [item["status"] for item in items] == ["added", "added", "duplicate_in_batch"]
    assert items[2]["problem"]["earlier_item"] == 0
    assert items[2]["problem"]["duplicate"]["lead_id"] == items[0]["lead"]["lead_id"]
    assert Lead.objects.count() == 2


def test_a_lead_may_bring_its_own_options(rest, target):
    body = {
        "options": DUPLICATES,
        "leads": [_lead("7275550021"), _lead("7275550021", options={"add_to_hopper": True})],
    }
    items = rest.post(BATCH, body).json()["items"]
    assert [item["status"] for item in items] == ["added", "added"]
    assert HopperEntry.objects.count() == 1


def test_dry_run_reports_in_batch_duplicates_and_writes_nothing(rest, target):
    body = {"options": DUPLICATES, "leads": [_lead("7275550031"), _lead("7275550031")]}
    answer = rest.post(BATCH, body, dry_run="true").json()
    assert answer["dry_run"] is True and answer["committed"] is False
    assert [item["status"] for item in answer["items"]] == ["added", "duplicate_in_batch"]
    assert answer["items"][0]["lead"]["lead_id"] is None
    assert answer["items"][1]["problem"]["duplicate"]["lead_id"] is None
    assert Lead.objects.count() == 0


def test_atomic_batch_with_a_refusal_keeps_nothing(rest, target):
    body = {"atomic": True, "options": DUPLICATES, "leads": [_lead("7275550041"), _lead("12")]}
    answer = rest.post(BATCH, body).json()
    assert answer["committed"] is False
    assert [item["status"] for item in answer["items"]] == ["rolled_back", "refused"]
    assert answer["items"][0]["lead"]["lead_id"] is None
    assert Lead.objects.count() == 0


def test_atomic_batch_without_refusals_is_kept(rest, target):
    body = {"atomic": True, "leads": [_lead("7275550051"), _lead("7275550052")]}
    answer = rest.post(BATCH, body).json()
    assert answer["committed"] is True
    assert Lead.objects.count() == 2


@pytest.mark.parametrize("count", [0, BATCH_MAX + 1])
def test_batch_size_is_1_to_1000(rest, count):
    response = rest.post(BATCH, {"leads": [_lead("7275550061")] * count})
    assert response.status_code == 400
    assert "leads" in response.json()["errors"]
    assert Lead.objects.count() == 0


def test_batch_is_idempotent_too(rest, target):
    body = {"leads": [_lead("7275550071")]}
    first = rest.post(BATCH, body, headers={"HTTP_IDEMPOTENCY_KEY": "batch-1"})
    again = rest.post(BATCH, body, headers={"HTTP_IDEMPOTENCY_KEY": "batch-1"})
    assert again.json() == first.json()
    assert Lead.objects.count() == 1
