"""D11: concurrent identical add_lead requests with a duplicate check add exactly one lead.

Twenty requests are released at once (a barrier) against a live server, each on its own
thread and so on its own database connection. Run against PostgreSQL and MariaDB:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lh_conc \\
        .venv/bin/pytest tests/test_concurrency.py
    DATABASE_URL=mysql://root@127.0.0.1:3306/lh_conc \\
        .venv/bin/pytest tests/test_concurrency.py

On SQLite the tests are skipped: the test database lives in memory and the live server shares
the test's single connection with every request thread, so requests run one after the other
and a race can never happen; the test would prove nothing.
"""

import io
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection

from leads.models import Lead

pytestmark = [
    pytest.mark.live_server_db,
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="needs PostgreSQL or MariaDB: the live server shares SQLite's single in-memory "
        "connection across threads, so requests cannot race",
    ),
]

REQUESTS = 20
TIMEOUT_SECONDS = 60
# From `manage.py load_demo`: API user 6666/1234, list 101 in TESTCAMP, list 999 without one.
DEMO_CREDENTIALS = {"source": "conctest", "user": "6666", "pass": "1234", "function": "add_lead"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: str

    @property
    def lines(self) -> list[str]:
        return self.body.splitlines()


@pytest.fixture
def demo_server(live_server):
    """The demo data, committed, and the live server that serves it."""
    call_command("load_demo", stdout=io.StringIO())
    return live_server


def _get(url: str, params: dict[str, str]) -> Answer:
    full = f"{url}/API/lmapi.php?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(full, timeout=TIMEOUT_SECONDS) as response:
            return Answer(response.status, response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode("utf-8", "replace"))


def _fire_together(url: str, requests: list[dict[str, str]]) -> list[Answer]:
    """Send every request on its own thread, all released by one barrier."""
    barrier = threading.Barrier(len(requests))

    def send(params: dict[str, str]) -> Answer:
        barrier.wait(timeout=TIMEOUT_SECONDS)
        return _get(url, params)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def _assert_one_line_each(answers: list[Answer]) -> None:
    for answer in answers:
        assert answer.status == 200, answer
        assert answer.body.endswith("\n"), answer
        assert len(answer.lines) == 1, answer


def _race(url: str, requests: list[dict[str, str]]) -> tuple[Lead, list[str]]:
    """Fire the requests together; return the one lead they added and the other answers."""
    phone = requests[0]["phone_number"]
    known = set(Lead.objects.filter(phone_number=phone).values_list("lead_id", flat=True))

    answers = _fire_together(url, requests)

    bodies = [answer.body for answer in answers]
    _assert_one_line_each(answers)
    new = list(Lead.objects.filter(phone_number=phone).exclude(lead_id__in=known))
    assert len(new) == 1, bodies
    added = [body for body in bodies if body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - ")]
    assert len(added) == 1, bodies
    # Both wire profiles print the lead id as one of the |-separated fields.
    assert str(new[0].lead_id) in added[0].rstrip("\n").split(" - ", 1)[1].split("|"), added
    bodies.remove(added[0])
    return new[0], bodies


def test_concurrent_duplist_requests_add_one_lead(demo_server):
    # The second round reuses the phone in another list: same lock key, already-existing lock
    # rows, and DUPLIST must still let exactly one request through.
    for phone, list_id in (("7275550111", "101"), ("7275550111", "999"), ("7275550112", "101")):
        params = {**DEMO_CREDENTIALS, "phone_number": phone, "list_id": list_id}
        params["duplicate_check"] = "DUPLIST"

        lead, others = _race(demo_server.url, [params] * REQUESTS)

        assert lead.list_id == int(list_id)
        duplicate = (
            f"ERROR: add_lead DUPLICATE PHONE NUMBER IN LIST - {phone}|{list_id}|{lead.lead_id}\n"
        )
        assert others == [duplicate] * (REQUESTS - 1)


def test_concurrent_dupsys_requests_across_two_lists_add_one_lead(demo_server):
    for phone in ("7275550221", "7275550222"):
        requests = [
            {
                **DEMO_CREDENTIALS,
                "phone_number": phone,
                "list_id": "101" if n % 2 == 0 else "999",
                "duplicate_check": "DUPSYS",
            }
            for n in range(REQUESTS)
        ]

        lead, others = _race(demo_server.url, requests)

        assert Lead.objects.filter(phone_number=phone).count() == 1
        assert lead.list_id in (101, 999)
        expected = {
            f"ERROR: add_lead DUPLICATE PHONE NUMBER IN SYSTEM - {phone}|{list_id}"
            f"|{lead.lead_id}|{lead.list_id}\n"
            for list_id in ("101", "999")
        }
        assert len(others) == REQUESTS - 1
        assert set(others) <= expected, others
