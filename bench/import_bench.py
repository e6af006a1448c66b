"""Benchmark of the spreadsheet import: the upload page's code path, no browser.

    .venv/bin/python bench/import_bench.py                     # 1M-row CSV, 100k-row XLSX
    .venv/bin/python bench/import_bench.py --rows 100000 --xlsx-rows 20000   # a quicker look
    .venv/bin/python bench/import_bench.py --profile           # where the import's time goes
    .venv/bin/python bench/import_bench.py --rows 100000 --xlsx-rows 0 \
        --database-url sqlite:////tmp/leadhub-importbench.sqlite3        # SQLite
    .venv/bin/python bench/import_bench.py --rows 100000 --xlsx-rows 0 \
        --database-url mysql://root@127.0.0.1:3306/leadhub_importbench   # MariaDB

What it does: generates a CSV of ``--rows`` leads (realistic columns, about 5% repeated
phones, some invalid phones and some numbers on the system DNC list) and an XLSX of
``--xlsx-rows`` (written with xlsxwriter, phones as numbers); drops and re-creates the
database (default ``leadhub_importbench`` on the local PostgreSQL), migrates it, runs
``load_demo`` and adds the phone codes of the generated area codes and the DNC numbers; then
runs the service functions the upload page calls (``leads.importing.jobs``) and the engine
directly, as the worker would: upload and inspect, dry run, import into an empty list with
phone checks, time zone, DUPLIST (in-file duplicates included) and system DNC, the XLSX result
file, and the XLSX import. In the same run, the raw baseline: the CSV's rows stored into a
plain table of text columns without indexes, straight through the driver (COPY of the file on
PostgreSQL, ``executemany`` of the parsed rows on SQLite and MariaDB), once before and once
after the CSV import; the import's rate is printed as a ratio of their mean (the issue's ratio
of record). Beside it, a second reference: the same rows as finished leads (the columns the
import stores, rendered beforehand, not timed) into a copy of the leads table with all its
indexes (COPY on PostgreSQL, ``executemany`` elsewhere), also before and after the import:
what the database itself costs to store the leads, so that the import's own Python share
shows (printed as "CSV import / leads-table reference"). Prints a table
with seconds, rows per second and the process's peak memory (ru_maxrss). The figures are
printed, never asserted: copy them into bench/RESULTS.md.
"""

