"""Idempotency-Key on the JSON door's POSTs: the same key and body within 24 hours replays the
first answer without a second write; another body is 422; a key still in flight is 409."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from leads.models import IdempotencyRecord, Lead
from leads.tests.factories import LeadListFactory

from .rest_fixtures import *  # noqa: F403
from .rest_fixtures import RestClient, key_of

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
LEAD = {"list_id": 5401, "phone_number": "7275551234"}


def _with_key(key: str) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def test_retry_replays_the_first_answer_without_a_second_lead(rest):
    LeadListFactory(list_id=5401)
    first = rest.post(LEADS, LEAD, headers=_with_key('"order-1"'))
    again = rest.post(LEADS, LEAD, headers=_with_key('"order-1"'))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1


def test_refusal_is_replayed_as_the_same_problem(rest):
    body = {"phone_number": "123"}
    first = rest.post(LEADS, body, headers=_with_key("bad-phone"))
    again = rest.post(LEADS, body, headers=_with_key("bad-phone"))
    assert first.status_code == again.status_code == 422
    assert again["Content-Type"] == "application/problem+json"
    assert again.json() == first.json()


def test_same_key_with_another_body_is_422(rest):
    rest.post(LEADS, LEAD, headers=_with_key("k1"))
    other = rest.post(LEADS, {**LEAD, "phone_number": "7275550000"}, headers=_with_key("k1"))
    assert other.status_code == 422
    assert other.json()["type"] == "/api/v1/problems/idempotency-key-reused/"
    assert Lead.objects.count() == 1


def test_same_key_on_a_dry_run_is_another_request(rest):
    rest.post(LEADS, LEAD, headers=_with_key("k2"))
    dry = rest.post(LEADS, LEAD, headers=_with_key("k2"), dry_run="true")
    assert dry.status_code == 422


def test_key_still_in_flight_is_409(rest, rest_user):
    """A claim of the same request without an answer yet (its first request is running)."""
    api_key = rest_user.api_profile.api_keys.get()
    with mock.patch("leads.rest.idempotency._fingerprint", return_value="same"):
        IdempotencyRecord.objects.create(
            api_key=api_key,
            idempotency_key="running",
            fingerprint="same",
            created_at=timezone.now(),
        )
        response = rest.post(LEADS, LEAD, headers=_with_key("running"))
    assert response.status_code == 409
    assert response.json()["type"] == "/api/v1/problems/idempotency-key-in-flight/"
    assert Lead.objects.count() == 0


def test_a_key_is_kept_for_24_hours_then_runs_again(rest):
    rest.post(LEADS, LEAD, headers=_with_key("daily"))
    with time_machine.travel(timezone.now() + timedelta(hours=23), tick=False):
        assert rest.post(LEADS, LEAD, headers=_with_key("daily"))["Idempotent-Replayed"]
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        again = rest.post(LEADS, LEAD, headers=_with_key("daily"))
        assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Lead.objects.count() == 2


def test_an_abandoned_claim_is_taken_over(rest, rest_user):
    """A claim whose request died (no answer after 10 minutes) does not block the key."""
    api_key = rest_user.api_profile.api_keys.get()
    with mock.patch("leads.rest.idempotency._fingerprint", return_value="same"):
        IdempotencyRecord.objects.create(
            api_key=api_key,
            idempotency_key="dead",
            fingerprint="same",
            created_at=timezone.now() - timedelta(minutes=11),
        )
        assert rest.post(LEADS, LEAD, headers=_with_key("dead")).status_code == 201


def test_keys_are_per_api_key(rest, rest_user):
    other = RestClient(key_of(rest_user, name="second"))
    assert rest.post(LEADS, LEAD, headers=_with_key("shared")).status_code == 201
    assert other.post(LEADS, LEAD, headers=_with_key("shared")).status_code == 201
    assert Lead.objects.count() == 2


def test_failure_releases_the_key_and_writes_nothing(rest):
    failing = mock.patch("leads.rest.adding.lead_add", side_effect=RuntimeError("boom"))
    with failing, pytest.raises(RuntimeError):
        rest.post(LEADS, LEAD, headers=_with_key("crash"))
    assert IdempotencyRecord.objects.count() == 0
    assert rest.post(LEADS, LEAD, headers=_with_key("crash")).status_code == 201


@pytest.mark.parametrize("value", ['""', "has space", "x" * 256, '"unterminated'])
def test_malformed_key_is_400(rest, value):
    response = rest.post(LEADS, LEAD, headers=_with_key(value))
    assert response.status_code == 400
    assert response.json()["type"] == "/api/v1/problems/idempotency-key-invalid/"
    assert Lead.objects.count() == 0
