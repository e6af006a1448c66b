"""Benchmark of the legacy add_lead API under LeadHub's web server on PostgreSQL, driven by wrk.

    .venv/bin/python bench/api_bench.py                 # simple and mix, concurrency 1 and 8
    .venv/bin/python bench/api_bench.py --duration 5    # a quicker look
    .venv/bin/python bench/api_bench.py --profile 500   # where one request's time goes
    .venv/bin/python bench/api_bench.py --baseline      # also a bare Django view, for scale
    .venv/bin/python bench/api_bench.py --baseline --rounds 2 --soak-minutes 20  # issue 14
    .venv/bin/python bench/api_bench.py --baseline --floor --scenarios simple  # statements' cost

What it does: drops and re-creates the database (default ``leadhub_bench`` on the local
PostgreSQL), migrates it, runs ``load_demo`` and preloads 500,000 leads (``--preload``);
starts LeadHub's production server (``deploy/run-web``; ``--server`` picks gunicorn instead,
to compare servers) on a free port of 127.0.0.1 with persistent database connections and
DEBUG off; warms it up; runs ``bench/wrk/add_lead.lua`` once per scenario and concurrency;
prints a table; stops the server. ``--rounds N`` repeats the whole comparison N times in one
run; ``--soak-minutes M`` then runs the simple add at concurrency 8 for M minutes on a warm
server and reports its p99, its slowest request and the requests over 50 ms.
Every request goes to 127.0.0.1, every run is bounded in time, and every server is stopped
whatever happens. The database is kept (for ``--profile --reuse-database``); the next run
drops it. Besides requests/s and latency it prints the CPU time per request of gunicorn,
PostgreSQL and wrk, and how busy the machine was: the CPU figures hold even when other
programs share the machine, the throughput does not.

With ``--baseline`` it first runs the simple scenario against ``bench/baseline_app.py``, a bare
Django view doing two SELECTs and one INSERT (the issue's yardstick), on the reference server
(gunicorn, 3 sync workers: on 2 cores, 2 would leave the CPU idle while they wait for the
database) on the same database: this VM's speed moves from run to run, and the baseline
measured in the same minute tells how fast the machine was. The summary prints LeadHub/bare
per concurrency and round, and the mixed add's rate over the simple add's.

With ``--floor`` (and ``--baseline``) it also runs ``bench/floor_app.py`` on LeadHub's own
server: the bare view's Python running LeadHub's own six statements of a simple add through
``leadhub.db``. floor/bare is the share of the bare view's rate that LeadHub's statements
alone leave on that server (no Python cut goes above it); LeadHub/floor is what LeadHub's
Python costs.

With ``--profile N`` it instead runs N requests per scenario in-process through the WSGI
application (as gunicorn calls it) under cProfile against the same database, and prints the
time per request by area (driver and database, ORM, Django's handler, LeadHub), the functions
with the most cumulative time, and the queries of one request.

The figures are printed, never asserted: copy them into bench/RESULTS.md.
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = ROOT / "bench" / "wrk" / "add_lead.lua"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_bench"
# Demo API user (manage.py load_demo).
USER, PASSWORD = "6666", "1234"
SCENARIOS = {
    "simple": {"list_id": "101", "duplicate_check": "DUPLIST"},
    "mix": {
        "list_id": "101",
        "duplicate_check": "DUPLIST",
        "dnc_check": "Y",
        "add_to_hopper": "Y",
        "callback": "Y",
        "campaign_id": "TESTCAMP",
        "callback_datetime": "NOW",
    },
}
# wrk threads and connections per concurrency level.
WRK_SHAPES = {1: (1, 1), 8: (2, 8)}
# Servers --server can start for LeadHub; the bare view always runs on "gunicorn-sync" with
# 3 workers (the issues' reference).
SERVERS = ("run-web", "gunicorn-sync", "gunicorn-gthread")
REFERENCE_WORKERS = 3
SLOW_MS = 50
WARMUP_SECONDS = 3
STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 15
SETUP_TIMEOUT = 600
# Local ports in TIME_WAIT above which a run waits (a 20 s run at 1,000/s leaves 20,000).
TIME_WAIT_LIMIT = 10_000
BENCH_AREA_CODE = "602"  # the Lua script's numbers: 602 and 7 digits (a block per run)
# Numbers a block holds per wrk thread and second of run (above any rate seen here).
NUMBERS_PER_THREAD_SECOND = 2000
PROFILE_PHONE_PREFIX = "6029"  # the wrk runs' blocks stay below it
# The wrk runs' blocks stay below the demo's lead 602-555-0199 (manage.py load_demo), whose
# number would otherwise start every run's blocks above it.
NUMBER_LIMIT = 5_550_000
BASELINE_APP = "bench.baseline_app:application"
FLOOR_APP = "bench.floor_app:application"
# A call centre's database already holds leads. An empty leads table is not what production
# sees: PostgreSQL then re-analyses and vacuums it every few hundred inserts (its thresholds
# grow with the table), which doubles the database's time per add in the first minutes.
PRELOAD_LEADS = 500_000
PRELOAD_PREFIX = 813  # an area code the runs never use


@dataclass
class RunResult:
    scenario: str
    concurrency: int
    requests: int
    seconds: float
    added: int
    duplicates: int
    other: int
    incomplete: int
    socket_errors: int
    non_2xx: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    over_50ms: int
    sample: str
    # CPU seconds spent during the run: gunicorn workers, PostgreSQL backends of the bench
    # database, wrk; and how busy the whole machine was (all CPUs, 0-100 %).
    cpu_app: float = 0.0
    cpu_db: float = 0.0
    cpu_wrk: float = 0.0
    machine_busy: float = 0.0
    round: int = 0
    server: str = ""

    def cpu_ms_per_request(self, seconds: float) -> float:
        return 1000 * seconds / self.requests if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def main() -> int:
    args = _parse_args()
    url = urllib.parse.urlsplit(args.database_url)
    if url.scheme not in {"postgres", "postgresql"} or url.hostname not in LOCAL_HOSTS:
        sys.exit("--database-url must be a PostgreSQL database on this machine (127.0.0.1)")
    env = _server_env(args.database_url)
    if not args.reuse_database:
        _create_database(args.database_url)
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "load_demo")
        _preload(args.database_url, args.preload)
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs; figures need a quiet machine)")
    if args.profile:
        _profile(args, env)
        return 0
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    results = _load_runs(args, env)
    _print_table(results, args)
    _print_summary(results, args)
    print(f"load average after: {_load()}")
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--duration", type=int, default=20, help="seconds per run (default 20)")
    parser.add_argument(
        "--scenarios", default="simple,mix", help="comma-separated: simple, mix (default both)"
    )
    parser.add_argument(
        "--concurrency", default="1,8", help="comma-separated levels: 1, 8 (default both)"
    )
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="run-web",
        help="LeadHub's server: deploy/run-web (default, the production server) or gunicorn "
        "with sync workers or with threads and keep-alive (gthread)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="LeadHub's worker processes (default: deploy/run-web's default; 3 for gunicorn)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (run-web, gthread)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the whole comparison (default 1)"
    )
    parser.add_argument(
        "--soak-minutes",
        type=float,
        default=0,
        help="then run the simple add at c8 this long on a warm server (p99, requests > 50 ms)",
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="first run the simple scenario against a bare Django view (bench/baseline_app.py)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="with --baseline: also the bare view running LeadHub's statements "
        "(bench/floor_app.py)",
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="skip drop/create/migrate/load_demo (runs take run numbers not used yet)",
    )
    parser.add_argument(
        "--preload",
        type=int,
        default=PRELOAD_LEADS,
        metavar="N",
        help=f"leads already in the database before the runs (default {PRELOAD_LEADS:,})",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of wrk: N in-process requests per scenario under cProfile",
    )
    args = parser.parse_args()
    args.scenarios = [name for name in args.scenarios.split(",") if name]
    args.concurrency = [int(level) for level in args.concurrency.split(",") if level]
    unknown = set(args.scenarios) - set(SCENARIOS) or set(args.concurrency) - set(WRK_SHAPES)
    if unknown:
        parser.error(f"unknown scenario or concurrency: {sorted(unknown)}")
    if not 1 <= args.duration <= 600:
        parser.error("--duration must be 1-600 seconds")
    if not 0 <= args.soak_minutes <= 60 or not 0 <= args.rounds <= 5:
        parser.error("--soak-minutes must be 0-60 and --rounds 0-5")
    return args


def _server_env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "LEADHUB_REQUIRE_SECRET_KEY": "1",
        "CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LEADHUB_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "DJANGO_SETTINGS_MODULE": "leadhub.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PYTEST_VERSION", None)
    return env


def _connect(url: str):
    """An autocommit connection for the benchmark's own setup and bookkeeping statements."""
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=10)


