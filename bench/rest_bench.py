"""Benchmark of the JSON door (/api/v1/) against the legacy door and the importer, on
PostgreSQL under deploy/run-web, in one run (the issue's targets are ratios within a run).

    .venv/bin/python bench/rest_bench.py                  # 15 s per wrk run, 5 batches
    .venv/bin/python bench/rest_bench.py --duration 5     # a quicker look

What it does: drops and re-creates the database (default ``leadhub_restapi_bench`` on the
local PostgreSQL), migrates it, runs ``load_demo``, preloads leads (``--preload``) and makes an
API key for the demo user 6666 (``manage.py api_key_create``, with a rate limit no run
reaches); starts ``deploy/run-web`` as ``api_bench.py`` does (the production server); then

1. single adds at concurrency 8, legacy ``add_lead`` (``wrk/add_lead.lua``, "simple") and
   JSON ``POST /api/v1/leads/`` (``wrk/rest_add.lua``) with the same lead and the same
   duplicate check, twice each, alternating, so both see the same machine;
2. ``--batches`` batches of 1,000 new leads through ``POST /api/v1/leads/batch/`` (the
   phone:list check on), one after the other, timed by this script;
3. the same 1,000 rows (other numbers) per batch through the importer, in this process,
   as ``manage.py import_leads`` runs it (``importing.jobs`` then ``engine.import_run``).

Every request goes to 127.0.0.1, every run is bounded, the server is always stopped. The
figures are printed, never asserted: copy them into bench/RESULTS.md.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api_bench  # noqa: E402

ROOT = api_bench.ROOT
REST_SCRIPT = ROOT / "bench" / "wrk" / "rest_add.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_restapi_bench"
BATCH_SIZE = 1000
PRELOAD_LEADS = 100_000
WARMUP_SECONDS = 8


def main() -> int:
    args = _parse_args()
    env = api_bench._server_env(args.database_url)
    api_bench._create_database(args.database_url)
    api_bench._manage(env, "migrate", "--noinput", "-v", "0")
    api_bench._manage(env, "load_demo")
    api_bench._preload(args.database_url, args.preload)
    key = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "api_key_create", "6666", "bench"]
        + ["--rate", "100000000/min"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.strip()
    print(f"load average before: {api_bench._load()} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory(prefix="leadhub-rest-bench-") as log_dir:
        server = api_bench.Server(
            env,
            args.port or api_bench._free_port(),
            Path(log_dir),
            "leadhub.wsgi",
            "run-web",
            args.workers,
            None,
        )
        try:
            server.wait_ready()
            print(f"{server.describe} on {server.base_url}")
            numbers = api_bench.NumberBlocks(args.database_url)
            singles = _single_adds(server, key, args.duration, numbers)
            batches = _batches(server, key, args.batches)
        finally:
            server.stop()
    imports = _imports(args.database_url, args.batches)
    _print(singles, batches, imports)
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--batches", type=int, default=5, help="batches of 1,000 (max 9)")
    parser.add_argument("--preload", type=int, default=PRELOAD_LEADS)
    parser.add_argument(
        "--workers", type=int, default=None, help="deploy/run-web's workers (default: its own)"
    )
    parser.add_argument("--port", type=int, default=0, help="the server's port (0: any free)")
    args = parser.parse_args()
    if not 1 <= args.batches <= 9:
        parser.error("--batches must be 1 to 9")
    return args


def _wrk(server, script: Path, extra: list[str], seconds: int) -> str:
    api_bench._wait_for_free_ports()
    threads, connections = api_bench.WRK_SHAPES[8]
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["--latency", "-s", str(script), server.base_url, "--", *extra]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    return completed.stdout


def _measured(server, script: Path, extra: list[str], seconds: int) -> api_bench.RunResult:
    return api_bench._parse_wrk(_wrk(server, script, extra, seconds), script.stem, 8)


def _single_adds(
    server, key: str, seconds: int, numbers: api_bench.NumberBlocks
) -> list[api_bench.RunResult]:
    threads = api_bench.WRK_SHAPES[8][0]

    def legacy(run_seconds: int) -> list[str]:
        # Each legacy run its own block of new phone numbers (api_bench.NumberBlocks).
        base, stride = numbers.take(threads, run_seconds)
        return ["simple", str(base), str(stride), api_bench.USER, api_bench.PASSWORD]

    # Warm-up: every worker logs in once and fills its caches, on both doors (a worker's
    # first password check takes seconds on a busy machine; a warm-up may then answer
    # nothing, so its figures are not read).
    _wrk(server, api_bench.LUA_SCRIPT, legacy(WARMUP_SECONDS), WARMUP_SECONDS)
    _wrk(server, REST_SCRIPT, [key, "0"], WARMUP_SECONDS)
    results = []
    for run in (1, 2):
        for name, script, extra in (
            ("legacy", api_bench.LUA_SCRIPT, legacy(seconds)),
            ("json", REST_SCRIPT, [key, str(run)]),
        ):
            result = _measured(server, script, extra, seconds)
            result.scenario = name
            results.append(result)
            print(
                f"  {name:<6} c=8: {result.rps:7.1f} req/s, added {result.added}, "
                f"other {result.other}, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
                f" (load average {api_bench._load()})"
            )
            if result.sample:
                print(f"    sample answer: {result.sample[:200]}")
    return results


def _rows(prefix: str, batch: int) -> list[tuple[str, str, str]]:
    return [(f"{prefix}{batch}{n:06d}", "Batch", f"Row{n}") for n in range(BATCH_SIZE)]


def _batches(server, key: str, count: int) -> list[tuple[float, dict]]:
    timings = []
    for batch in range(count):
        leads = [
            {"list_id": 101, "phone_number": phone, "first_name": first, "last_name": last}
            for phone, first, last in _rows("605", batch)
        ]
        body = json.dumps(
            {"leads": leads, "options": {"duplicate_checks": ["phone:list"]}}
        ).encode()
        request = urllib.request.Request(
            f"{server.base_url}/api/v1/leads/batch/",
            data=body,
            headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
            method="POST",
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.loads(response.read())
        seconds = time.perf_counter() - started
        timings.append((seconds, answer["counts"]))
        print(f"  batch {batch}: {BATCH_SIZE / seconds:7.0f} leads/s, counts {answer['counts']}")
    return timings


def _imports(database_url: str, count: int) -> list[tuple[float, dict]]:
    os.environ.update(api_bench._server_env(database_url))
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File

    from leads.importing import engine, jobs
    from leads.importing.options import ImportOptions
    from leads.outcomes import DuplicateCheck
    from leads.services.request import AddOptions, DuplicatePolicy

    options = ImportOptions(
        add=AddOptions(duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)))
    )
    timings = []
    with tempfile.TemporaryDirectory(prefix="leadhub-rest-bench-") as folder:
        settings.MEDIA_ROOT = folder
        for batch in range(count):
            path = Path(folder) / f"batch{batch}.csv"
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["phone_number", "first_name", "last_name"])
                writer.writerows(_rows("606", batch))
            started = time.perf_counter()
            with path.open("rb") as upload:
                job = jobs.import_job_create(
                    upload=File(upload), original_name=path.name, created_by=None
                )
            job = jobs.import_job_configure(
                job=job,
                list_id=101,
                mapping={0: "phone_number", 1: "first_name", 2: "last_name"},
                options=options,
                has_header=True,
            )
            job = jobs.import_job_start_import(job=job, background=False)
            engine.import_run(job)
            seconds = time.perf_counter() - started
            job.refresh_from_db()
            timings.append((seconds, job.counts))
            print(f"  import {batch}: {BATCH_SIZE / seconds:7.0f} rows/s, counts {job.counts}")
    return timings


def _print(singles, batches, imports) -> None:
    print("\nsingle adds at c=8 (wrk, req/s):")
    for result in singles:
        print(
            f"  {result.scenario:<6} {result.rps:8.1f} req/s  added {result.added:6d}  "
            f"other {result.other}  p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:6.1f} ms"
        )
    legacy = sum(r.rps for r in singles if r.scenario == "legacy")
    rest = sum(r.rps for r in singles if r.scenario == "json")
    print(f"  JSON / legacy: {rest / legacy:.2f} (target at least 0.8)")
    batch_rate = len(batches) * BATCH_SIZE / sum(s for s, _ in batches)
    import_rate = len(imports) * BATCH_SIZE / sum(s for s, _ in imports)
    print(f"batches of {BATCH_SIZE}: {batch_rate:8.0f} leads/s (target at least 10,000)")
    print(f"importer, same rows: {import_rate:8.0f} rows/s")
    print(f"  batch / importer: {batch_rate / import_rate:.2f} (target at least 0.5)")


if __name__ == "__main__":
    sys.exit(main())
