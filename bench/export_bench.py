"""Benchmark of lead exports on PostgreSQL: the background task's code path, no browser.

    .venv/bin/python bench/export_bench.py                      # 1M leads to CSV, 100k to XLSX
    .venv/bin/python bench/export_bench.py --rows 200000 --xlsx-rows 20000   # a quicker look

What it does: drops and re-creates the database (default ``leadhub_exportbench`` on the local
PostgreSQL), migrates it, loads ``--rows`` leads with one ``INSERT ... SELECT`` over
``generate_series`` (all in list 101, which has one custom field; about 1% of first names start
with "=", so the formula neutralisation runs), plus ``--xlsx-rows`` leads in list 102; then runs
``leads.exports.jobs.export_run`` as the worker would, for a superuser: all leads to CSV, and
list 102 to XLSX. Prints seconds, rows per second, the process's peak memory (ru_maxrss) before
and after each export, the CPU seconds of this process and of its PostgreSQL backend (the
machine is shared: rows per CPU second tell what an idle machine would do), and as a baseline
in the same run PostgreSQL's own ``COPY ... TO STDOUT CSV`` of every lead. The figures are
printed, never asserted: copy them into bench/RESULTS.md.
"""

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_exportbench"

LOAD_SQL = """
INSERT INTO leads_lead (
    entry_date, modify_date, status, "user", vendor_lead_code, source_id, list_id,
    gmt_offset_now, called_since_last_reset, phone_code, phone_number, title, first_name,
    middle_initial, last_name, address1, address2, address3, city, state, province,
    postal_code, country_code, gender, date_of_birth, alt_phone, email, security_phrase,
    comments, called_count, last_local_call_time, rank, owner, entry_list_id, custom_values,
    door
)
SELECT
    now() - (g %% 100000) * interval '1 minute', now(), 'NEW', '6666', 'V' || g, 'bench',
    %(list_id)s, -5.00, 'N', '1', (7270000000 + g)::text, '',
    CASE WHEN g %% 100 = 0 THEN '=HYPERLINK("x")' ELSE 'First' || (g %% 997) END,
    '', 'Last' || (g %% 991), g || ' Main St', '', '', 'Clearwater', 'FL', '', '33755',
    'USA', 'U', CASE WHEN g %% 3 = 0 THEN date '1980-01-01' + (g %% 9000) END, '',
    'lead' || g || '@example.com', '', 'imported for the benchmark', g %% 7, NULL, 0, '',
    %(list_id)s, CASE WHEN g %% 10 = 0 THEN '{"favourite": "blue"}'::jsonb END, 'upload'
FROM generate_series(%(first)s, %(last)s) AS g
"""


def setup_django(database_url: str, workdir: Path) -> None:
    """A fresh database with the demo data, set up as the import benchmark does."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import import_bench

    import_bench.setup_django(database_url, workdir)


def drop_database(database_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    admin_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_leads(rows: int, xlsx_rows: int) -> float:
    from django.db import connection

    from leads.models import CustomFieldDefinition, LeadList

    LeadList.objects.get_or_create(list_id=102, defaults={"list_name": "XLSX bench"})
    CustomFieldDefinition.objects.get_or_create(list_id=101, field_label="favourite")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(LOAD_SQL, {"list_id": 101, "first": 1, "last": rows})
        if xlsx_rows:
            last = rows + xlsx_rows
            cursor.execute(LOAD_SQL, {"list_id": 102, "first": rows + 1, "last": last})
        cursor.execute("ANALYZE leads_lead")
    return time.perf_counter() - started


def backend_cpu_seconds() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_baseline(path: Path) -> tuple[int, float]:
    """PostgreSQL's own COPY of every lead to a CSV file: the speed of light at this moment."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor, path.open("wb") as stream:
        with cursor.cursor.copy(
            "COPY (SELECT * FROM leads_lead ORDER BY lead_id) TO STDOUT CSV"
        ) as copy:
            for block in copy:
                stream.write(block)
        cursor.execute("SELECT count(*) FROM leads_lead")
        (rows,) = cursor.fetchone()
    return rows, time.perf_counter() - started


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_export(query: str, file_format: str) -> tuple[int, float, int, float, float]:
    from django.contrib.auth import get_user_model

    from leads.exports import jobs
    from leads.models import ExportJob

    user = get_user_model().objects.get(username="admin")
    job = ExportJob.objects.create(created_by=user, query=query, file_format=file_format)
    started, cpu, db_cpu = time.perf_counter(), time.process_time(), backend_cpu_seconds()
    job = jobs.export_run(job, run_id=f"bench-{job.pk}")
    seconds = time.perf_counter() - started
    cpu, db_cpu = time.process_time() - cpu, backend_cpu_seconds() - db_cpu
    assert job.status == ExportJob.Status.DONE, job.error
    return job.rows_done, seconds, Path(job.file.path).stat().st_size, cpu, db_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        setup_django(args.database_url, Path(tmp))
        from django.db import connection

        try:
            load_seconds = load_leads(args.rows, args.xlsx_rows)
            print(
                f"python {platform.python_version()}, {connection.vendor} "
                f"{connection.cursor().connection.info.server_version}, "
                f"{os.cpu_count()} cores"
            )
            print(f"loaded {args.rows + args.xlsx_rows} leads in {load_seconds:.1f} s")
            print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            print(
                f"{'export':<22}{'rows':>9}{'s':>7}{'rows/s':>8}{'MB':>7}{'peak MB':>12}"
                f"{'CPU s py':>10}{'CPU s pg':>10}{'rows/CPU s':>11}"
            )
            rows, seconds = copy_baseline(Path(tmp) / "copy.csv")
            print(f"{'COPY TO (baseline)':<22}{rows:>9}{seconds:>7.1f}{rows / seconds:>8.0f}")
            runs = [("all leads to CSV", "", "csv")]
            if args.xlsx_rows:
                runs.append(("list 102 to XLSX", "list__list_id__exact=102", "xlsx"))
            for label, query, file_format in runs:
                before = peak_mb()
                rows, seconds, size, cpu, db_cpu = run_export(query, file_format)
                print(
                    f"{label:<22}{rows:>9}{seconds:>7.1f}{rows / seconds:>8.0f}"
                    f"{size / 1e6:>7.1f}{before:>5.0f} → {peak_mb():<5.0f}"
                    f"{cpu:>10.1f}{db_cpu:>10.1f}{rows / (cpu + db_cpu):>11.0f}"
                )
            print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        finally:
            if not args.keep:
                drop_database(args.database_url)


if __name__ == "__main__":
    main()
