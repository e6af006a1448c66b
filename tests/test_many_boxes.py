"""Two LeadHub boxes on one PostgreSQL and one Redis (README, "Production": many boxes).

Each box is ``deploy/run-local`` with one web server (``deploy/run-web``, 2 workers) and one RQ
worker for both queues, the environment of a multi-box site (REDIS_URL: Django's Redis cache and
RQ) and the scheduled jobs every 2 s; TASK_STALE_SECONDS=5 so that a killed import is taken over
quickly. The tests show what the multi-box README promises: a lockout earned on one box holds on
the other at once; a configuration change is in force on every worker of the other box within a
second (the generation number in Redis); an import started on one box runs on a worker and its
progress shows on the other; kill -9 of that worker mid-file lets the other box's worker finish
it with every row stored once; webhooks are delivered once each.

Runs on PostgreSQL with a Redis to use: ``LEADHUB_TEST_REDIS_URL`` names a Redis database
the test may empty (.ci/run starts a private redis-server for it); skipped otherwise:

    LEADHUB_TEST_REDIS_URL=redis://127.0.0.1:6379/2 \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/lh_live \\
        .venv/bin/pytest tests/test_many_boxes.py
"""

import contextlib
import csv
import io
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rq.job import Job as RqJob

from leadhub.db.config_cache import GENERATION_CHECK_SECONDS
from leads.api.auth import LOCK_AFTER_FAILURES
from leads.models import ApiKey, ImportJob, Lead, LeadList
from webhooks.models import Delivery, Subscription
from webhooks.tests.receiver import Receiver

from .test_lockout_live import _database_url, _free_port

REDIS_URL = os.environ.get("LEADHUB_TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.live_server_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the many-boxes deployment is tested on PostgreSQL only (once per CI run)",
    ),
    pytest.mark.skipif(not REDIS_URL, reason="LEADHUB_TEST_REDIS_URL is not set"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90
WAIT_SECONDS = 120
STALE_SECONDS = 5
DEMO = {"function": "add_lead", "source": "manybox", "user": "6666", "list_id": "101"}
RIGHT, WRONG = "1234", "not-the-password"
LOCKED = "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"
IMPORT_ROWS = 60_000  # 12 batches of 5,000: time enough to kill the worker between two
FIRST_IMPORTED_PHONE = 8135000000


def wait_until(what: str, check, seconds: float = WAIT_SECONDS, every: float = 0.2):
    """Poll ``check`` until it returns something true; that value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(every)


@dataclass
class Box:
    """One box: its web server's address, its run-local process and run directory."""

    port: int
    process: subprocess.Popen
    run_dir: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lmapi(self, **params: str) -> str:
        """One legacy API call on a new connection (so the web server's workers take turns)."""
        return httpx.get(f"{self.url}/API/lmapi.php", params=params, timeout=30).text

    def worker_pid(self) -> int:
        return int((self.run_dir / "worker-1.pid").read_text())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        # A worker killed by a test is no child of the test; its group is gone already.


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def boxes(demo, tmp_path, settings):
    """Two boxes on the committed demo data; always stopped afterwards. The test process
    itself uses the site's Redis cache too, so its ORM changes bump the shared generation
    as an admin's save on any box would (leads/signals.py)."""
    _redis().flushdb()
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "leadhub",
    }
    settings.CACHES = {"default": redis_cache, settings.API_LOGINS_CACHE: redis_cache}
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.live_settings",
        "REDIS_URL": REDIS_URL,
        "RQ_REDIS_URL": REDIS_URL,
        "TASK_STALE_SECONDS": str(STALE_SECONDS),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "LEADHUB_WEB_WORKERS": "2",
        "DEBUG": "0",
    }
    env.pop("LEADHUB_CRASH_TEST_STOP", None)
    settings.MEDIA_ROOT = env["MEDIA_ROOT"]
    started: list[Box] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            run_dir = tmp_path / name
            process = subprocess.Popen(
                [str(ROOT / "deploy" / "run-local"), "--web", f"127.0.0.1:{port}"]
                + ["--worker", "webhooks default", "--every", "2", "--run-dir", str(run_dir)],
                env=env,
                cwd=ROOT,
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
            started.append(Box(port, process, run_dir))
        for box in started:
            wait_until(
                f"the web server on {box.port}", lambda box=box: _answers(box), STARTUP_SECONDS
            )
        wait_until("two RQ workers", lambda: len(_rq_workers()) == 2, STARTUP_SECONDS)
        yield started
    finally:
        for box in started:
            box.stop()


def _answers(box: Box) -> bool:
    assert box.process.poll() is None, (box.run_dir / "web-1.log").read_text()
    try:
        return box.lmapi(function="version").startswith("VERSION:")
    except httpx.TransportError:
        return False


def _kill_with_its_children(pid: int) -> None:
    """kill -9 of a worker as a crash of its box takes it: its process group and those of its
    children (RQ 3 runs each job in a work horse with a process group of its own)."""
    family, found = {pid}, True
    while found:
        found = False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            child = int(stat.parent.name)
            if int(fields[1]) in family and child not in family:
                family.add(child)
                found = True
    for member in family:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(member), signal.SIGKILL)


def _rq_workers() -> list:
    from rq import Worker

    return Worker.all(connection=_redis())