def _create_database(database_url: str) -> None:
    from psycopg import sql

    url = urllib.parse.urlsplit(database_url)
    name = url.path.lstrip("/")
    admin = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    print(f"database: dropping and creating {name!r} on {url.hostname}:{url.port or 5432}")
    with _connect(admin) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _preload(database_url: str, rows: int) -> None:
    """Insert ``rows`` leads into list 101 and 999 in one statement, then VACUUM ANALYZE."""
    if rows <= 0:
        return
    print(f"preloading {rows:,} leads")
    text_columns = (
        "vendor_lead_code, source_id, title, middle_initial, address1, address2, address3, "
        "city, state, province, postal_code, country_code, alt_phone, email, security_phrase, "
        "comments, owner"
    )
    blanks = ", ".join(["''"] * len(text_columns.split(", ")))
    with _connect(database_url) as conn:
        conn.execute(
            'INSERT INTO leads_lead (entry_date, modify_date, status, "user", list_id, '
            "called_since_last_reset, phone_code, phone_number, first_name, last_name, gender, "
            f"called_count, rank, entry_list_id, door, gmt_offset_now, {text_columns}) "
            "SELECT now() - make_interval(mins => g), now(), 'NEW', '6666', "
            "CASE WHEN g %% 2 = 0 THEN 101 ELSE 999 END, 'N', '1', "
            f"'{PRELOAD_PREFIX}' || lpad(g::text, 7, '0'), 'Pre', 'Loaded', 'U', 0, 0, 0, "
            f"'api', -5, {blanks} FROM generate_series(1, %s) AS g",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE leads_lead")


def _manage(env: dict[str, str], *command: str) -> None:
    print(f"manage.py {' '.join(command)}")
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=SETUP_TIMEOUT,
        stdout=subprocess.DEVNULL,
    )


