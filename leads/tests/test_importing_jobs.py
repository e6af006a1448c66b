"""The import service the upload page calls: create, configure, dry run and import as tasks,
the same file loaded twice, cancel, progress, and a stalled worker's job started again."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory
from leads.importing import jobs
from leads.importing.errors import UnreadableFile
from leads.importing.options import ImportOptions
from leads.models import ImportJob, Lead
from leads.outcomes import DuplicateCheck
from leads.services.request import DncMode
from leads.tests.factories import (
    CustomFieldDefinitionFactory,
    LeadFactory,
    LeadListFactory,
    UserFactory,
    import_options,
)

CSV = (
    "Phone Number;First Name;Last Name;Zip\r\n"
    "(727) 555-0001;Ann;Lee;33755\r\n"
    "7275550002;Bob;Ray;33756\r\n"
    "7275550001;Ann;Lee;33755\r\n"
    "123;Bad;Phone;1\r\n"
).encode("cp1252")


@pytest.fixture(autouse=True)
def _media_and_inline_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def target(campaign):
    return LeadListFactory(list_id=6001, campaign=campaign)


def upload(content: bytes = CSV, name: str = "vendor leads.csv", user=None) -> ImportJob:
    return jobs.import_job_create(
        upload=SimpleUploadedFile(name, content), original_name=name, created_by=user
    )


def configure(job, list_id, *checks):
    mapping = {int(column): name for column, name in job.mapping.items()}
    return jobs.import_job_configure(
        job=job,
        list_id=list_id,
        mapping=mapping,
        options=import_options(*checks),
        has_header=True,
    )


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ({"bogus": True}, "Unknown import option"),
        ({"dnc": "maybe"}, "maybe"),
        ({"duplicate_checks": ["DUPLIST"]}, "DUPLIST"),
    ],
)
def test_stored_options_of_unknown_names_or_values_are_refused(stored, message):
    with pytest.raises(ValueError, match=message):
        ImportOptions.from_json(stored)


def test_create_saves_hashes_inspects_and_maps(db):
    user = UserFactory()
    job = upload(user=user)
    assert job.status == ImportJob.Status.UPLOADED
    assert len(job.content_hash) == 64 and job.size_bytes == len(CSV)
    assert (job.file_format, job.delimiter, job.has_header, job.total_rows) == ("csv", ";", True, 4)
    assert job.header == ["Phone Number", "First Name", "Last Name", "Zip"]
    assert job.mapping == {
        "0": "phone_number",
        "1": "first_name",
        "2": "last_name",
        "3": "postal_code",
    }
    assert job.file.path.endswith(".csv") and job.created_by == user
    assert jobs.import_job_sample(job, rows=2) == [
        ["(727) 555-0001", "Ann", "Lee", "33755"],
        ["7275550002", "Bob", "Ray", "33756"],
    ]


def test_an_unreadable_file_raises_and_keeps_nothing(db, settings):
    with pytest.raises(UnreadableFile) as error:
        upload(b"", name="empty.csv")
    assert "empty" in error.value.message
    assert ImportJob.objects.count() == 0
    assert not list((settings.MEDIA_ROOT / "imports").rglob("*.csv"))


@pytest.mark.parametrize(
    ("list_id", "mapping", "options", "message"),
    [
        (6001, {1: "first_name"}, {}, "phone number"),
        (None, {0: "phone_number"}, {}, "Choose a list"),
        (424242, {0: "phone_number"}, {}, "no list 424242"),
        (6001, {0: "phone_number", 1: "phone_number"}, {}, "mapped to two columns"),
        (6001, {0: "phone_number", 1: "favourite_colour"}, {}, "Unknown field"),
        (6001, {0: "phone_number"}, {"campaign_dnc": DncMode.NUMBER}, "needs a campaign"),
        (
            6001,
            {0: "phone_number"},
            {"campaign_dnc": DncMode.AREACODE, "campaign_id": "NOPE"},
            "no campaign 'NOPE'",
        ),
    ],
)
def test_configure_refuses_what_cannot_work(target, list_id, mapping, options, message):
    job = upload()
    with pytest.raises(jobs.ImportConfigError) as error:
        jobs.import_job_configure(
            job=job,
            list_id=list_id,
            mapping=mapping,
            options=import_options(**options),
            has_header=True,
        )
    assert message in error.value.message


@pytest.mark.parametrize("list_id", [6001, None])
def test_a_column_mapped_to_a_field_that_stores_nothing_is_refused(target, list_id):
    """A script field shows text and keeps no value: its column would be read for nothing."""
    CustomFieldDefinitionFactory(list=target, field_label="pitch", field_type="SCRIPT")
    mapping = {0: "phone_number", 1: "pitch"}
    if list_id is None:
        mapping[2] = "list_id"
    with pytest.raises(jobs.ImportConfigError, match="Unknown field"):
        jobs.import_job_configure(
            job=upload(),
            list_id=list_id,
            mapping=mapping,
            options=import_options(),
            has_header=True,
        )


def test_configure_stores_cleaned_options_custom_labels_and_the_header_choice(target):
    target.keeps_custom_fields = True
    target.save()
    CustomFieldDefinitionFactory(list=target, field_label="plan")
    CampaignFactory(campaign_id="TESTCAMP")
    job = upload()
    job = jobs.import_job_configure(
        job=job,
        list_id=target.list_id,
        mapping={0: "phone_number", 3: "plan"},
        options=import_options(
            DuplicateCheck.LIST,
            statuses=(" sale", ""),
            lookup_state=True,
            dnc=DncMode.AREACODE,
            campaign_dnc=DncMode.NUMBER,
            campaign_id="TEST;CAMP",
        ),
        has_header=False,
    )
    assert job.mapping == {"0": "phone_number", "3": "plan"}
    assert job.options["lookup_state"] is True and job.options["dnc"] == "areacode"
    assert job.options["duplicate_checks"] == ["phone:list"]
    assert job.options["duplicate_statuses"] == ["SALE"]
    stored = ImportOptions.from_json(job.options)
    assert stored.add.campaign_id == "TESTCAMP"  # the API's filter
    assert stored.add.duplicates.checks == (DuplicateCheck.LIST,)
    assert (job.has_header, job.total_rows) == (False, 5)


def test_dry_run_then_import_as_tasks_with_progress(target):
    LeadFactory(list=target, phone_number="7275550002")
    job = configure(upload(), target.list_id, DuplicateCheck.LIST)

    job = jobs.import_job_start_dry_run(job=job)
    assert job.status == ImportJob.Status.CHECKED
    assert job.dry_run["counts"]["added"] == 1

    job = jobs.import_job_start_import(job=job)
    progress = jobs.import_job_progress(job)
    json.dumps(progress)
    assert progress["status"] == "done" and progress["percent"] == 100.0
    assert progress["counts"] == {
        "added": 1,
        "invalid": 1,
        "duplicate_db": 1,
        "duplicate_file": 1,
        "dnc": 0,
        "campaign_dnc": 0,
    }
    assert progress["rows_done"] == progress["total_rows"] == 4
    assert progress["result_csv_url"].endswith(f"job-{job.pk}.csv")
    assert progress["result_xlsx_url"].endswith(f"job-{job.pk}.xlsx")
    with open(job.result_csv.path, encoding="utf-8-sig", newline="") as stream:
        assert [line[1] for line in csv.reader(stream)][1:] == [
            "added",
            "duplicate_db",
            "duplicate_file",
            "invalid",
        ]
    assert Lead.objects.get(door="upload").phone_number == "7275550001"


def test_the_same_file_into_the_same_list_needs_a_confirmation(target):
    first = configure(upload(), target.list_id, DuplicateCheck.LIST)
    first = jobs.import_job_start_import(job=first)
    assert first.status == ImportJob.Status.DONE

    again = configure(upload(), target.list_id, DuplicateCheck.LIST)
    assert jobs.import_job_same_upload(again) == first
    with pytest.raises(jobs.ImportConfigError) as error:
        jobs.import_job_start_import(job=again)
    assert f"import {first.pk}" in error.value.message
    assert Lead.objects.filter(door="upload").count() == 2

    again = jobs.import_job_start_import(job=again, confirm_same_upload=True)
    assert again.counts["duplicate_db"] == 3 and again.counts["added"] == 0

    elsewhere = configure(upload(), LeadListFactory(list_id=6002).list_id)
    assert jobs.import_job_same_upload(elsewhere) is None


def test_a_dry_run_alone_does_not_count_as_loaded(target):
    checked = jobs.import_job_start_dry_run(job=configure(upload(), target.list_id))
    assert checked.status == ImportJob.Status.CHECKED
    assert jobs.import_job_same_upload(configure(upload(), target.list_id)) is None


def test_cancel_a_queued_import_and_ask_a_running_one_to_stop(target, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = jobs.import_job_start_import(job=configure(upload(), target.list_id))
    assert job.status == ImportJob.Status.QUEUED
    job = jobs.import_job_cancel(job=job)
    assert job.status == ImportJob.Status.CANCELLED

    running = configure(upload(), target.list_id)
    ImportJob.objects.filter(pk=running.pk).update(status=ImportJob.Status.RUNNING)
    running = jobs.import_job_cancel(job=running)
    assert running.status == ImportJob.Status.RUNNING and running.cancel_requested
    with pytest.raises(jobs.ImportConfigError):
        jobs.import_job_start_import(job=running)


def test_a_stalled_worker_s_job_is_started_again_from_its_last_batch(target, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = jobs.import_job_start_import(job=configure(upload(), target.list_id))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    assert not jobs.import_job_resume_if_stale(job=job)  # still reporting

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - jobs.STALE_AFTER - timedelta(seconds=1)
    )
    progress = jobs.import_job_progress(job)
    assert progress["status"] == "done"
    assert progress["counts"]["added"] == 3


def test_configure_is_refused_once_the_import_started(target, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = jobs.import_job_start_import(job=configure(upload(), target.list_id))
    with pytest.raises(jobs.ImportConfigError):
        configure(job, target.list_id)


def test_resume_imports_all_restarts_what_a_dead_worker_left_running(target, settings):
    """`manage.py resume_imports --all` (run by ./dev serve before its worker starts)."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = jobs.import_job_start_import(job=configure(upload(), target.list_id))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("resume_imports", "--all", stdout=io.StringIO())

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.counts["added"] == 3