def _add(box: Box, phone: int, password: str = RIGHT, **extra: str) -> str:
    return box.lmapi(**{**DEMO, **extra, "phone_number": str(phone), "pass": password})


def test_a_lockout_earned_on_one_box_holds_on_the_other_at_once(boxes):
    a, b = boxes
    # b remembers the right password in the shared cache (D6): the lock must still hold.
    assert _add(b, 7275570000).startswith("SUCCESS:")

    wrong = [_add(a, 7275570001 + n, WRONG) for n in range(LOCK_AFTER_FAILURES)]

    assert all("Login incorrect" in answer for answer in wrong), wrong
    assert [_add(b, 7275570100 + n) for n in range(4)] == [LOCKED] * 4


def test_a_list_created_on_one_box_is_in_force_on_every_worker_of_the_other_within_a_second(
    boxes,
):
    _a, b = boxes
    checked = {"list_id": "555", "list_exists_check": "Y"}
    # Every web worker of b caches "no list 555" (one call each, and more).
    before = [_add(b, 7275580000 + n, **checked) for n in range(6)]
    assert all("NOT A DEFINED LIST ID" in answer for answer in before), before

    # The admin's save path: the model's post_save signal bumps the generation in Redis.
    LeadList.objects.create(list_id=555, list_name="Created on box a")
    time.sleep(GENERATION_CHECK_SECONDS + 0.2)

    after = [_add(b, 7275580100 + n, **checked) for n in range(6)]
    assert all(answer.startswith("SUCCESS:") for answer in after), after


def _rows_csv(rows: int) -> bytes:
    return "".join(f"{FIRST_IMPORTED_PHONE + n},Row{n}\n" for n in range(rows)).encode()


def _progress(box: Box, key: str, job_id: int) -> dict:
    answer = httpx.get(
        f"{box.url}/api/v1/imports/{job_id}/", headers={"Authorization": f"Api-Key {key}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_import_killed_with_its_worker_is_finished_by_the_other_box_once_and_hooks_once(
    boxes,
):
    a, b = boxes
    receiver = Receiver()
    receiver.thread.start()
    Subscription.objects.create(
        name="api leads", url=receiver.url("/leads"), events="lead.created", doors="api"
    )
    Subscription.objects.create(
        name="imports", url=receiver.url("/imports"), events="import.finished"
    )
    profile = get_user_model().objects.get(username="6666").api_profile
    _row, key = ApiKey.objects.create_key(name="manybox", profile=profile)
    # Two API leads on each box: four lead.created hooks.
    for box, phone in ((a, 7275590000), (a, 7275590001), (b, 7275590002), (b, 7275590003)):
        assert _add(box, phone).startswith("SUCCESS:")

    started = httpx.post(
        f"{a.url}/api/v1/imports/",
        headers={"Authorization": f"Api-Key {key}"},
        data={"list_id": "101", "mapping": '{"0": "phone_number", "1": "first_name"}'},
        files={"file": ("vendor.csv", _rows_csv(IMPORT_ROWS), "text/csv")},
        timeout=60,
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]

    # Box b shows the progress of the run on a worker; that worker is killed mid-file.
    mid = wait_until(
        "a committed batch seen from box b",
        lambda: (p := _progress(b, key, job_id))["rows_done"] > 0 and p,
    )
    assert mid["status"] == "running" and mid["rows_done"] < IMPORT_ROWS
    killed_run = ImportJob.objects.get(pk=job_id).task_id
    runner = wait_until(
        "the worker running the import",
        lambda: [w for w in _rq_workers() if w.get_current_job_id() == killed_run],
    )[0]
    _kill_with_its_children(runner.pid)
    killed_at = ImportJob.objects.get(pk=job_id).rows_done
    assert killed_at < IMPORT_ROWS
    survivor = b if runner.pid == a.worker_pid() else a
    assert runner.pid in (a.worker_pid(), b.worker_pid())

    done = wait_until(
        "the import finished by the other box's worker",
        lambda: (p := _progress(survivor, key, job_id))["status"] == "done" and p,
        every=0.5,
    )

    assert done["rows_done"] == IMPORT_ROWS and done["counts"]["added"] == IMPORT_ROWS
    imported = Lead.objects.filter(phone_number__startswith="81350")
    assert imported.count() == IMPORT_ROWS
    assert imported.values("phone_number").distinct().count() == IMPORT_ROWS
    job = ImportJob.objects.get(pk=job_id)
    finisher = RqJob.fetch(job.task_id, connection=_redis()).worker_name
    assert job.task_id != killed_run
    assert finisher == next(w.name for w in _rq_workers() if w.pid == survivor.worker_pid())
    with job.result_csv.open("rb") as raw:
        result = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        rows = Counter(line["row"] for line in csv.DictReader(result))
    assert len(rows) == IMPORT_ROWS and set(rows.values()) == {1}

    hooks = receiver.wait_for(5, timeout=WAIT_SECONDS)
    time.sleep(3)  # anything sent twice would come now
    assert len(receiver.requests) == 5
    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert set(ids.values()) == {1}
    assert sorted(request.path for request in hooks) == ["/imports"] + ["/leads"] * 4
    sent = Delivery.objects.exclude(status=Delivery.Status.EXPANDED)
    assert set(sent.values_list("status", "tries")) == {(Delivery.Status.DELIVERED, 1)}
    receiver.server.shutdown()
