"""How LeadHub's costs grow with the data, on PostgreSQL (issue 14, part 3).

    .venv/bin/python bench/growth_bench.py preload --database-url URL --leads 10000000
    .venv/bin/python bench/growth_bench.py api --small URL --big URL --rounds 2
    .venv/bin/python bench/growth_bench.py admin --small URL --big URL
    .venv/bin/python bench/growth_bench.py import --database-url URL --rows 1000000

``preload`` drops and re-creates the database, migrates it, runs ``load_demo`` and stores
``--leads`` leads in one set-based statement (secondary indexes dropped first and rebuilt
after, as a bulk load would), spread like a call centre's table: 40 lists of uneven size,
statuses, three years of entry dates, vendor codes, alternate phones; then VACUUM ANALYZE.

``api`` serves add_lead under deploy/run-web (``bench/api_bench.py``'s server, wrk script and CPU
accounting) against the small and the big database in turn (small, big, small, big...) and
prints requests/s and p99 of each, and the big/small ratios of the same round.

``admin`` logs in as the demo superuser over HTTP and times the dashboard and the lead
list's first page (and its list filter) on each database, several times, alternating.

``import`` runs the upload page's code path (``bench/import_bench.py``'s functions) on an
existing database: a CSV of ``--rows`` rows into a new, empty list; prints the dry run and the
import's seconds and rows/s, and how many leads the table held before.

Every request goes to 127.0.0.1, every step is bounded in time. The figures are printed,
never asserted: copy them into bench/RESULTS.md and docs/SCALING.md.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (bench/ is not a package)

SQL_TIMEOUT_MS = 3_600_000
REQUEST_TIMEOUT = 120
WARMUP_SECONDS = 10
# Area codes of the preloaded phones: never 602, the code of api_bench's wrk numbers.
PRELOAD_AREAS = ("201", "212", "305", "312", "404", "415", "617", "713", "813", "206")
PRELOAD_LISTS = 40  # lists 5001-5040, besides the demo's 101 and 999
STATUSES = ("NEW",) * 8 + ("NA",) * 4 + ("A", "A", "B", "CALLBK", "SALE", "DNC", "DROP", "N")
FIRST_NAMES = ("Ann", "Bob", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo")
LAST_NAMES = ("Smith", "Jones", "Garcia", "Brown", "Lee", "Khan", "Novak", "Silva")
STATES = ("NJ", "NY", "FL", "IL", "GA", "CA", "MA", "TX", "WA", "AZ")
YEARS = 3


def main() -> int:
    args = _parse_args()
    print(f"load average: {api_bench._load()} ({os.cpu_count()} CPUs)")
    {"preload": preload, "api": api, "admin": admin, "import": import_}[args.command](args)
    print(f"load average: {api_bench._load()}")
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("preload")
    one.add_argument("--database-url", required=True)
    one.add_argument("--leads", type=int, default=10_000_000)
    for name in ("api", "admin"):
        pair = commands.add_parser(name)
        pair.add_argument("--small", required=True, help="database URL with few leads")
        pair.add_argument("--big", required=True, help="database URL with many leads")
        pair.add_argument("--rounds", type=int, default=2, help="small+big rounds (default 2)")
    api_args = commands.choices["api"]
    api_args.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    api_args.add_argument("--concurrency", default="8,1")
    commands.choices["admin"].add_argument("--repeat", type=int, default=5)
    imports = commands.add_parser("import")
    imports.add_argument("--database-url", required=True)
    imports.add_argument("--rows", type=int, default=1_000_000)
    imports.add_argument("--list-id", type=int, default=7001)
    imports.add_argument(
        "--truncate", action="store_true", help="empty the leads table first (the empty side)"
    )
    imports.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "growth-bench"))
    args = parser.parse_args()
    for url in (getattr(args, key, None) for key in ("database_url", "small", "big")):
        parts = urllib.parse.urlsplit(url) if url else None
        if parts and (
            parts.scheme not in {"postgres", "postgresql"}
            or parts.hostname not in (api_bench.LOCAL_HOSTS)
        ):
            parser.error(f"{url}: a PostgreSQL database on 127.0.0.1 only")
    return args


def _name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def _count(url: str) -> int:
    with api_bench._connect(url) as conn:
        return conn.execute("SELECT count(*) FROM leads_lead").fetchone()[0]


# --- preload ----------------------------------------------------------------------------------


def preload(args: argparse.Namespace) -> None:
    env = api_bench._server_env(args.database_url)
    api_bench._create_database(args.database_url)
    api_bench._manage(env, "migrate", "--noinput", "-v", "0")
    api_bench._manage(env, "load_demo")
    with api_bench._connect(args.database_url) as conn:
        conn.execute(f"SET statement_timeout = {SQL_TIMEOUT_MS}")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute(
            "INSERT INTO leads_leadlist (list_id, list_name, list_description, active, "
            "local_call_time, keeps_custom_fields, campaign_id, review_api_duplicates, "
            "new_lead_url) SELECT 5000 + n, 'Bench list ' || n, '', true, 'campaign', false, "
            "'TESTCAMP', false, '' FROM generate_series(1, %s) AS n",
            (PRELOAD_LISTS,),
        )
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leads_lead' "
            "AND indexname <> 'leads_lead_pkey'"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        started = time.monotonic()
        conn.execute(_preload_sql(), {"rows": args.leads, "years": YEARS})
        print(f"  {args.leads:,} leads inserted in {time.monotonic() - started:.0f} s")
        for name, definition in indexes:
            started = time.monotonic()
            conn.execute(definition)
            print(f"  index {name} rebuilt in {time.monotonic() - started:.0f} s")
        started = time.monotonic()
        conn.execute("VACUUM ANALYZE leads_lead")
        print(f"  VACUUM ANALYZE in {time.monotonic() - started:.0f} s")
        size = conn.execute(
            "SELECT pg_size_pretty(pg_table_size('leads_lead')), "
            "pg_size_pretty(pg_indexes_size('leads_lead'))"
        ).fetchone()
    print(f"  leads_lead: table {size[0]}, indexes {size[1]}")


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


def _preload_sql() -> str:
    """One INSERT ... SELECT over generate_series. Row g: entry dates rise with g over
    ``years`` (as ids do), list 5001-5040 with list n twice as likely as list 40 - n (about 5%
    in the demo's list 101), a status of STATUSES, a phone unique per area code (the
    multiplier is coprime to 10^7), a vendor code on 30% and an alternate phone on 10%."""
    spread = "((g::bigint * 2654435761) %% 1000003)"  # a hash of g, 0-1000002
    return (
        'INSERT INTO leads_lead (entry_date, modify_date, status, "user", vendor_lead_code, '
        "source_id, gmt_offset_now, called_since_last_reset, phone_code, phone_number, title, "
        "first_name, middle_initial, last_name, address1, address2, address3, city, state, "
        "province, postal_code, country_code, gender, alt_phone, email, security_phrase, "
        "comments, called_count, last_local_call_time, rank, owner, entry_list_id, list_id, "
        "door) "
        "SELECT d.entry, least(now(), d.entry + make_interval(days => (g %% 30))), "
        f"({_array(STATUSES)})[1 + {spread} %% {len(STATUSES)}], '6666', "
        "CASE WHEN g %% 10 < 3 THEN 'V' || g ELSE '' END, 'growth', -5, "
        "CASE WHEN g %% 3 = 0 THEN 'Y' ELSE 'N' END, '1', "
        f"({_array(PRELOAD_AREAS)})[1 + g %% {len(PRELOAD_AREAS)}] "
        "|| lpad(((g::bigint * 4256249) %% 10000000)::text, 7, '0'), '', "
        f"({_array(FIRST_NAMES)})[1 + g %% {len(FIRST_NAMES)}], '', "
        f"({_array(LAST_NAMES)})[1 + (g / 7) %% {len(LAST_NAMES)}], "
        "(g %% 9000 + 1) || ' Main St', '', '', 'Springfield', "
        f"({_array(STATES)})[1 + (g / 3) %% {len(STATES)}], '', "
        "lpad((g %% 99999)::text, 5, '0'), 'USA', 'U', "
        "CASE WHEN g %% 10 = 0 THEN '555' || lpad((g %% 10000000)::text, 7, '0') ELSE '' END, "
        "'', '', '', g %% 7, CASE WHEN g %% 7 > 0 THEN d.entry + interval '1 day' END, 0, '', "
        "0, CASE WHEN g %% 20 = 0 THEN 101 "
        f"ELSE 5001 + least({PRELOAD_LISTS - 1}, "
        f"floor({PRELOAD_LISTS} * (1 - sqrt({spread} / 1000003.0)))::int) END, "
        "(ARRAY['upload', 'upload', 'upload', 'api', 'rest', 'manual'])[1 + g %% 6] "
        "FROM generate_series(1, %(rows)s) AS g, "
        "LATERAL (SELECT now() - make_interval(secs => (%(rows)s - g)::float8 "
        "* %(years)s * 31536000 / %(rows)s)) AS d(entry)"
    )


# --- API adds ---------------------------------------------------------------------------------


def api(args: argparse.Namespace) -> None:
    """add_lead (simple) under deploy/run-web (3 workers) and wrk, small and big in turn."""
    levels = [int(level) for level in args.concurrency.split(",")]
    for url in (args.small, args.big):
        # Earlier runs' adds (wrk's numbers carry the run number; no preloaded phone has
        # area code 602): removed, so that every run adds new leads.
        with api_bench._connect(url) as conn:
            conn.execute(
                "DELETE FROM leads_lead WHERE phone_number LIKE %s",
                (f"{api_bench.BENCH_AREA_CODE}%",),
            )
    sizes = {url: _count(url) for url in (args.small, args.big)}
    numbers = {url: api_bench.NumberBlocks(url) for url in sizes}
    figures: dict[tuple[int, str, int], api_bench.RunResult] = {}
    for round_number in range(args.rounds):
        for url in (args.small, args.big):
            env = api_bench._server_env(url)
            with tempfile.TemporaryDirectory(prefix="growth-bench-") as log_dir:
                server = api_bench.Server(
                    env, api_bench._free_port(), Path(log_dir), "leadhub.wsgi", "run-web", 3, None
                )
                try:
                    server.wait_ready()
                    # Longer than api_bench's warm-up: on a loaded machine each worker's
                    # first password check and imports can take seconds.
                    api_bench._wrk(server, "simple", 8, WARMUP_SECONDS, numbers[url])
                    for level in levels:
                        result = api_bench._wrk(
                            server, "simple", level, args.duration, numbers[url]
                        )
                        figures[round_number, url, level] = result
                        print(
                            f"  round {round_number + 1} {_name(url)} ({sizes[url]:,} leads) "
                            f"c={level}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms, "
                            f"added {result.added}/{result.requests} "
                            f"(load average {api_bench._load()})"
                        )
                finally:
                    server.stop()
    print()
    print(
        "| round | c | small req/s | big req/s | big/small | small p99 ms | big p99 ms "
        "| small CPU ms/add (app+db) | big CPU ms/add (app+db) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (round_number, url, level), small in sorted(figures.items()):
        if url != args.small:
            continue
        big = figures[round_number, args.big, level]
        print(
            f"| {round_number + 1} | {level} | {small.rps:.0f} | {big.rps:.0f} "
            f"| {big.rps / small.rps:.2f} | {small.p99_ms:.1f} | {big.p99_ms:.1f} "
            f"| {_cpu_ms(small)} | {_cpu_ms(big)} |"
        )


def _cpu_ms(result: api_bench.RunResult) -> str:
    app = result.cpu_ms_per_request(result.cpu_app)
    db = result.cpu_ms_per_request(result.cpu_db)
    return f"{app:.2f}+{db:.2f}"


# --- admin pages ------------------------------------------------------------------------------

ADMIN_PAGES = {
    "dashboard": "/admin/leads/lead/dashboard/",
    "lead list, first page": "/admin/leads/lead/",
    "lead list, one list": "/admin/leads/lead/?list__list_id__exact=5001",
    "lead list, one status": "/admin/leads/lead/?status=SALE",
    "lead list, page 100": "/admin/leads/lead/?p=100",
    "lists (lead counts)": "/admin/leads/leadlist/",
}
ADMIN_PASSWORD = "growth-bench-" + "admin"


def admin(args: argparse.Namespace) -> None:
    """Each page: the first request of a fresh server (cold caches) and ``--repeat`` more."""
    sizes = {url: _count(url) for url in (args.small, args.big)}
    timings: dict[tuple[str, str], list[float]] = {}
    firsts: dict[tuple[str, str], list[float]] = {}
    # DEBUG off: the admin's pages name their static files by the manifest.
    api_bench._manage(api_bench._server_env(args.small), "collectstatic", "--noinput", "-v", "0")
    for _ in range(args.rounds):
        for url in (args.small, args.big):
            # Plain HTTP on loopback: the session cookie may not be marked Secure.
            env = {**api_bench._server_env(url), "SECURE_COOKIES": "0"}
            _set_admin_password(env)
            with tempfile.TemporaryDirectory(prefix="growth-bench-") as log_dir:
                server = api_bench.Server(
                    env, api_bench._free_port(), Path(log_dir), "leadhub.wsgi", "run-web", 1, None
                )
                try:
                    server.wait_ready()
                    opener = _logged_in(server.base_url)
                    for page, path in ADMIN_PAGES.items():
                        seconds = [_get(opener, server.base_url + path)]
                        seconds += [
                            _get(opener, server.base_url + path) for _ in range(args.repeat)
                        ]
                        firsts.setdefault((page, url), []).append(seconds[0])
                        timings.setdefault((page, url), []).extend(seconds[1:])
                finally:
                    server.stop()
    print()
    print(f"admin pages, deploy/run-web with 1 worker, ms over HTTP ({args.rounds} servers each)")
    print()
    header = " | ".join(
        f"{_name(url)} ({sizes[url] / 1e6:.1f}M) first / median / max" for url in sizes
    )
    print(f"| page | {header} |")
    print("|---|---:|---:|")
    for page in ADMIN_PAGES:
        cells = []
        for url in sizes:
            warm = timings[page, url]
            cells.append(
                f"{max(firsts[page, url]) * 1000:.0f} / {statistics.median(warm) * 1000:.0f} "
                f"/ {max(warm) * 1000:.0f}"
            )
        print(f"| {page} | {' | '.join(cells)} |")


def _set_admin_password(env: dict[str, str]) -> None:
    code = (
        "from django.contrib.auth import get_user_model; "
        "user = get_user_model().objects.get(username='admin'); "
        f"user.set_password('{ADMIN_PASSWORD}'); user.save()"
    )
    api_bench._manage(env, "shell", "-c", code)


def _logged_in(base_url: str) -> urllib.request.OpenerDirector:
    import http.cookiejar
    import re

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = f"{base_url}/admin/login/?next=/admin/"
    with opener.open(login, timeout=REQUEST_TIMEOUT) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(login, data=form, headers={"Referer": login})
    with opener.open(request, timeout=REQUEST_TIMEOUT) as response:
        if "/admin/login/" in response.geturl():
            raise RuntimeError("admin login failed")
    return opener


def _get(opener: urllib.request.OpenerDirector, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url, timeout=REQUEST_TIMEOUT) as response:
        response.read()
        if response.status != 200 or "/admin/login/" in response.geturl():
            raise RuntimeError(f"{url}: {response.status} {response.geturl()}")
    return time.perf_counter() - started


# --- import -----------------------------------------------------------------------------------


def import_(args: argparse.Namespace) -> None:
    """import_bench's upload page code path on an existing database, into a new list."""
    import random

    import import_bench

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if args.truncate:
        with api_bench._connect(args.database_url) as conn:
            conn.execute("TRUNCATE leads_lead CASCADE")
    csv_path = workdir / f"leads-{args.rows}.csv"
    dnc = import_bench.generate_csv(csv_path, args.rows, random.Random(20240601))
    os.environ.update(
        DATABASE_URL=args.database_url,
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SETTINGS_MODULE="leadhub.settings",
    )
    os.environ.pop("DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign
    from leads.importing.options import ImportOptions
    from leads.models import Lead, LeadList, PhoneCode
    from leads.outcomes import DuplicateCheck
    from leads.services.request import AddOptions, DncMode, DuplicatePolicy, PhoneChecks

    if not PhoneCode.objects.filter(areacode=import_bench.AREA_CODES[0][0]).exists():
        import_bench.load_reference_data(dnc)
    list_id = args.list_id
    while LeadList.objects.filter(list_id=list_id).exists():
        list_id += 1
    LeadList.objects.create(
        list_id=list_id, list_name=f"growth {list_id}", campaign=Campaign.objects.first()
    )
    before = Lead.objects.count()
    options = ImportOptions(
        add=AddOptions(
            duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)),
            dnc=DncMode.NUMBER,
            phone_checks=PhoneChecks(usacan_prefix=True, usacan_areacode=True),
        )
    )
    user = get_user_model().objects.get(username="admin")
    job, upload_s = import_bench.timed(
        lambda: import_bench.create_job(csv_path, user, list_id, options)
    )
    _, dry_s = import_bench.timed(lambda: import_bench.dry_run(job))
    job, import_s = import_bench.timed(lambda: import_bench.import_job(job, None))
    import_bench.check_counts(job, Lead, list_id)
    rows = job.rows_done
    print(
        f"IMPORT {_name(args.database_url)}: {before:,} leads before; list {list_id}; "
        f"upload {upload_s:.1f} s; dry run {dry_s:.1f} s ({rows / dry_s:,.0f} rows/s); "
        f"import {import_s:.1f} s ({rows / import_s:,.0f} rows/s); "
        f"{import_bench.format_counts(job.counts)}"
    )


if __name__ == "__main__":
    sys.exit(main())
