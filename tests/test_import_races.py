"""D11 for every door: imports racing API adds, or each other, store no phone twice where a
duplicate check in force refuses it.

The API is called over HTTP on a live server (each request thread has its own database
connection); each import runs in a thread of its own, with its own connections, as a worker
would (on PostgreSQL its store thread adds one more). Small batches make it likely that the
import's batches and the requests interleave. Every test ends with each phone stored once.

On SQLite the tests are skipped for the reason tests/test_concurrency.py gives.
"""

import csv
import io
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from leads.importing import engine, jobs
from leads.models import ImportJob, Lead
from leads.tests.factories import import_options
from leads.wording import CHECK_BY_CODE

# The same live-server marks and skip as the API's concurrency tests.
from tests.test_concurrency import DEMO_CREDENTIALS, TIMEOUT_SECONDS, _get, pytestmark  # noqa: F401

PHONES = 1200
BATCH_ROWS = 40
API_THREADS = 4
# From `manage.py load_demo`: list 101 in TESTCAMP and list 999.
LIST, OTHER_LIST = 101, 999


@pytest.fixture
def demo_server(live_server, settings, tmp_path):
    """The demo data, committed, the live server that serves it, and a media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=io.StringIO())
    return live_server


def _phones(start: int, count: int) -> list[str]:
    return [f"72755{n:05d}" for n in range(start, start + count)]


def _import_job(tmp_path, name: str, phones: list[str], *, list_id: int, check: str):
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Phone", "First Name"])
        writer.writerows([phone, "Ann"] for phone in phones)
    with path.open("rb") as stream:
        job = jobs.import_job_create(
            upload=File(stream),
            original_name=name,
            created_by=get_user_model().objects.get(username="admin"),
        )
    job = jobs.import_job_configure(
        job=job,
        list_id=list_id,
        mapping={0: "phone_number", 1: "first_name"},
        options=import_options(CHECK_BY_CODE[check]),
        has_header=True,
    )
    return jobs.import_job_start_import(job=job, background=False)


def _run_import(job: ImportJob, barrier: threading.Barrier) -> ImportJob:
    barrier.wait(timeout=TIMEOUT_SECONDS)
    try:
        return engine.import_run(job, batch_rows=BATCH_ROWS)
    finally:
        connection.close()  # this thread's connection


def _add_over_api(url: str, phones: list[str], list_id: int, check: str, barrier) -> list[str]:
    barrier.wait(timeout=TIMEOUT_SECONDS)
    bodies = []
    for phone in phones:
        params = {**DEMO_CREDENTIALS, "phone_number": phone, "list_id": str(list_id)}
        params["duplicate_check"] = check
        answer = _get(url, params)
        assert answer.status == 200, answer
        bodies.append(answer.body)
    return bodies


def _race(*, imports: list[ImportJob], api_adds: list[tuple[list[str], int, str]], url: str):
    """Start the imports and the API senders together; return the finished jobs and the
    API's answers."""
    barrier = threading.Barrier(len(imports) + len(api_adds))
    with ThreadPoolExecutor(max_workers=len(imports) + len(api_adds)) as pool:
        running = [pool.submit(_run_import, job, barrier) for job in imports]
        sending = [
            pool.submit(_add_over_api, url, phones, list_id, check, barrier)
            for phones, list_id, check in api_adds
        ]
        done = [future.result() for future in running]
        answers = [body for future in sending for body in future.result()]
    return done, answers


def _doubled(leads) -> list[tuple[str, int]]:
    return list(
        leads.values("phone_number")
        .annotate(n=Count("lead_id"))
        .filter(n__gt=1)
        .values_list("phone_number", "n")
    )


def _api_slices(phones: list[str], list_id: int, check: str):
    shuffled = phones[:]
    random.Random(9).shuffle(shuffled)
    return [(shuffled[n::API_THREADS], list_id, check) for n in range(API_THREADS)]


def _assert_counts_match_the_leads(job: ImportJob, rows: int) -> None:
    assert job.status == ImportJob.Status.DONE, job.error
    assert sum(job.counts.values()) == job.rows_done == rows


def test_api_adds_racing_an_import_into_one_list_store_each_phone_once(demo_server, tmp_path):
    phones = _phones(0, PHONES)
    job = _import_job(tmp_path, "race.csv", phones, list_id=LIST, check="DUPLIST")

    (job,), answers = _race(
        imports=[job], api_adds=_api_slices(phones, LIST, "DUPLIST"), url=demo_server.url
    )

    _assert_counts_match_the_leads(job, PHONES)
    in_list = Lead.objects.filter(list_id=LIST, phone_number__in=phones)
    assert _doubled(in_list) == []
    assert in_list.count() == PHONES
    by_api = sum(body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED") for body in answers)
    assert by_api + job.counts["added"] == PHONES
    assert job.counts["duplicate_db"] == PHONES - job.counts["added"]
    assert in_list.filter(door=Lead.Door.UPLOAD).count() == job.counts["added"]


def test_two_imports_of_overlapping_files_into_one_list_store_each_phone_once(
    demo_server, tmp_path
):
    first = _phones(0, PHONES)
    second = _phones(PHONES // 2, PHONES)  # its first half is the other file's second half
    jobs_ = [
        _import_job(tmp_path, "first.csv", first, list_id=LIST, check="DUPLIST"),
        _import_job(tmp_path, "second.csv", second[::-1], list_id=LIST, check="DUPLIST"),
    ]

    done, _ = _race(imports=jobs_, api_adds=[], url=demo_server.url)

    for job in done:
        _assert_counts_match_the_leads(job, PHONES)
    every = set(first) | set(second)
    in_list = Lead.objects.filter(list_id=LIST, phone_number__in=every)
    assert _doubled(in_list) == []
    assert in_list.count() == len(every) == sum(job.counts["added"] for job in done)


def test_dupsys_imports_and_api_adds_across_two_lists_store_each_phone_once(demo_server, tmp_path):
    phones = _phones(0, PHONES)
    jobs_ = [
        _import_job(tmp_path, "sys-101.csv", phones, list_id=LIST, check="DUPSYS"),
        _import_job(tmp_path, "sys-999.csv", phones[::-1], list_id=OTHER_LIST, check="DUPSYS"),
    ]

    done, answers = _race(
        imports=jobs_,
        api_adds=_api_slices(phones, OTHER_LIST, "DUPSYS")[:2],
        url=demo_server.url,
    )

    for job in done:
        _assert_counts_match_the_leads(job, PHONES)
    stored = Lead.objects.filter(phone_number__in=phones)
    assert _doubled(stored) == []
    assert stored.count() == PHONES
    by_api = sum(body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED") for body in answers)
    assert by_api + sum(job.counts["added"] for job in done) == PHONES