import argparse
import cProfile
import csv
import os
import platform
import pstats
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_importbench"
HEADER = [
    "Vendor ID",
    "Phone Number",
    "First Name",
    "Last Name",
    "Address",
    "City",
    "State",
    "Zip",
    "Email",
    "Alt Phone",
    "Comments",
]
# area code, state, offset, DST rule, IANA zone: the phone-code rows a site would have loaded.
AREA_CODES = [
    ("201", "NJ", "-5", "SSM-FSN", "America/New_York"),
    ("212", "NY", "-5", "SSM-FSN", "America/New_York"),
    ("215", "PA", "-5", "SSM-FSN", "America/New_York"),
    ("305", "FL", "-5", "SSM-FSN", "America/New_York"),
    ("404", "GA", "-5", "SSM-FSN", "America/New_York"),
    ("617", "MA", "-5", "SSM-FSN", "America/New_York"),
    ("704", "NC", "-5", "SSM-FSN", "America/New_York"),
    ("727", "FL", "-5", "SSM-FSN", "America/New_York"),
    ("813", "FL", "-5", "SSM-FSN", "America/New_York"),
    ("313", "MI", "-5", "SSM-FSN", "America/Detroit"),
    ("312", "IL", "-6", "SSM-FSN", "America/Chicago"),
    ("214", "TX", "-6", "SSM-FSN", "America/Chicago"),
    ("713", "TX", "-6", "SSM-FSN", "America/Chicago"),
    ("612", "MN", "-6", "SSM-FSN", "America/Chicago"),
    ("504", "LA", "-6", "SSM-FSN", "America/Chicago"),
    ("303", "CO", "-7", "SSM-FSN", "America/Denver"),
    ("602", "AZ", "-7", "", "America/Phoenix"),
    ("801", "UT", "-7", "SSM-FSN", "America/Denver"),
    ("206", "WA", "-8", "SSM-FSN", "America/Los_Angeles"),
    ("310", "CA", "-8", "SSM-FSN", "America/Los_Angeles"),
    ("415", "CA", "-8", "SSM-FSN", "America/Los_Angeles"),
    ("702", "NV", "-8", "SSM-FSN", "America/Los_Angeles"),
    ("503", "OR", "-8", "SSM-FSN", "America/Los_Angeles"),
    ("907", "AK", "-9", "SSM-FSN", "America/Anchorage"),
    ("808", "HI", "-10", "", "Pacific/Honolulu"),
]
FIRST = ["Ann", "Bob", "Carla", "Dev", "Elena", "Frank", "Grace", "Hugo", "Iris", "José"]
LAST = ["Smith", "Lee", "García", "Brown", "Nguyen", "Miller", "O'Neil", "Davis", "Khan", "Ray"]
STREETS = ["Main St", "Oak Ave", "Park Rd", "2nd St", "Elm Dr", "Lake Blvd", "Hill Ct"]
DUPLICATE_SHARE = 0.05
INVALID_SHARE = 0.005
DNC_SHARE = 0.01


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the CSV")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="rows of the XLSX")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--workdir", help="folder for the files (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the files and the database")
    parser.add_argument("--profile", action="store_true", help="cProfile the CSV import")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="leadhub-importbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> None:
    rng = random.Random(20240601)
    csv_path, xlsx_path = workdir / "leads-1m.csv", workdir / "leads-100k.xlsx"
    print(f"generating {args.rows:,} CSV rows and {args.xlsx_rows:,} XLSX rows in {workdir}")
    dnc = generate_csv(csv_path, args.rows, rng)
    if args.xlsx_rows:
        generate_xlsx(xlsx_path, args.xlsx_rows, rng)
    setup_django(args.database_url, workdir)
    load_reference_data(dnc)

    from django.contrib.auth import get_user_model

    from campaigns.models import Campaign
    from leads.models import Lead, LeadList

    user = get_user_model().objects.get(username="admin")
    campaign = Campaign.objects.get(campaign_id="TESTCAMP")
    csv_list = LeadList.objects.create(list_id=2001, list_name="bench csv", campaign=campaign)
    xlsx_list = LeadList.objects.create(list_id=2002, list_name="bench xlsx", campaign=campaign)
    from leads.importing.options import ImportOptions
    from leads.outcomes import DuplicateCheck
    from leads.services.request import AddOptions, DncMode, DuplicatePolicy, PhoneChecks

    options = ImportOptions(
        add=AddOptions(
            duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)),
            dnc=DncMode.NUMBER,
            phone_checks=PhoneChecks(usacan_prefix=True, usacan_areacode=True),
        )
    )
    figures = Figures()
    raw_before = raw_store(csv_path)
    figures.append(("raw baseline before the import", f"{raw_before:,.0f} rows/s"))
    leads_before = leads_store(csv_path, csv_list.list_id)
    figures.append(("leads-table reference before the import", f"{leads_before:,.0f} rows/s"))

    job, upload_s = timed(lambda: create_job(csv_path, user, csv_list.list_id, options))
    figures.append(("CSV upload + hash + inspect", f"{upload_s:.1f} s"))
    _, dry_s = timed(lambda: dry_run(job))
    job.refresh_from_db()
    figures.append((f"CSV dry run, {job.dry_run['rows']:,} rows", f"{dry_s:.1f} s"))
    figures.append(("  dry-run counts", format_counts(job.dry_run["counts"])))
    profiler = cProfile.Profile() if args.profile else None
    job, import_s = timed(lambda: import_job(job, profiler))
    rows = job.rows_done
    figures.append(
        (f"CSV import, {rows:,} rows", f"{import_s:.1f} s, {rows / import_s:,.0f} rows/s")
    )
    end_to_end = upload_s + import_s
    figures.append(
        ("CSV end to end (upload + import)", f"{end_to_end:.1f} s, {rows / end_to_end:,.0f} rows/s")
    )
    figures.append(("  import counts", format_counts(job.counts)))
    check_counts(job, Lead, csv_list.list_id)
    raw_after = raw_store(csv_path)
    figures.append(("raw baseline after the import", f"{raw_after:,.0f} rows/s"))
    leads_after = leads_store(csv_path, csv_list.list_id)
    figures.append(("leads-table reference after the import", f"{leads_after:,.0f} rows/s"))
    raw = (raw_before + raw_after) / 2
    figures.append(("CSV import / raw baseline (of record)", f"{rows / import_s / raw:.3f}x"))
    leads_reference = (leads_before + leads_after) / 2
    figures.append(
        ("CSV import / leads-table reference", f"{rows / import_s / leads_reference:.3f}x")
    )
    figures.append(
        (
            "  per row: import, leads-table reference, raw",
            f"{import_s / rows * 1e6:.1f} µs, {1e6 / leads_reference:.1f} µs, {1e6 / raw:.1f} µs",
        )
    )
    figures.append(("peak memory after the CSV import", peak_memory()))
    if args.xlsx_rows:
        run_xlsx(args, figures, xlsx_path, job, user, xlsx_list, options, raw)
    figures.append(("peak memory (whole run)", peak_memory()))

    print_table(args, figures.rows)
    if profiler is not None:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    if not args.keep:
        drop_database(args.database_url)


