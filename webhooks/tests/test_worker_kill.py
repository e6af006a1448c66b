"""No delivery is lost when the worker is killed mid-try (kill -9): the next worker takes
the delivery over once its lease has run out, and sends it again (at least once, same URL).

The workers are real ``manage.py db_worker --queue-name webhooks`` processes: on PostgreSQL
and MariaDB they share the test database (the test commits), on SQLite a migrated file of
their own (the import crash tests' fixtures)."""

import json
import os
import signal
import time

import pytest

from leads.tests.test_import_crash import (  # noqa: F401  (fixtures)
    database_url,
    environment,
    manage,
    run,
    template_db,
)

from .receiver import Reply

pytestmark = [
    pytest.mark.live_server_db,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

_ADD = """
from django.db import transaction
from django.utils import timezone
from webhooks.outbox import new_lead_url_delivery, outbox_add
with transaction.atomic():
    outbox_add([new_lead_url_delivery({url!r}, lead_id=1, list_id=101, now=timezone.now())])
"""
_STATE = """
import json
from webhooks.models import Attempt, Delivery
d = Delivery.objects.get()
print(json.dumps({"status": d.status, "tries": d.tries, "leased": d.lease_until is not None,
                  "attempts": Attempt.objects.count()}))
"""


def state(env: dict) -> dict:
    return json.loads(run(env, "shell", "-c", _STATE).strip().splitlines()[-1])


def worker(env: dict):
    return manage(
        env, "db_worker", "--queue-name", "webhooks", "--no-startup-delay", "--interval", "0.2"
    )


def test_a_delivery_cut_by_kill_9_is_sent_by_the_next_worker(
    database_url,  # noqa: F811  (the fixture imported above)
    receiver,
    tmp_path,
):
    env = environment(database_url, tmp_path / "media")
    env.update(WEBHOOK_ALLOWED_HOSTS="127.0.0.1", WEBHOOK_LEASE_SECONDS="2")
    receiver.replies.append(Reply(200, b"too late", hold=True))
    run(env, "shell", "-c", _ADD.format(url=receiver.url("/new?lead=1")))

    first = worker(env)
    try:
        receiver.wait_for(1)  # the worker is inside its try, waiting for the answer
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    receiver.release()
    assert state(env) == {"status": "pending", "tries": 0, "leased": True, "attempts": 0}

    second = worker(env)
    try:
        requests = receiver.wait_for(2)
        for _ in range(100):
            if (now := state(env))["status"] != "pending":
                break
            time.sleep(0.1)
    finally:
        second.terminate()
        second.communicate(timeout=30)
    assert [r.path for r in requests] == ["/new?lead=1", "/new?lead=1"]
    assert now == {"status": "delivered", "tries": 1, "leased": False, "attempts": 1}
