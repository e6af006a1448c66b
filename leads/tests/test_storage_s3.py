"""Uploads, import result files and exports on S3-compatible storage (LEADHUB_S3_BUCKET),
against moto's S3 server: a real HTTP endpoint on 127.0.0.1, started in this process, with the
storage settings production builds (``leadhub.s3_settings``), not mocks. What is pinned:

* an upload through the JSON door is stored in the bucket, dry-run and imported from it, and
  its result files are written there, downloaded streamed, and nothing lands on local disk;
* a stored workbook is read from a temporary local copy that is gone afterwards;
* an export is written to the bucket and downloaded from it;
* an import killed with SIGKILL after a committed batch is finished by ``resume_imports`` from
  its committed result parts, with every row loaded once and one whole result CSV;
* inspecting and reading all rows of a large CSV in the bucket (what the dry run and the
  import do) keeps the process's peak memory (VmHWM) far below the file's size.
"""

import csv
import io
import json
import os
import tempfile
import uuid
from dataclasses import dataclass

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from leadhub.s3_settings import s3_storage
from leads.importing import jobs
from leads.importing.options import ImportOptions
from leads.models import ExportJob, ImportJob, Lead
from leads.tests.factories import LeadFactory, LeadListFactory, UserFactory

# The crash test's child processes and their databases, shared rather than repeated.
from .rest_fixtures import key_of, rest_user  # noqa: F401
from .test_import_crash import (  # noqa: F401
    database_url,
    environment,
    kill_at_stage,
    manage,
    run,
    state,
    template_db,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CREDENTIALS = {"LEADHUB_S3_ACCESS_KEY_ID": "testing", "LEADHUB_S3_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    env: dict
    client: object

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path, monkeypatch) -> Bucket:
    """A new bucket as the default storage (MEDIA_ROOT points where nothing may appear), tasks
    run inline, and a temporary folder of the test's own."""
    name = f"leadhub-{uuid.uuid4().hex[:12]}"
    env = {
        "LEADHUB_S3_BUCKET": name,
        "LEADHUB_S3_ENDPOINT_URL": s3_endpoint,
        "LEADHUB_S3_REGION": "us-east-1",
        **CREDENTIALS,
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(env)}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return Bucket(name, env, client)


def _api(key: str, path: str, data: dict | None = None):
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    return client.post(path, data, **auth) if data is not None else client.get(path, **auth)


@pytest.mark.django_db
def test_an_upload_is_stored_checked_imported_and_its_results_read_from_the_bucket(
    bucket,
    rest_user,  # noqa: F811
    tmp_path,
):
    LeadListFactory(list_id=6301)
    LeadFactory(list_id=6301, phone_number="7275550002")
    body = b"Phone,First\r\n7275550001,Ann\r\n7275550002,Bob\r\n7275550001,Ann\r\n123,Bad\r\n"
    key = key_of(rest_user)
    response = _api(
        key,
        "/api/v1/imports/?dry_run=true",
        {
            "file": SimpleUploadedFile("leads.csv", body, content_type="text/csv"),
            "list_id": 6301,
            "mapping": json.dumps({"0": "phone_number", "1": "first_name"}),
            "options": json.dumps({"duplicate_checks": ["phone:list"]}),
        },
    )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert bucket.keys("imports/") == [job.file.name]
    assert bucket.read(job.file.name) == body
    assert job.dry_run["counts"]["added"] == 1 and job.dry_run["counts"]["invalid"] == 1

    ImportJob.objects.filter(pk=job.pk).update(wants_xlsx=True)
    job = jobs.import_job_start_import(job=ImportJob.objects.get(), confirm_same_upload=True)
    assert job.status == ImportJob.Status.DONE, job.error
    assert Lead.objects.filter(list_id=6301).count() == 2
    results = [f"imports/results/job-{job.pk}.csv", f"imports/results/job-{job.pk}.xlsx"]
    assert bucket.keys("imports/results/") == results  # the CSV's parts are gone

    progress = _api(key, f"/api/v1/imports/{job.pk}/").json()
    download = _api(key, progress["result_csv"])
    assert download.status_code == 200 and download.streaming
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[1] for row in rows[1:]] == ["added", "duplicate_db", "duplicate_file", "invalid"]
    assert bucket.read(results[0]) == text.encode("utf-8-sig")
    xlsx = _api(key, progress["result_xlsx"])
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    assert sum(1 for _ in book.active.iter_rows(values_only=True)) == 5
    assert not (tmp_path / "media").exists()
    assert not os.listdir(tmp_path / "tmp")