def run_xlsx(args, figures, xlsx_path: Path, job, user, xlsx_list, options, raw: float) -> None:
    from leads.models import Lead

    _, xlsx_result_s = timed(lambda: write_xlsx_result(job))
    figures.append(("CSV result as XLSX (after DONE)", f"{xlsx_result_s:.1f} s"))

    xjob, xupload_s = timed(lambda: create_job(xlsx_path, user, xlsx_list.list_id, options))
    xjob, ximport_s = timed(lambda: import_job(xjob, None))
    xrows = xjob.rows_done
    xtotal = xupload_s + ximport_s
    figures.append(("XLSX upload + hash + inspect", f"{xupload_s:.1f} s"))
    figures.append(
        (f"XLSX import, {xrows:,} rows", f"{ximport_s:.1f} s, {xrows / ximport_s:,.0f} rows/s")
    )
    figures.append(
        ("XLSX end to end (upload + import)", f"{xtotal:.1f} s, {xrows / xtotal:,.0f} rows/s")
    )
    check_counts(xjob, Lead, xlsx_list.list_id)
    figures.append(("XLSX import / raw baseline (CSV rows)", f"{xrows / ximport_s / raw:.3f}x"))


# --- data ---------------------------------------------------------------------------------


def phone(rng: random.Random) -> str:
    area = AREA_CODES[rng.randrange(len(AREA_CODES))][0]
    return f"{area}{rng.randrange(200, 1000)}{rng.randrange(10000):04d}"


def lead_rows(count: int, rng: random.Random):
    """Rows of the generated file: (cells, phone as digits) with repeats, invalid phones and
    a few formats vendors use."""
    seen: list[str] = []
    for n in range(count):
        roll = rng.random()
        if seen and roll < DUPLICATE_SHARE:
            number = seen[rng.randrange(len(seen))]
        elif roll < DUPLICATE_SHARE + INVALID_SHARE:
            number = str(rng.randrange(100, 99999))
        else:
            number = phone(rng)
            if len(seen) < 200_000:
                seen.append(number)
            else:
                seen[rng.randrange(len(seen))] = number
        shown = number
        if len(number) == 10 and n % 4 == 1:
            shown = f"({number[:3]}) {number[3:6]}-{number[6:]}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        area = next((a for a in AREA_CODES if a[0] == number[:3]), AREA_CODES[0])
        yield (
            [
                f"V{n:07d}",
                shown,
                first,
                last,
                f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
                "Springfield",
                area[1],
                f"{rng.randrange(10000, 99999)}",
                f"{first.lower()}.{n}@example.com",
                phone(rng) if n % 3 == 0 else "",
                "from vendor feed" if n % 5 == 0 else "",
            ],
            number,
        )


def generate_csv(path: Path, count: int, rng: random.Random) -> list[str]:
    dnc: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for cells, number in lead_rows(count, rng):
            writer.writerow(cells)
            if len(number) == 10 and rng.random() < DNC_SHARE:
                dnc.append(number)
    return dnc


def generate_xlsx(path: Path, count: int, rng: random.Random) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Leads")
    sheet.write_row(0, 0, HEADER)
    for row, (cells, number) in enumerate(lead_rows(count, rng), start=1):
        for column, cell in enumerate(cells):
            if column == 1 and number == cell and len(number) == 10:
                sheet.write_number(row, column, int(number))  # phones stored as numbers
            elif cell:
                sheet.write_string(row, column, cell)
    workbook.close()


# --- database and Django ------------------------------------------------------------------


