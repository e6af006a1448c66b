"""The JSON door under concurrency, against a live server (PostgreSQL or MariaDB; skipped on
SQLite, see test_concurrency.py): an Idempotency-Key claimed by a running request answers
409 to a concurrent retry, and retries racing the first request add one lead."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import connection

from leads.models import Lead
from leads.rest import adding
from leads.tests.factories import ApiUserFactory, LeadListFactory
from leads.tests.rest_fixtures import key_of

pytestmark = [
    pytest.mark.live_server_db,
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="needs PostgreSQL or MariaDB: the live server shares SQLite's single in-memory "
        "connection across threads, so requests cannot race",
    ),
]

TIMEOUT_SECONDS = 60
LEAD = {
    "list_id": 5601,
    "phone_number": "7275551234",
    "options": {"duplicate_checks": ["phone:list"]},
}


@pytest.fixture
def key(transactional_db) -> str:
    LeadListFactory(list_id=5601)
    return key_of(ApiUserFactory(username="racer"))


def _post(url: str, key: str, body: dict, idempotency_key: str | None) -> tuple[int, dict, dict]:
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    request = urllib.request.Request(
        f"{url}/api/v1/leads/", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_retry_while_the_first_request_runs_is_409_then_replays(live_server, key):
    started, release = threading.Event(), threading.Event()
    real_lead_add = adding.lead_add

    def slow_lead_add(**kwargs):
        started.set()
        assert release.wait(TIMEOUT_SECONDS)
        return real_lead_add(**kwargs)

    with mock.patch.object(adding, "lead_add", slow_lead_add), ThreadPoolExecutor(1) as pool:
        first = pool.submit(_post, live_server.url, key, LEAD, "race-1")
        assert started.wait(TIMEOUT_SECONDS)
        status, _, problem = _post(live_server.url, key, LEAD, "race-1")
        assert status == 409
        assert problem["type"] == "/api/v1/problems/idempotency-key-in-flight/"
        release.set()
        first_status, _, first_body = first.result(TIMEOUT_SECONDS)
    assert first_status == 201
    status, headers, body = _post(live_server.url, key, LEAD, "race-1")
    assert (status, body) == (201, first_body)
    assert headers.get("Idempotent-Replayed") == "true"
    assert Lead.objects.count() == 1


@pytest.mark.parametrize("idempotency_key", ["race-2", None])
def test_simultaneous_requests_add_one_lead(live_server, key, idempotency_key):
    """Ten identical requests at once: with a key, one runs and the others are 409 or get its
    answer replayed; without one, the duplicate check refuses all but one (D11)."""
    barrier = threading.Barrier(10)

    def send(_n):
        barrier.wait(TIMEOUT_SECONDS)
        return _post(live_server.url, key, LEAD, idempotency_key)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))
    statuses = sorted(status for status, _, _ in answers)
    assert Lead.objects.count() == 1
    added = [
        body
        for status, headers, body in answers
        if status == 201 and "Idempotent-Replayed" not in headers
    ]
    assert len(added) == 1
    if idempotency_key:
        assert set(statuses) <= {201, 409}
    else:
        assert statuses == [201] + [409] * 9