@pytest.mark.django_db
def test_a_stored_workbook_is_read_from_a_local_copy_that_is_then_deleted(bucket, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    LeadListFactory(list_id=6302)
    book = openpyxl.Workbook()
    book.active.append(["phone", "first_name"])
    for n in range(30):
        book.active.append([f"727555{n:04d}", f"Name {n}"])
    data = io.BytesIO()
    book.save(data)
    job = jobs.import_job_create(
        upload=SimpleUploadedFile("leads.xlsx", data.getvalue()),
        original_name="leads.xlsx",
        created_by=None,
    )
    assert (job.file_format, job.total_rows) == ("xlsx", 30)
    assert jobs.import_job_sample(job, rows=1) == [["7275550000", "Name 0"]]
    job = jobs.import_job_configure(
        job=job,
        list_id=6302,
        mapping={0: "phone_number", 1: "first_name"},
        options=ImportOptions(),
        has_header=True,
    )
    job = jobs.import_job_start_import(job=job)
    assert (job.status, job.counts["added"]) == (ImportJob.Status.DONE, 30)
    assert not os.listdir(tmp_path / "tmp")


@pytest.mark.django_db
def test_an_export_is_written_to_the_bucket_and_downloaded_from_it(bucket, client, tmp_path):
    for n in range(3):
        LeadFactory(phone_number=f"72755500{n:02d}")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:leads_lead_export"), {"file_format": "csv", "query": ""})
    assert response.status_code in (200, 302), response.content
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    assert bucket.keys("exports/") == [job.file.name]
    download = client.get(reverse("admin:leads_exportjob_download", args=[job.pk]))
    body = b"".join(download.streaming_content)
    assert body == bucket.read(job.file.name)
    assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) == 4
    assert not (tmp_path / "media").exists()


# --- in other processes: a killed import, and the memory of a large one --------------------


@pytest.mark.live_server_db
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_after_a_batch_is_finished_from_its_parts_in_the_bucket(
    bucket,
    tmp_path,
    database_url,  # noqa: F811
):
    rows = 12_000  # three batches of 5,000
    source = tmp_path / "vendor.csv"
    phones = [f"727{n:07d}" for n in range(rows)]
    source.write_text("phone,first_name\n" + "".join(f"{p},Ann\n" for p in phones))
    media = tmp_path / "media"
    killed_env = {**environment(database_url, media, stop_at="batch-committed"), **bucket.env}
    importing = manage(killed_env, "import_leads", str(source), "--list", "7001", "--xlsx")
    kill_at_stage(importing)
    env = {**environment(database_url, media), **bucket.env}
    assert state(env)["status"] == "running"
    # Only committed batches' parts (PostgreSQL may still be storing the first one in its
    # store's thread when the run stops), and no joined CSV before the run ends.
    parts = bucket.keys("imports/results/")
    assert len(parts) <= 1 and all(".csv.parts/" in key for key in parts)

    assert "Resumed 1 import job(s)" in run(env, "resume_imports", "--all")
    run(env, "db_worker", "--batch", "--no-reload", "--no-startup-delay")

    done = state(env)
    assert (done["status"], done["rows_done"]) == ("done", rows)
    assert done["phones"] == phones  # no row lost or loaded twice
    assert bucket.keys("imports/results/") == [done["result_csv"], done["result_xlsx"]]
    text = bucket.read(done["result_csv"]).decode("utf-8-sig")
    numbers = [int(line[0]) for line in list(csv.reader(io.StringIO(text)))[1:]]
    assert numbers == list(range(2, rows + 2))
    assert not media.exists()


