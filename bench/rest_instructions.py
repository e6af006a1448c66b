"""CPU instructions per JSON-door request, counted by callgrind, beside the legacy door's add
in the same database (the machine's load does not move instruction counts).

    .venv/bin/python bench/rest_instructions.py                 # single adds, both doors
    .venv/bin/python bench/rest_instructions.py --kind batch    # batches of 1,000

What it does: drops and re-creates the database (default ``leadhub_rest_callgrind`` on the
local PostgreSQL), migrates it, runs ``load_demo`` and makes an API key for the demo user
6666; then, for each door, runs this script under ``valgrind --tool=callgrind`` twice,
sending N requests through ``leadhub.wsgi.application`` (the call gunicorn makes; DEBUG
off, persistent connection), with N = ``--few`` and N = ``--many``, and prints
(instructions(many) - instructions(few)) / (many - few): one request in steady state. Single
adds are those of bench/rest_bench.py (list 101, the phone:list duplicate check; the legacy
door's "simple" add); a batch is 1,000 such leads. Every lead has a new number, so each one is
stored. The figures are printed, never asserted: copy them into bench/RESULTS.md.
"""

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api_instructions  # noqa: E402

ROOT = api_instructions.ROOT
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_rest_callgrind"
KINDS = {"single": ("legacy", "json"), "batch": ("batch",)}
# Requests per run (few, many) by door: a batch is 1,000 adds.
COUNTS = {"legacy": (30, 230), "json": (30, 230), "batch": (2, 6)}


def _environs(door: str, count: int, first_phone: int, key: str) -> list[dict]:
    from django.test import RequestFactory

    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    if door == "legacy":
        base = factory.get("/API/lmapi.php").environ
        query = {**api_instructions.BASE, **api_instructions.SCENARIOS["simple"]}
        return [
            {**base, "QUERY_STRING": urllib.parse.urlencode({**query, "phone_number": phone})}
            for phone in range(first_phone, first_phone + count)
        ]
    options = {"duplicate_checks": ["phone:list"]}
    bodies = []
    for n in range(count):
        if door == "json":
            body = {"list_id": 101, "phone_number": str(first_phone + n), "options": options}
            body |= {"first_name": "Bench", "last_name": "Caller"}
            bodies.append(("/api/v1/leads/", body))
        else:
            phones = range(first_phone + n * 1000, first_phone + (n + 1) * 1000)
            leads = [
                {"list_id": 101, "phone_number": str(phone), "first_name": "Batch"}
                for phone in phones
            ]
            bodies.append(("/api/v1/leads/batch/", {"leads": leads, "options": options}))
    environs = []
    for path, body in bodies:
        data = json.dumps(body).encode()
        environ = factory.post(path, data=data, content_type="application/json").environ
        environ["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
        environ["body"] = data
        environs.append(environ)
    return environs


def _send(door: str, count: int, first_phone: int, key: str) -> None:
    """Child: ``count`` requests through the WSGI application, each checked."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    sys.path.insert(0, str(ROOT))
    from leadhub.wsgi import application

    # Requests are built before the loop, so that the figure is the application's cost.
    environs = _environs(door, count, first_phone, key)
    for environ in environs:
        if "body" in environ:
            environ["wsgi.input"] = io.BytesIO(environ.pop("body"))
        statuses: list[str] = []
        response = application(environ, lambda status, headers, seen=statuses: seen.append(status))
        body = b"".join(response)
        response.close()
        added = statuses[0][:3] in ("200", "201") if door != "legacy" else True
        if not added or (door == "legacy" and not body.startswith(b"SUCCESS")):
            raise SystemExit(f"{door} request failed: {statuses} {body[:300]!r}")
        if door == "batch" and json.loads(body)["counts"]["added"] != 1000:
            raise SystemExit(f"batch did not add 1,000 leads: {body[:300]!r}")


def _instructions(door: str, count: int, first_phone: int, key: str, env: dict) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += [sys.executable, __file__, "--child", door, str(count), str(first_phone)]
        subprocess.run(
            command, env={**env, "BENCH_KEY": key}, check=True, stderr=subprocess.DEVNULL
        )
        totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        return int(totals.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--kind", choices=sorted(KINDS), default="single")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        door, count, first_phone = args.child
        _send(door, int(count), int(first_phone), os.environ["BENCH_KEY"])
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    if urllib.parse.urlparse(args.database_url).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("benchmarks only run against a local database")
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "0", "CONN_MAX_AGE": "600"}
    env["LMAPI_AUTH_CACHE_SECONDS"] = "86400"
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    env.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    api_instructions._prepare(argparse.Namespace(database_url=args.database_url), env)
    manage = [sys.executable, str(ROOT / "manage.py")]
    key = subprocess.run(
        [*manage, "api_key_create", "6666", "callgrind", "--rate", "100000000/min"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"{args.database_url.split('://')[0]}, PYTHONHASHSEED=0")
    per_request = {}
    for index, door in enumerate(KINDS[args.kind]):
        few, many = COUNTS[door]
        start = 7200000000 + index * 20_000_000
        low = _instructions(door, few, start, key, env)
        high = _instructions(door, many, start + 10_000_000, key, env)
        per_request[door] = (high - low) / (many - few)
        print(f"{door}: {few} requests {low:,}, {many} requests {high:,}")
        print(f"  instructions per request: {per_request[door]:,.0f}")
    if args.kind == "single":
        ratio = per_request["json"] / per_request["legacy"]
        print(f"JSON add / legacy add (instructions): {ratio:.2f}")
    else:
        print(f"instructions per lead: {per_request['batch'] / 1000:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
