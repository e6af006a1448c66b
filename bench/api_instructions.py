"""CPU instructions per legacy add_lead request, counted by callgrind (they do not drift with
the machine's speed, unlike requests per second).

    .venv/bin/python bench/api_instructions.py              # simple adds, PostgreSQL
    .venv/bin/python bench/api_instructions.py --scenario mixed
    .venv/bin/python bench/api_instructions.py --database-url mysql://root@127.0.0.1:3306/x

What it does: drops and re-creates the database (default ``leadhub_callgrind`` on the local
PostgreSQL), migrates it and runs ``load_demo``; then runs this same script twice under
``valgrind --tool=callgrind``, sending N adds through ``leadhub.wsgi.application`` (the call
gunicorn makes; DEBUG off, persistent connection), once with N = ``--few`` and once with
N = ``--many``, and prints (instructions(many) - instructions(few)) / (many - few): the cost of
one add in steady state, without Django's start-up and the first requests' warm-up. Every
add has a new phone number, so each one is stored. The figure is printed, never asserted:
copy it into bench/RESULTS.md.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_callgrind"
BASE = {"function": "add_lead", "user": "6666", "pass": "1234", "source": "bench"}
# The scenarios of bench/api_bench.py, so that both benchmarks measure the same requests.
SCENARIOS = {
    "simple": {"list_id": "101", "duplicate_check": "DUPLIST"},
    # DUPLIST, system DNC, hopper with its local call time check and a callback.
    "mixed": {
        "list_id": "101",
        "duplicate_check": "DUPLIST",
        "dnc_check": "Y",
        "add_to_hopper": "Y",
        "hopper_local_call_time_check": "Y",
        "callback": "Y",
        "campaign_id": "TESTCAMP",
        "callback_datetime": "NOW",
    },
}


def _send(count: int, scenario: str, first_phone: int) -> None:
    """Child: ``count`` adds through the WSGI application, each checked for SUCCESS."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    sys.path.insert(0, str(ROOT))
    from django.test import RequestFactory

    from leadhub.wsgi import application

    # Requests are built before the loop from one template, so that the figure is the
    # application's cost, not the test client's.
    base = RequestFactory().get("/API/lmapi.php").environ
    query = urllib.parse.urlencode({**BASE, **SCENARIOS[scenario], "phone_number": "{}"})
    environs = [
        {**base, "QUERY_STRING": query.replace("%7B%7D", str(number))}
        for number in range(first_phone, first_phone + count)
    ]
    for environ in environs:
        response = application(environ, lambda status, headers: None)
        body = b"".join(response)
        response.close()
        if not body.startswith(b"SUCCESS"):
            raise SystemExit(f"add {environ['QUERY_STRING']} failed: {body[:200]!r}")


def _instructions(args, count: int, first_phone: int, env: dict[str, str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            str(count),
            "--scenario",
            args.scenario,
            "--first-phone",
            str(first_phone),
        ]
        subprocess.run(command, env=env, check=True, stderr=subprocess.DEVNULL)
        totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        return int(totals.group(1))


def _prepare(args, env: dict[str, str]) -> None:
    url = urllib.parse.urlparse(args.database_url)
    name = url.path.lstrip("/")
    if url.scheme.startswith("postgres"):
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(
                ["psql", "-q", "-h", url.hostname, "-U", url.username, "-c", sql], check=True
            )
    elif url.scheme.startswith("mysql"):
        sql = (
            f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        subprocess.run(["mysql", "-h", url.hostname, "-u", url.username, "-e", sql], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run([*manage, "load_demo"], env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="simple")
    parser.add_argument("--few", type=int, default=30)
    parser.add_argument("--many", type=int, default=230)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first-phone", type=int, default=7270000000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _send(args.child, args.scenario, args.first_phone)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    host = urllib.parse.urlparse(args.database_url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("benchmarks only run against a local database")
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "0", "CONN_MAX_AGE": "600"}
    # Under valgrind a run outlasts the remembered login (300 s): a password hash would then
    # land in one run and not the other.
    env["LMAPI_AUTH_CACHE_SECONDS"] = "86400"
    env.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    env.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    _prepare(args, env)
    few = _instructions(args, args.few, 7270000000, env)
    many = _instructions(args, args.many, 7280000000, env)
    per_add = (many - few) / (args.many - args.few)
    print(f"scenario {args.scenario}, {args.database_url.split('://')[0]}")
    print(f"instructions, {args.few} adds:  {few:,}")
    print(f"instructions, {args.many} adds: {many:,}")
    print(f"instructions per add:  {per_add:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