# --- load runs --------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A web server in its own process group, always stopped on exit (SIGTERM, then SIGKILL).

    ``kind`` "run-web" is deploy/run-web (LeadHub's production server); "gunicorn-sync" and
    "gunicorn-gthread" are gunicorn with sync workers, or with threads and keep-alive.
    """

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        log_dir: Path,
        app: str,
        kind: str,
        workers: int | None,
        threads: int | None,
    ) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        url = urllib.parse.urlsplit(env["DATABASE_URL"])
        self.database = url.path.lstrip("/")
        self.admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
        self.log_path = log_dir / f"{kind}-{app.replace(':', '-')}.log"
        env = {**env, "LEADHUB_BIND": f"127.0.0.1:{port}"}
        if kind == "run-web":
            command = [str(ROOT / "deploy" / "run-web")]
            if app != "leadhub.wsgi":
                env["LEADHUB_WSGI_APP"] = app
            env["LEADHUB_PYTHON_BIN"] = str(Path(sys.executable).parent)
            if workers:
                env["LEADHUB_WEB_WORKERS"] = str(workers)
            if threads:
                env["LEADHUB_WEB_THREADS"] = str(threads)
            self.describe = f"deploy/run-web (granian WSGI, workers {workers or 'default'})"
        else:
            gunicorn = Path(sys.executable).with_name("gunicorn")
            workers = workers or REFERENCE_WORKERS
            command = [
                str(gunicorn if gunicorn.exists() else "gunicorn"),
                app,
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
            ]
            if kind == "gunicorn-gthread":
                command += ["-k", "gthread", "--threads", str(threads or 2), "--keep-alive", "30"]
            else:
                command += ["-k", "sync"]
            self.describe = f"gunicorn {' '.join(command[6:])}, {workers} workers"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        url = f"{self.base_url}/API/lmapi.php?function=version"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {STARTUP_TIMEOUT} s")

    def backend_pids(self) -> list[int]:
        with _connect(self.admin_url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchall()
        return [pid for (pid,) in rows]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)


class NumberBlocks:
    """Hands each wrk run its own block of phone numbers (602 and 7 digits), after the highest
    number a bench run already stored in this database, so every run measures adds."""

    def __init__(self, database_url: str) -> None:
        self.next = _first_free_number(database_url)

    def take(self, threads: int, seconds: float) -> tuple[int, int]:
        stride = max(1000, int(seconds * NUMBERS_PER_THREAD_SECOND))
        # A long run (the soak) takes what is left when that still covers the fastest rate
        # a wrk thread has reached here (about 800 adds/s).
        stride = min(stride, (NUMBER_LIMIT - self.next) // threads)
        if stride < max(1000, seconds * NUMBERS_PER_THREAD_SECOND // 2):
            raise RuntimeError("phone numbers used up: run without --reuse-database")
        base, self.next = self.next, self.next + threads * stride
        return base, stride


def _load_runs(args: argparse.Namespace, env: dict[str, str]) -> list[RunResult]:
    results = []
    # SIGTERM/SIGINT to this script: unwind through finally, which stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    numbers = NumberBlocks(env["DATABASE_URL"])
    if args.baseline:
        _baseline_table(env["DATABASE_URL"])
    for round_number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"round {round_number} of {args.rounds}")
        if args.baseline:
            results += _serve_and_run(
                args, env, BASELINE_APP, "gunicorn-sync", ["simple"], numbers, "baseline"
            )
        if args.baseline and args.floor:
            results += _serve_and_run(
                args, env, FLOOR_APP, args.server, ["simple"], numbers, "floor"
            )
        results += _serve_and_run(args, env, "leadhub.wsgi", args.server, args.scenarios, numbers)
        for result in results:
            result.round = result.round or round_number
    if args.soak_minutes:
        seconds = round(args.soak_minutes * 60)
        results += _serve_and_run(
            args, env, "leadhub.wsgi", args.server, ["simple"], numbers, "soak", seconds, [8]
        )
    return results


def _serve_and_run(
    args: argparse.Namespace,
    env: dict[str, str],
    app: str,
    kind: str,
    scenarios: list[str],
    numbers: NumberBlocks,
    label: str = "",
    seconds: int = 0,
    concurrency_levels: list[int] | None = None,
) -> list[RunResult]:
    results = []
    workers, threads = (
        (REFERENCE_WORKERS, None) if label == "baseline" else (args.workers, args.threads)
    )
    with tempfile.TemporaryDirectory(prefix="leadhub-bench-") as log_dir:
        port = args.port or _free_port()
        server = Server(env, port, Path(log_dir), app, kind, workers, threads)
        try:
            server.wait_ready()
            print(f"{app}: {server.describe} on {server.base_url}")
            for scenario in scenarios:
                # Warm-up: every worker checks the password once (a full hash, which takes
                # seconds on a busy machine) and fills its caches.
                for _ in range(5):
                    if _wrk(server, scenario, 8, WARMUP_SECONDS, numbers).requests > 100:
                        break
                for concurrency in concurrency_levels or args.concurrency:
                    result = _wrk(server, scenario, concurrency, seconds or args.duration, numbers)
                    result.scenario = label or scenario
                    result.server = server.describe
                    results.append(result)
                    print(
                        f"  {result.scenario:<8} c={concurrency}: {result.rps:7.1f} req/s, "
                        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                        f"max {result.max_ms:.1f} ms, over {SLOW_MS} ms {result.over_50ms} "
                        f"(load average {_load()})"
                    )
        finally:
            server.stop()
            log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
            errors = [line for line in log.splitlines() if "Traceback" in line or "ERROR" in line]
            if errors:
                print(f"server log has {len(errors)} error lines, e.g.: {errors[0]}")
    return results


def _first_free_number(database_url: str) -> int:
    """The 7 digits after 602 above every number an earlier run of this database stored."""
    with _connect(database_url) as conn:
        tables = ["leads_lead"]
        if conn.execute("SELECT to_regclass('bench_baseline')").fetchone()[0]:
            tables.append("bench_baseline")
        used = [
            conn.execute(
                f"SELECT max(phone_number) FROM {table} "  # noqa: S608 (fixed table names)
                "WHERE phone_number LIKE %s AND phone_number < %s",
                [f"{BENCH_AREA_CODE}%", f"{BENCH_AREA_CODE}{NUMBER_LIMIT:07d}"],
            ).fetchone()[0]
            for table in tables
        ]
    found = [int(number[len(BENCH_AREA_CODE) :]) for number in used if number]
    return max(found) + 1 if found else 0


def _baseline_table(database_url: str) -> None:
    with _connect(database_url) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline "
            "(id bigserial PRIMARY KEY, phone_number text NOT NULL, list_id bigint NOT NULL)"
        )
        conn.execute(
            "CREATE INDEX IF NOT EXISTS bench_baseline_phone ON bench_baseline (phone_number)"
        )


def _time_wait_sockets() -> int:
    fields = Path("/proc/net/sockstat").read_text().split("TCP:", 1)[1].split()
    return int(fields[fields.index("tw") + 1])


def _wait_for_free_ports() -> None:
    """Gunicorn's sync workers close every connection, so wrk opens one per request, and each
    closed one keeps a local port in TIME_WAIT for 60 s. Runs in quick succession then run
    short of local ports (32768-60999), and a run measures that, not LeadHub (seen once: p90
    3 s with 24,000 sockets in TIME_WAIT). Wait until most are free."""
    waited = 0
    while (busy := _time_wait_sockets()) > TIME_WAIT_LIMIT and waited < 70:
        if waited == 0:
            print(f"  waiting for {busy:,} local ports in TIME_WAIT to be freed")
        time.sleep(2)
        waited += 2


def _wrk(
    server: Server, scenario: str, concurrency: int, seconds: int, numbers: NumberBlocks
) -> RunResult:
    _wait_for_free_ports()
    threads, connections = WRK_SHAPES[concurrency]
    base, stride = numbers.take(threads, seconds)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        server.base_url,
        "--",
        scenario,
        str(base),
        str(stride),
        USER,
        PASSWORD,
    ]
    before = _cpu_snapshot(server)
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    after = _cpu_snapshot(server)
    result = _parse_wrk(completed.stdout, scenario, concurrency)
    result.cpu_app, result.cpu_db, result.cpu_wrk = (after[n] - before[n] for n in range(3))
    busy, total = after[3] - before[3], after[4] - before[4]
    result.machine_busy = 100 * busy / total if total else 0.0
    return result


_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _cpu_snapshot(server: Server) -> tuple[float, float, float, float, float]:
    """(gunicorn CPU s, PostgreSQL backends' CPU s, finished children's CPU s, machine busy
    ticks, machine total ticks). The backends are this database's persistent connections."""
    app = sum(_process_cpu(pid) for pid in [server.process.pid, *_children(server.process.pid)])
    db = sum(_process_cpu(pid) for pid in server.backend_pids())
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = cpu[3] + cpu[4]
    return app, db, children.ru_utime + children.ru_stime, sum(cpu) - idle, sum(cpu)


def _parse_wrk(output: str, scenario: str, concurrency: int) -> RunResult:
    match = re.search(r"^BENCH (.*)$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no BENCH line in wrk's output:\n{output}")
    fields = dict(item.split("=", 1) for item in match.group(1).split())
    numbers = {name: int(value) for name, value in fields.items()}
    requests_per_second = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    seconds = numbers["duration_us"] / 1e6
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sample = re.search(r"^BENCH-SAMPLE (.*)$", output, re.MULTILINE)
    result = RunResult(
        scenario=scenario,
        concurrency=concurrency,
        requests=numbers["requests"],
        seconds=seconds,
        added=numbers["added"],
        duplicates=numbers["duplicates"],
        other=numbers["other"],
        incomplete=numbers["incomplete"],
        socket_errors=numbers["socket_errors"],
        non_2xx=int(non_2xx.group(1)) if non_2xx else numbers["status_errors"],
        p50_ms=numbers["p50_us"] / 1000,
        p90_ms=numbers["p90_us"] / 1000,
        p99_ms=numbers["p99_us"] / 1000,
        max_ms=numbers["max_us"] / 1000,
        over_50ms=numbers["over_50ms"],
        sample=sample.group(1) if sample else "",
    )
    if requests_per_second and float(requests_per_second.group(1)):
        # wrk's own figure; the same as requests / duration.
        result.seconds = result.requests / float(requests_per_second.group(1))
    return result


def _print_table(results: list[RunResult], args: argparse.Namespace) -> None:
    print()
    print(
        f"add_lead, PostgreSQL, wrk on loopback, {args.duration} s per run, "
        f"{os.cpu_count()} CPUs ({platform.machine()}); servers:"
    )
    for server in dict.fromkeys(r.server for r in results):
        print(f"  {server}")
    print()
    print(
        "| round | scenario | concurrency | requests/s | p50 ms | p90 ms | p99 ms | max ms "
        f"| over {SLOW_MS} ms | requests | added | duplicates | other answers | incomplete "
        "| non-2xx | socket errors |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.round or '-'} | {r.scenario} | {r.concurrency} | {r.rps:.0f} | {r.p50_ms:.1f} "
            f"| {r.p90_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.1f} | {r.over_50ms} | {r.requests} "
            f"| {r.added} | {r.duplicates} | {r.other} | {r.incomplete} | {r.non_2xx} "
            f"| {r.socket_errors} |"
        )
    print()
    print("CPU per request (load-independent; the machine has 2000 CPU ms per second at most):")
    print()
    print(
        "| round | scenario | concurrency | server ms | PostgreSQL ms | wrk ms | total ms "
        "| machine busy % | of which others % |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    cpus = os.cpu_count() or 1
    for r in results:
        ours = r.cpu_app + r.cpu_db + r.cpu_wrk
        others = max(0.0, r.machine_busy - 100 * ours / (r.seconds * cpus)) if r.seconds else 0
        print(
            f"| {r.round or '-'} | {r.scenario} | {r.concurrency} "
            f"| {r.cpu_ms_per_request(r.cpu_app):.2f} | {r.cpu_ms_per_request(r.cpu_db):.2f} "
            f"| {r.cpu_ms_per_request(r.cpu_wrk):.2f} | {r.cpu_ms_per_request(ours):.2f} "
            f"| {r.machine_busy:.0f} | {others:.0f} |"
        )
    print()
    print(
        "added: SUCCESS answers; duplicates: expected DUPLICATE errors (mix repeats every 10th "
        f"number); other: any other answer; incomplete: a mix SUCCESS without its hopper and "
        f"callback notices. over {SLOW_MS} ms: latency samples in wrk's record (which adds "
        "coordinated-omission samples below each slow request: 0 means no request took longer)."
    )
    for r in results:
        if r.sample:
            print(f"sample unexpected answer ({r.scenario}, c={r.concurrency}): {r.sample[:300]}")


def _print_summary(results: list[RunResult], args: argparse.Namespace) -> None:
    """Issue 14's figures: LeadHub/bare per concurrency, mixed/simple, and the soak."""

    def rate(round_number: int, scenario: str, concurrency: int) -> float | None:
        found = [
            r.rps
            for r in results
            if (r.round, r.scenario, r.concurrency) == (round_number, scenario, concurrency)
        ]
        return found[0] if found else None

    print()
    print(
        "| round | concurrency | LeadHub/bare (target c8 ≥ 0.9, c1 ≥ 0.8) | mix/simple (≥ 0.75) "
        "| floor/bare | LeadHub/floor |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for round_number in sorted({r.round for r in results if r.round}):
        for concurrency in args.concurrency:
            simple = rate(round_number, "simple", concurrency)
            bare = rate(round_number, "baseline", concurrency)
            mix = rate(round_number, "mix", concurrency)
            ratio = f"{simple / bare:.2f}" if simple and bare else "-"
            mixed = f"{mix / simple:.2f}" if mix and simple else "-"
            floor = rate(round_number, "floor", concurrency)
            floor_bare = f"{floor / bare:.2f}" if floor and bare else "-"
            over_floor = f"{simple / floor:.2f}" if simple and floor else "-"
            print(
                f"| {round_number} | {concurrency} | {ratio} | {mixed} | {floor_bare} "
                f"| {over_floor} |"
            )
    for r in results:
        if r.scenario == "soak":
            print()
            print(
                f"soak: {r.seconds / 60:.1f} min at c{r.concurrency}, {r.requests} requests, "
                f"{r.rps:.0f}/s: p99 {r.p99_ms:.1f} ms (target < 15), max {r.max_ms:.1f} ms, "
                f"samples over {SLOW_MS} ms {r.over_50ms} (target 0), "
                f"non-2xx {r.non_2xx}, socket errors {r.socket_errors}"
            )


# --- profile ----------------------------------------------------------------------------------


def _profile(args: argparse.Namespace, env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leadhub.wsgi import application
    from leads.models import Lead

    # wrk runs use 602 and a run digit 0-8; the profile takes run digit 9.
    first = Lead.objects.filter(phone_number__startswith=PROFILE_PHONE_PREFIX).count()
    phones = (f"{PROFILE_PHONE_PREFIX}{n:06d}" for n in range(first, 1_000_000))

    def request(options: dict[str, str]) -> None:
        """One request through the WSGI application, as gunicorn calls it (unlike the test
        client, this keeps Django's per-request connection handling: health check, close)."""
        params = {"source": "bench", "user": USER, "pass": PASSWORD, "function": "add_lead"}
        query = urllib.parse.urlencode({**params, **options, "phone_number": next(phones)})
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/API/lmapi.php",
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        statuses = []
        response = application(environ, lambda status, headers: statuses.append(status))
        try:
            body = b"".join(response).decode()
        finally:
            response.close()
        if statuses != ["200 OK"] or not body.startswith("SUCCESS:"):
            raise RuntimeError(f"unexpected answer: {statuses} {body[:300]}")

    for scenario in args.scenarios:
        options = SCENARIOS[scenario]
        for _ in range(20):  # warm: password check, configuration caches, connection
            request(options)
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.profile):
            request(options)
        plain_ms = (time.perf_counter() - started) * 1000 / args.profile
        cpu_ms = (time.process_time() - cpu_started) * 1000 / args.profile
        counts = []
        for _ in range(args.profile):
            # One context per request: Django's query log keeps only the last 9,000 queries.
            with CaptureQueriesContext(connection) as captured:
                request(options)
            counts.append(len(captured))
        last_queries = captured.captured_queries
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.profile):
            request(options)
        profiler.disable()

        print()
        print(f"=== profile: {scenario}, {args.profile} in-process requests (WSGI) ===")
        print(
            f"per request without profiler: {plain_ms:.2f} ms wall, {cpu_ms:.2f} ms CPU in Python "
            f"(the rest is waiting for PostgreSQL); load average now {_load()}"
        )
        print(
            f"queries per request: min {min(counts)}, mean {sum(counts) / len(counts):.2f}, "
            f"max {max(counts)} (BEGIN and COMMIT included)"
        )
        print("queries of the last request:")
        for query in last_queries:
            print(f"  {query['time']:>6}s  {query['sql'][:110]}")
        print("profiled time by area, own time of the functions in it (cProfile inflates Python):")
        areas = _time_by_area(profiler)
        total = sum(areas.values())
        for area in sorted(areas, key=lambda name: -areas[name]):
            print(
                f"  {area:<52} {1000 * areas[area] / args.profile:6.2f} ms/request "
                f"{100 * areas[area] / total:5.1f} %"
            )
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
        print(re.sub(r"\n{3,}", "\n\n", out.getvalue()))


AREAS = (
    # (label, path fragment); the first match wins.
    ("psycopg: driver (wall: incl. waiting for PostgreSQL)", "/psycopg"),
    ("Django ORM: building and running SQL", "/django/db/"),
    ("Django: handler, middleware, request, response", "/django/"),
    ("LeadHub: leads", f"{ROOT}/leads/"),
    ("LeadHub: campaigns, callbacks", f"{ROOT}/ca"),
    ("other packages", "site-packages"),
)


def _time_by_area(profiler: cProfile.Profile) -> dict[str, float]:
    """Own time of every profiled function, summed by where its code lives. A C function
    counts for the area of its caller (psycopg's C waits count for psycopg)."""
    areas: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, own, _, callers) in stats.items():
        where = filename
        if filename == "~" and callers:
            # Built-ins: charge the caller that spent the most time in them.
            caller = max(callers.items(), key=lambda item: item[1][2])[0]
            where = caller[0]
        label = next((label for label, part in AREAS if part in where), "Python standard library")
        areas[label] = areas.get(label, 0.0) + own
    return areas


if __name__ == "__main__":
    sys.exit(main())
