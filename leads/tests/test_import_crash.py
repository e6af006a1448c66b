"""Every file a job promises is eventually written: ``manage.py import_leads --xlsx`` is killed
with SIGKILL at each stage (after a committed batch, after the last batch, while its XLSX part
file is being written), then ``resume_imports --all`` and one ``db_worker --batch`` leave the
job DONE with both result files, no part file, and every row loaded once.

The processes run on the test database on PostgreSQL and MariaDB (the test commits), and on a
SQLite file of their own (migrated once for the module) on SQLite, whose test database lives
in memory. The stage is reached through ``results.crash_test_stop``: the process stops itself
there and the test kills it."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from leads.importing import jobs
from leads.importing.results import result_path
from leads.models import ImportJob

ROOT = Path(__file__).resolve().parents[2]
ROWS = 12_000  # three batches of 5,000
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def manage(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def run(env: dict, *args: str) -> str:
    process = manage(env, *args)
    out, _ = process.communicate()
    assert process.returncode == 0, out
    return out


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """A migrated SQLite file with list 7001, copied by each SQLite test."""
    folder = tmp_path_factory.mktemp("crashdb")
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    run(environment(url, folder / "media"), "migrate", "-v0")
    run(environment(url, folder / "media"), "shell", "-c", _MAKE_LIST)
    return folder / "db.sqlite3"


_MAKE_LIST = "from leads.tests.factories import LeadListFactory; LeadListFactory(list_id=7001)"
_STATE = """
import json
from leads.models import ImportJob, Lead
job = ImportJob.objects.get()
print(json.dumps({
    "status": job.status, "result_csv": job.result_csv.name,
    "result_xlsx": job.result_xlsx.name, "rows_done": job.rows_done,
    "phones": sorted(Lead.objects.values_list("phone_number", flat=True)),
}))
"""


@pytest.fixture
def database_url(request, tmp_path) -> str:
    """The database the processes share: on PostgreSQL and MariaDB the test database itself
    (the test commits), on SQLite a copy of ``template_db``."""
    if connection.vendor == "sqlite":
        shutil.copy(request.getfixturevalue("template_db"), tmp_path / "db.sqlite3")
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    from leads.tests.factories import LeadListFactory

    LeadListFactory(list_id=7001)
    params = connection.settings_dict
    scheme = "postgres" if connection.vendor == "postgresql" else "mysql"
    password = f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else ""
    return (
        f"{scheme}://{quote(params['USER'])}{password}@{params['HOST']}:{params['PORT']}"
        f"/{params['NAME']}"
    )


def environment(database_url: str, media: Path, stop_at: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LEADHUB_CRASH_TEST_STOP"}
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="leadhub.settings",
    )
    if stop_at:
        env["LEADHUB_CRASH_TEST_STOP"] = stop_at
    return env


def stopped(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0] == "T"


def kill_at_stage(process: subprocess.Popen) -> None:
    """Wait until the process stops itself at its stage, then SIGKILL it there."""
    while process.poll() is None and not stopped(process.pid):
        time.sleep(0.05)
    if process.returncode is not None:
        pytest.fail(f"the import ended without reaching the stage: {process.stdout.read()}")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def state(env: dict) -> dict:
    return json.loads(run(env, "shell", "-c", _STATE).strip().splitlines()[-1])


@pytest.mark.live_server_db
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stage", ["batch-committed", "rows-done", "xlsx-part-written"])
def test_a_killed_import_is_finished_by_resume_imports_with_both_files(
    tmp_path, database_url, stage
):
    media = tmp_path / "media"
    source = tmp_path / "vendor.csv"
    phones = [f"727{n:07d}" for n in range(ROWS)]
    source.write_text("phone,first_name\n" + "".join(f"{p},Ann\n" for p in phones))

    importing = manage(
        environment(database_url, media, stop_at=stage),
        "import_leads",
        str(source),
        "--list",
        "7001",
        "--xlsx",
    )
    kill_at_stage(importing)
    env = environment(database_url, media)
    killed = state(env)
    assert (killed["status"], killed["result_xlsx"]) == ("running", "")  # never DONE without
    results = media / "imports" / "results"
    if stage == "xlsx-part-written":
        assert len(list(results.glob("*.part"))) == 1  # what a killed writer leaves

    out = run(env, "resume_imports", "--all")
    assert "Resumed 1 import job(s)" in out
    run(env, "db_worker", "--batch", "--no-reload", "--no-startup-delay")

    done = state(env)
    assert (done["status"], done["rows_done"]) == ("done", ROWS)
    assert done["phones"] == phones  # no row lost or loaded twice
    with (media / done["result_csv"]).open(encoding="utf-8-sig", newline="") as stream:
        numbers = [int(line[0]) for line in list(csv.reader(stream))[1:]]
    assert numbers == list(range(2, ROWS + 2))
    openpyxl = pytest.importorskip("openpyxl")
    sheet = openpyxl.load_workbook(media / done["result_xlsx"], read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == ROWS + 1
    assert not list(results.glob("*.part"))


# --- finished jobs whose files are missing, stray part files (in this process) -------------


@pytest.fixture
def done_job(settings, tmp_path, campaign):
    from leads.tests.factories import LeadListFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    LeadListFactory(list_id=7002, campaign=campaign)
    path = tmp_path / "vendor.csv"
    path.write_text("phone,first_name\n7275550001,Ann\n7275550002,Bob\n")
    call_command("import_leads", str(path), "--list", "7002", "--xlsx")
    return ImportJob.objects.get()


def test_a_done_job_whose_xlsx_is_lost_gets_it_written_again(done_job):
    assert done_job.status == ImportJob.Status.DONE and done_job.result_xlsx
    Path(done_job.result_xlsx.path).unlink()
    call_command("resume_imports", "--all")
    done_job.refresh_from_db()
    assert Path(done_job.result_xlsx.path).exists()


def test_a_cancelled_job_gets_its_promised_xlsx_from_resume_imports(done_job):
    ImportJob.objects.filter(pk=done_job.pk).update(
        status=ImportJob.Status.CANCELLED, result_xlsx=""
    )
    result_path(done_job, "xlsx").unlink()
    call_command("resume_imports", "--all")
    done_job.refresh_from_db()
    assert done_job.result_xlsx and Path(done_job.result_xlsx.path).exists()


def test_a_recent_finished_job_is_left_to_its_writer(done_job):
    """Without --all, a job that reported within the stale limit may still be writing."""
    ImportJob.objects.filter(pk=done_job.pk).update(result_xlsx="")
    assert not jobs.import_job_write_missing_files(job=done_job)


def test_stale_part_files_are_removed_and_fresh_ones_kept(done_job, tmp_path):
    folder = result_path(done_job, "csv").parent
    stale = folder / "job-1.xlsx.aaaa.part"
    fresh = folder / "job-1.xlsx.bbbb.part"
    for path in (stale, fresh):
        path.write_bytes(b"PK")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    call_command("resume_imports")
    assert not stale.exists() and fresh.exists()


def test_a_job_without_the_promise_gets_no_xlsx(settings, tmp_path, campaign):
    from leads.tests.factories import LeadListFactory

    settings.MEDIA_ROOT = tmp_path / "media"
    LeadListFactory(list_id=7003, campaign=campaign)
    path = tmp_path / "vendor.csv"
    path.write_text("phone,first_name\n7275550001,Ann\n")
    call_command("import_leads", str(path), "--list", "7003")
    job = ImportJob.objects.get()
    assert (job.status, job.wants_xlsx, job.result_xlsx.name) == ("done", False, "")
    assert result_path(job, "csv").exists()