def setup_django(database_url: str, workdir: Path) -> None:
    recreate_database(database_url)
    os.environ.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(workdir / "media"),
        DJANGO_SETTINGS_MODULE="leadhub.settings",
        LEADHUB_ADMIN_PASSWORD="bench-only-password",
    )
    os.environ.pop("DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def recreate_database(database_url: str, *, create: bool = True) -> None:
    """Drop the benchmark's database and (unless ``create`` is off) make it again, empty."""
    scheme = database_url.split(":", 1)[0]
    admin_url, name = database_url.rsplit("/", 1)
    if scheme == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database_url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
    elif scheme == "mysql":
        import MySQLdb

        host, port = admin_url.rsplit("@", 1)[1].split(":")
        user = admin_url.split("//", 1)[1].split("@", 1)[0]
        connection = MySQLdb.connect(host=host, port=int(port), user=user)
        cursor = connection.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        if create:
            cursor.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        connection.close()
    else:
        import psycopg

        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def drop_database(database_url: str) -> None:
    from django.db import connections

    connections.close_all()
    recreate_database(database_url, create=False)


def raw_store(csv_path: Path) -> float:
    """Rows per second of the raw baseline: the CSV's data rows into a plain table of text
    columns, no index, one transaction, straight through the driver (PostgreSQL: COPY of the
    file; elsewhere: executemany of the parsed rows, in chunks of 10,000, the parsing not
    counted)."""
    from django.db import connection

    columns = ", ".join(f"c{n} varchar(255)" for n in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute(f"CREATE TABLE bench_raw ({columns})")
    connection.ensure_connection()
    raw = connection.connection
    vendor = connection.vendor
    started = time.perf_counter()
    rows = 0
    if vendor == "postgresql":
        with raw.cursor() as cursor, open(csv_path, "rb") as stream:
            with cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while block := stream.read(1 << 20):
                    copy.write(block)
            rows = cursor.rowcount
        raw.commit()
    else:
        mark = "?" if vendor == "sqlite" else "%s"
        sql = f"INSERT INTO bench_raw VALUES ({', '.join([mark] * len(HEADER))})"
        cursor = raw.cursor()
        cursor.execute("BEGIN" if vendor == "sqlite" else "START TRANSACTION")
        parsing = 0.0
        with open(csv_path, encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            next(reader)
            while True:
                parsed = time.perf_counter()
                chunk = list(islice(reader, 10_000))
                parsing += time.perf_counter() - parsed  # the baseline is the store alone
                if not chunk:
                    break
                cursor.executemany(sql, chunk)
                rows += len(chunk)
        raw.commit()
        cursor.close()
        started += parsing
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw")
    return rows / seconds


def leads_store(csv_path: Path, list_id: int) -> float:
    """Rows per second of the leads-table reference: the CSV's rows as the leads the import
    stores (its columns, rendered by ``LeadRows``: not timed) into an empty copy of the
    leads table with all its indexes, straight through the driver, one transaction per
    5,000 rows as the import's batches (PostgreSQL: COPY of the rendered lines; elsewhere:
    ``executemany`` of the rendered rows)."""
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from leads.models import Lead
    from leads.pipeline.batch import RowResult
    from leads.pipeline.storage import LeadRows
    from leads.services import LeadActor

    fields = [
        "vendor_lead_code",
        "phone_number",
        "first_name",
        "last_name",
        "address1",
        "city",
        "state",
        "postal_code",
        "email",
        "alt_phone",
        "comments",
    ]
    vendor = connection.vendor
    copy = vendor == "postgresql"
    rows_of = LeadRows(
        mapped=set(fields),
        actor=LeadActor(user="admin", door=Lead.Door.UPLOAD),
        now=timezone.now(),
        copy=copy,
    )
    gmt = Decimal("-5.00")

    def rendered(chunk: list[list[str]], first: int) -> list:
        out = []
        for n, cells in enumerate(chunk, first):
            r = RowResult(n, cells, phone=re.sub(r"\D", "", cells[1]), list_id=list_id)
            r.values = dict(zip(fields, cells, strict=True))
            r.values["phone_number"] = r.phone
            r.values["alt_phone"] = re.sub(r"\D", "", cells[9])
            r.state, r.gmt, r.lead_id = cells[6], gmt, n
            out.append(rows_of.line(r) if copy else rows_of.row(r))
        return out

    table = Lead._meta.db_table
    _reference_table_create(connection, table)
    raw = connection.connection
    mark = "%s" if vendor == "mysql" else "?"
    names = [connection.ops.quote_name(c) for c in rows_of.columns]
    if copy:
        sql = f"COPY bench_leads ({', '.join(names)}) FROM STDIN"
    else:
        marks = ", ".join([mark] * len(names))
        sql = f"INSERT INTO bench_leads ({', '.join(names)}) VALUES ({marks})"
    rows = 0
    elapsed = 0.0
    with open(csv_path, encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        next(reader)
        # A transaction per 5,000 rows, as the import commits its batches.
        while chunk := list(islice(reader, 5_000)):
            prepared = rendered(chunk, rows + 1)
            started = time.perf_counter()
            if copy:
                with raw.cursor() as cursor, cursor.copy(sql) as target:
                    target.write("".join(prepared))
            else:
                cursor = raw.cursor()
                cursor.execute("BEGIN" if vendor == "sqlite" else "START TRANSACTION")
                cursor.executemany(sql, prepared)
                cursor.close()
            raw.commit()
            elapsed += time.perf_counter() - started
            rows += len(chunk)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_leads")
    return rows / elapsed


def _reference_table_create(connection, table: str) -> None:
    """``bench_leads``: an empty copy of the leads table with all its indexes."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_leads")
        if connection.vendor == "postgresql":
            cursor.execute(f'CREATE TABLE bench_leads (LIKE "{table}" INCLUDING ALL)')
        elif connection.vendor == "mysql":
            cursor.execute(f"CREATE TABLE bench_leads LIKE `{table}`")
        else:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                "ORDER BY type = 'index'",
                [table],
            )
            for kind, name, sql in cursor.fetchall():
                sql = sql.replace(f'"{table}"', '"bench_leads"', 1 if kind == "table" else -1)
                if kind == "index":
                    sql = sql.replace(f'"{name}"', f'"bench_{name}"', 1)
                cursor.execute(sql)


def load_reference_data(dnc: list[str]) -> None:
    from leads.models import DncNumber, PhoneCode

    PhoneCode.objects.bulk_create(
        PhoneCode(
            country_code="1",
            country="USA",
            areacode=area,
            state=state,
            gmt_offset=offset,
            dst=bool(rule),
            dst_range=rule,
            iana_zone=zone,
        )
        for area, state, offset, rule, zone in AREA_CODES
    )
    DncNumber.objects.bulk_create(
        (DncNumber(phone_number=n) for n in set(dnc)), batch_size=5000, ignore_conflicts=True
    )


# --- the page's code path -----------------------------------------------------------------


def create_job(path: Path, user, list_id: int, options):
    from django.core.files import File

    from leads.importing import jobs

    with path.open("rb") as stream:
        job = jobs.import_job_create(upload=File(stream), original_name=path.name, created_by=user)
    job.wants_xlsx = False  # the XLSX result file is timed on its own (write_xlsx_result)
    mapping = {int(column): name for column, name in job.mapping.items()}
    return jobs.import_job_configure(
        job=job, list_id=list_id, mapping=mapping, options=options, has_header=True
    )


def dry_run(job) -> None:
    from leads.importing import engine, jobs

    job = jobs.import_job_start_dry_run(job=job, background=False)
    engine.import_dry_run(job)


def import_job(job, profiler):
    from leads.importing import engine, jobs

    job = jobs.import_job_start_import(job=job, background=False)
    if profiler is None:
        return engine.import_run(job)
    profiler.enable()
    try:
        return engine.import_run(job)
    finally:
        profiler.disable()


def write_xlsx_result(job) -> None:
    from leads.importing import engine

    engine.import_write_xlsx(job)


def check_counts(job, lead_model, list_id: int) -> None:
    stored = lead_model.objects.filter(list_id=list_id).count()
    if job.status != "done" or sum(job.counts.values()) != job.rows_done:
        raise SystemExit(f"import {job.pk}: status {job.status}, counts {job.counts}")
    if stored != job.counts["added"]:
        raise SystemExit(f"import {job.pk}: {stored} leads stored, {job.counts['added']} added")


# --- output -------------------------------------------------------------------------------


def timed(action):
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def peak_memory() -> str:
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"


def format_counts(counts: dict) -> str:
    return ", ".join(f"{name} {value:,}" for name, value in counts.items())


class Figures:
    """The table's rows, each also printed as soon as it is measured."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def append(self, row: tuple[str, str]) -> None:
        self.rows.append(row)
        print(f"  {row[0]}: {row[1]}", flush=True)


def print_table(args, figures: list[tuple[str, str]]) -> None:
    from django.db import connection

    server = f"{connection.display_name} {connection.get_database_version()}"
    print()
    print(f"date        {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine     {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
    print(
        f"command     .venv/bin/python bench/import_bench.py --rows {args.rows} "
        f"--xlsx-rows {args.xlsx_rows} --database-url {args.database_url}"
    )
    width = max(len(label) for label, _ in figures)
    for label, value in figures:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
