"""D11 for the JSON door's batches: batches through the pipeline's batch form (one lock
statement for all their keys, then one query per check) racing single adds of the same
phones, over both doors, store each phone once where the duplicate check refuses it.

Live server, as tests/test_import_races.py: each request thread has its own database
connection. Skipped on SQLite for the reason tests/test_concurrency.py gives.
"""

import io
import json
import random
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from leads.models import ApiKey, Lead

# The same live-server marks and skip as the API's concurrency tests.
from tests.test_concurrency import DEMO_CREDENTIALS, TIMEOUT_SECONDS, _get, pytestmark  # noqa: F401
from tests.test_import_races import _doubled

PHONES = 600
BATCH_SIZE = 50
BATCH_THREADS = 3
SINGLE_THREADS = 3
LIST = 101  # from `manage.py load_demo`


@pytest.fixture
def demo_server(live_server):
    call_command("load_demo", stdout=io.StringIO())
    return live_server


@pytest.fixture
def api_key(demo_server) -> str:
    profile = get_user_model().objects.get(username=DEMO_CREDENTIALS["user"]).api_profile
    _row, key = ApiKey.objects.create_key(name="races", profile=profile, throttle_rate="100000/min")
    return key


def _post(url: str, key: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read())


def _item(phone: str, mixed: bool, index: int) -> dict:
    if mixed and index % 7 == 3:  # single form (alt phones) between batch-form runs
        return {"list_id": LIST, "phone_number": phone, "alt_phones": [{"number": "7275559999"}]}
    return {"list_id": LIST, "phone_number": phone}


def _send_batches(url: str, key: str, phones: list[str], mixed: bool, barrier) -> int:
    """Batches of BATCH_SIZE (``mixed``: some items through ``lead_add``, so that a batch
    runs in several parts); how many leads they added."""
    barrier.wait(timeout=TIMEOUT_SECONDS)
    added = 0
    for start in range(0, len(phones), BATCH_SIZE):
        body = {
            "leads": [
                _item(phone, mixed, index)
                for index, phone in enumerate(phones[start : start + BATCH_SIZE])
            ],
            "options": {"duplicate_checks": ["phone:list"]},
        }
        answer = _post(url, key, "/api/v1/leads/batch/", body)
        assert answer["committed"] is True, answer
        added += answer["counts"]["added"]
    return added


def _send_singles(url: str, key: str, phones: list[str], door: str, barrier) -> int:
    """Single adds over the legacy door or the JSON door; how many they added."""
    barrier.wait(timeout=TIMEOUT_SECONDS)
    added = 0
    for phone in phones:
        if door == "legacy":
            params = {**DEMO_CREDENTIALS, "phone_number": phone, "list_id": str(LIST)}
            answer = _get(url, {**params, "duplicate_check": "DUPLIST"})
            added += answer.body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED")
        else:
            body = {
                "list_id": LIST,
                "phone_number": phone,
                "options": {"duplicate_checks": ["phone:list"]},
            }
            added += bool(_post(url, key, "/api/v1/leads/", body).get("outcome", {}).get("added"))
    return added


def test_batches_racing_single_adds_store_each_phone_once(demo_server, api_key):
    phones = [f"72756{n:05d}" for n in range(PHONES)]
    url = demo_server.url
    senders = []
    for n in range(BATCH_THREADS):
        mine = phones[:]
        random.Random(n).shuffle(mine)
        senders.append((_send_batches, (url, api_key, mine, n == 1)))
    for n in range(SINGLE_THREADS):
        mine = phones[:]
        random.Random(100 + n).shuffle(mine)
        door = "legacy" if n % 2 == 0 else "json"
        senders.append((_send_singles, (url, api_key, mine[: PHONES // 3], door)))
    barrier = threading.Barrier(len(senders))
    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        futures = [pool.submit(send, *args, barrier) for send, args in senders]
        added = [future.result() for future in futures]

    in_list = Lead.objects.filter(list_id=LIST, phone_number__in=phones)
    assert _doubled(in_list) == []
    assert in_list.count() == PHONES
    assert sum(added) == PHONES
    # Both kinds of sender won some races, so the test raced batches against singles.
    assert sum(added[:BATCH_THREADS]) > 0
    assert in_list.filter(door=Lead.Door.REST).count() >= sum(added[:BATCH_THREADS])
