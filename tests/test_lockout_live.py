"""D7 against the live production server with 3 workers: lockouts hold across worker processes.

Each test starts deploy/run-web (3 worker processes, tests/live_settings.py) on a free port of
127.0.0.1 against the test database, with ``TRUSTED_PROXIES=127.0.0.2``: requests sent from
the source address 127.0.0.2 play the reverse proxy, requests from 127.0.0.1 a client that
writes its own X-Forwarded-For. Run against PostgreSQL and MariaDB:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lh_live \\
        .venv/bin/pytest tests/test_lockout_live.py
    DATABASE_URL=mysql://root@127.0.0.1:3306/lh_live .venv/bin/pytest tests/test_lockout_live.py

Skipped on SQLite (the test database is in memory, out of the server's reach).
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from leads.api.auth import IP_FAILURE_LIMIT, LOCK_AFTER_FAILURES
from leads.models import ApiLogEntry, ApiUserProfile, Lead, LoginFailureMinute

pytestmark = [
    pytest.mark.live_server_db,
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="needs PostgreSQL or MariaDB: a server cannot reach the in-memory test database",
    ),
]

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3
CLIENT, PROXY = "127.0.0.1", "127.0.0.2"
TIMEOUT_SECONDS = 30
STARTUP_SECONDS = 60
# From `manage.py load_demo` (the `demo` fixture): API user 6666/1234, list 101.
DEMO = {"function": "add_lead", "source": "livetest", "user": "6666", "list_id": "101"}
RIGHT, WRONG = "1234", "not-the-password"
LOCKED = "ERROR: Too many login attempts, try again in 15 minutes: |6666|LOCK|\n"
INCORRECT = "ERROR: Login incorrect, please try again: |6666||BAD|\n"


@dataclass(frozen=True)
class Server:
    port: int

    def get(self, params: dict[str, str], *, source: str = CLIENT, forwarded: str = "") -> str:
        """One API request from ``source``, optionally with an X-Forwarded-For header."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=TIMEOUT_SECONDS, source_address=(source, 0)
        )
        try:
            headers = {"X-Forwarded-For": forwarded} if forwarded else {}
            conn.request("GET", "/API/lmapi.php?" + urllib.parse.urlencode(params), headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            return response.read().decode("utf-8")
        finally:
            conn.close()

    def many(self, requests: list[dict[str, str]], **options: str) -> list[str]:
        """Send the requests concurrently (one thread each, so all workers take some)."""
        with ThreadPoolExecutor(max_workers=min(len(requests), 16)) as pool:
            return list(pool.map(lambda params: self.get(params, **options), requests))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """DATABASE_URL pointed at the test database pytest-django created."""
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def server(demo, tmp_path):
    """The production server (deploy/run-web) with 3 worker processes on the committed demo
    data; always stopped afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.live_settings",
        "TRUSTED_PROXIES": PROXY,
        "DEBUG": "0",
        "LEADHUB_BIND": f"127.0.0.1:{port}",
        "LEADHUB_WEB_WORKERS": str(WORKERS),
        "LEADHUB_PYTHON_BIN": str(Path(sys.executable).parent),
    }
    log = tmp_path / "server.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(ROOT / "deploy" / "run-web")],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        live = Server(port)
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                live.get({"function": "version"})
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        yield live
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def _adds(first_phone: int, count: int, password: str) -> list[dict[str, str]]:
    return [{**DEMO, "pass": password, "phone_number": str(first_phone + n)} for n in range(count)]


def _failures() -> int:
    return ApiUserProfile.objects.get(user__username="6666").failed_login_count


def test_concurrent_failures_all_count_and_the_lock_holds_on_every_worker(server):
    # Every worker has the user cached and the password check remembered (D6).
    warm = server.many(_adds(7275560000, 9, RIGHT))
    assert all(body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED") for body in warm), warm

    first = server.many(_adds(7275560100, LOCK_AFTER_FAILURES - 2, WRONG))
    counted = _failures()
    rest = server.many(_adds(7275560200, 2, WRONG))

    assert first == [INCORRECT] * (LOCK_AFTER_FAILURES - 2)
    assert counted == LOCK_AFTER_FAILURES - 2
    assert rest == [INCORRECT] * 2
    assert _failures() == LOCK_AFTER_FAILURES
    leads = Lead.objects.count()
    after = server.many(_adds(7275560300, 12, RIGHT))
    assert after == [LOCKED] * 12
    assert Lead.objects.count() == leads


def test_the_address_limit_is_shared_by_all_workers(server):
    """More than 50 failures from one address, spread over the workers, refuse it."""
    unknown = {**DEMO, "user": "nobody", "pass": WRONG, "phone_number": "7275560400"}

    answers = server.many(
        [unknown] * (IP_FAILURE_LIMIT + 1), source=PROXY, forwarded="198.51.100.5"
    )
    refused = server.get(_adds(7275560401, 1, RIGHT)[0], source=PROXY, forwarded="198.51.100.5")
    other = server.get(_adds(7275560402, 1, RIGHT)[0], source=PROXY, forwarded="198.51.100.6")

    assert len(answers) == IP_FAILURE_LIMIT + 1
    counted = LoginFailureMinute.objects.filter(address="198.51.100.5").aggregate(n=Sum("failures"))
    assert counted["n"] == IP_FAILURE_LIMIT + 1
    assert refused == LOCKED
    assert other.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED")


def test_forwarded_for_is_honoured_only_from_the_trusted_proxy(server):
    spoofed = server.get(_adds(7275560500, 1, RIGHT)[0], source=CLIENT, forwarded="198.51.100.7")
    proxied = server.get(_adds(7275560501, 1, RIGHT)[0], source=PROXY, forwarded="198.51.100.7")
    server.get(_adds(7275560502, 1, WRONG)[0], source=CLIENT, forwarded="198.51.100.8")

    assert spoofed.startswith("SUCCESS") and proxied.startswith("SUCCESS")
    logged = list(ApiLogEntry.objects.order_by("id").values_list("client_ip", flat=True))
    assert logged[-2:] == [CLIENT, "198.51.100.7"]
    assert list(LoginFailureMinute.objects.values_list("address", flat=True)) == [CLIENT]


def test_the_production_server_keeps_a_connection_open_between_requests(server):
    """deploy/run-web answers HTTP/1.1 keep-alive: several adds on one connection (no TCP
    accept per request), each answered in full."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT_SECONDS)
    bodies: list[str] = []
    ports: set[int] = set()
    try:
        for params in _adds(7275560600, 3, RIGHT):
            conn.request("GET", "/API/lmapi.php?" + urllib.parse.urlencode(params))
            response = conn.getresponse()
            assert response.getheader("Connection", "").lower() != "close"
            bodies.append(response.read().decode("utf-8"))
            ports.add(conn.sock.getsockname()[1])
    finally:
        conn.close()
    assert all(body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED") for body in bodies)
    assert len(ports) == 1  # the same socket carried every request