_READ_AND_MEASURE = """
import json, os
from leadhub.stored_files import StoredFile
from leads.importing.reading import inspect_file, iter_rows
stored = StoredFile(os.environ["STORED_NAME"])
info = inspect_file(stored)
rows = sum(1 for _ in iter_rows(stored, info))
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"rows": rows, "format": info.format, "peak_kb": int(status)}))
"""


def _read_peak(env: dict, name: str) -> dict:
    out = run({**env, "STORED_NAME": name}, "shell", "-c", _READ_AND_MEASURE)
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.live_server_db
@pytest.mark.django_db(transaction=True)
def test_a_large_stored_file_is_inspected_and_read_in_memory_far_below_its_size(
    bucket,
    tmp_path,
    database_url,  # noqa: F811
):
    """Peak RSS of a process that inspects a 64 MB CSV in the bucket and reads all its rows
    (what the dry run and the import do with it), against the same for a file of 2 MB: the
    difference stays under a quarter of the file's size (a copy in memory would add all of
    it: the reads are streamed from the bucket)."""
    note = "x" * 4000
    sizes = {}
    for name, rows in (("small.csv", 500), ("large.csv", 16_000)):
        body = "phone,first_name,notes\n" + "".join(f"727{n:07d},Ann,{note}\n" for n in range(rows))
        bucket.client.put_object(Bucket=bucket.name, Key=name, Body=body.encode())
        sizes[name] = len(body) // 1024
    env = {**environment(database_url, tmp_path / "media"), **bucket.env}
    baseline = _read_peak(env, "small.csv")
    measured = _read_peak(env, "large.csv")
    assert (measured["format"], measured["rows"]) == ("csv", 16_000)
    growth_kb = measured["peak_kb"] - baseline["peak_kb"]
    print(f"file {sizes['large.csv']} kB, peak {baseline['peak_kb']} -> {measured['peak_kb']} kB")
    assert growth_kb < sizes["large.csv"] / 4


_WRITE_AND_MEASURE = """
import json, os
from leadhub.stored_files import stored_output
block = os.urandom(1024 * 1024)
with stored_output(os.environ["STORED_NAME"]) as path, open(path, "wb") as stream:
    for _ in range(int(os.environ["STORED_MB"])):
        stream.write(block)
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(json.dumps({"peak_kb": int(status)}))
"""


def _write_peak(env: dict, name: str, megabytes: int) -> int:
    out = run(
        {**env, "STORED_NAME": name, "STORED_MB": str(megabytes)}, "shell", "-c", _WRITE_AND_MEASURE
    )
    return json.loads(out.strip().splitlines()[-1])["peak_kb"]


@pytest.mark.live_server_db
@pytest.mark.django_db(transaction=True)
def test_a_large_result_file_goes_to_the_bucket_in_memory_independent_of_its_size(
    bucket,
    tmp_path,
    database_url,  # noqa: F811
):
    """Peak RSS of a process that writes a result file or export of 24 MB, then one of 72 MB,
    through ``stored_output`` (spooled to a temporary file, sent in 8 MB parts): the larger
    file adds less than a quarter of the 48 MB between them (holding the file whole, or all
    its parts, would add all of it)."""
    env = {**environment(database_url, tmp_path / "media"), **bucket.env}
    small = _write_peak(env, "exports/small.bin", 24)
    large = _write_peak(env, "exports/large.bin", 72)
    sizes = {
        key: bucket.client.head_object(Bucket=bucket.name, Key=key)["ContentLength"]
        for key in ("exports/small.bin", "exports/large.bin")
    }
    assert sizes == {"exports/small.bin": 24 * 1024 * 1024, "exports/large.bin": 72 * 1024 * 1024}
    print(f"peak {small} kB (24 MB file) -> {large} kB (72 MB file)")
    assert large - small < 48 * 1024 / 4
