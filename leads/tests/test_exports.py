"""Lead exports (leads/exports/, leads/admin/exports.py): who may export and what, the
background run, the CSV and XLSX files, and who may follow and download an export. Tasks run
inline (the immediate backend) unless a test queues them only (the dummy backend)."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from leads import spreadsheets
from leads.exports import jobs, writing
from leads.exports.visible import leads_visible
from leads.models import ExportJob
from leads.tests.factories import (
    CustomFieldDefinitionFactory,
    LeadFactory,
    LeadListFactory,
    UserFactory,
)

Status = ExportJob.Status
EXPORT_URL = reverse("admin:leads_lead_export")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _media_and_inline_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="leads", codename__in=codenames)
    )
    return user


@pytest.fixture
def viewer(db):
    return staff("view_lead")


@pytest.fixture
def two_lists(campaign):
    mine = LeadListFactory(list_id=8101, campaign=campaign)
    other = LeadListFactory(list_id=8102, campaign=campaign)
    return mine, other


def export(client, query: str = "", file_format: str = "csv"):
    return client.post(EXPORT_URL, {"query": query, "file_format": file_format})


def csv_rows(job: ExportJob) -> list[dict]:
    with job.file.open("rb") as stream:
        raw = stream.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# --- who may export what ---------------------------------------------------------------------


def test_staff_without_lead_view_permission_gets_403_and_no_export(client, two_lists):
    LeadFactory(list=two_lists[0])
    client.force_login(staff("view_leadlist"))

    assert client.get(EXPORT_URL).status_code == 403
    assert export(client).status_code == 403
    assert not ExportJob.objects.exists()


def test_export_page_shows_the_filters_and_the_count(client, viewer, two_lists):
    LeadFactory.create_batch(2, list=two_lists[0])
    LeadFactory(list=two_lists[1])
    client.force_login(viewer)

    page = client.get(f"{EXPORT_URL}?list__list_id__exact=8101&p=3&o=2")

    assert page.status_code == 200
    assert page.context["visible"].count == 2
    assert "8101" in page.context["visible"].description
    # The page's number and order are not part of what is exported.
    assert page.context["query"] == "list__list_id__exact=8101"


def test_an_export_holds_only_the_leads_of_the_users_filters_and_search(client, viewer, two_lists):
    wanted = LeadFactory(list=two_lists[0], first_name="Zelda")
    LeadFactory(list=two_lists[0], first_name="Other")
    LeadFactory(list=two_lists[1], first_name="Zelda")
    client.force_login(viewer)

    response = export(client, "list__list_id__exact=8101&q=zelda")

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == jobs_progress_url(job)
    assert job.status == Status.DONE and job.created_by == viewer
    assert [row["lead_id"] for row in csv_rows(job)] == [str(wanted.lead_id)]
    assert job.rows_done == job.total_rows == 1
    assert "search: zelda" in job.description


def jobs_progress_url(job: ExportJob) -> str:
    return reverse("admin:leads_exportjob_progress", args=[job.pk])


def test_filters_the_lead_list_refuses_give_an_error_and_no_export(client, viewer, two_lists):
    client.force_login(viewer)

    response = export(client, "no_such_field__exact=1")

    assert response.status_code == 200
    assert "does not accept" in response.context["error"]
    assert not ExportJob.objects.exists()


def test_a_user_who_lost_the_permission_before_the_run_gets_a_failed_job(settings, viewer):
    settings.TASKS = QUEUE_ONLY
    LeadFactory()
    job = jobs.export_job_create(user=viewer, query="", file_format="csv")
    viewer.user_permissions.clear()
    viewer = type(viewer).objects.get(pk=viewer.pk)  # drop the cached permissions

    job = jobs.export_run(job, run_id="run-1")

    assert job.status == Status.FAILED and "no longer view" in job.error
    assert not job.file
    assert not list((settings.MEDIA_ROOT / "exports").glob("*"))


# --- the files -------------------------------------------------------------------------------


def test_csv_has_a_bom_neutralised_formulas_local_times_and_custom_columns(client, viewer):
    lead_list = LeadListFactory(list_id=8201)
    CustomFieldDefinitionFactory(list=lead_list, field_label="favourite")
    lead = LeadFactory(
        list=lead_list,
        first_name='=HYPERLINK("http://evil","x")',
        last_name="+1",
        city="@SUM(1)",
        comments="\tlead",
        address1="-2+3",
        date_of_birth=date(1980, 2, 29),
        custom_values={"favourite": "=1+1"},
    )
    client.force_login(viewer)

    export(client)

    (row,) = csv_rows(ExportJob.objects.get())
    assert row["first_name"] == '\'=HYPERLINK("http://evil","x")'
    assert row["last_name"] == "'+1"
    assert row["city"] == "'@SUM(1)"
    assert row["comments"] == "'\tlead"
    assert row["address1"] == "'-2+3"
    assert row["favourite"] == "'=1+1"
    assert row["phone_number"] == lead.phone_number
    assert row["date_of_birth"] == "1980-02-29"
    assert row["gmt_offset_now"] == "-5.00"
    local = timezone.localtime(lead.entry_date)
    assert row["entry_date"] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_custom_columns_are_the_fields_that_store_a_value(client, viewer):
    """A field that only shows text, or one labelled as a standard lead column (never
    custom, C13), gets no column: the header names each lead column once."""
    lead_list = LeadListFactory(list_id=8202)
    CustomFieldDefinitionFactory(list=lead_list, field_label="favourite")
    CustomFieldDefinitionFactory(list=lead_list, field_label="city")
    CustomFieldDefinitionFactory(list=lead_list, field_label="pitch", field_type="SCRIPT")
    LeadFactory(list=lead_list, city="Tampa", custom_values={"favourite": "red"})
    client.force_login(viewer)

    export(client)

    job = ExportJob.objects.get()
    with job.file.open("rb") as stream:
        header = next(csv.reader(io.StringIO(stream.read().decode("utf-8-sig"))))
    assert header.count("city") == 1
    assert "pitch" not in header
    (row,) = csv_rows(job)
    assert (row["city"], row["favourite"]) == ("Tampa", "red")


def test_xlsx_has_typed_cells_a_frozen_header_and_neutralised_text(client, viewer):
    lead = LeadFactory(
        first_name="=cmd|' /C calc'!A0", date_of_birth=date(1975, 6, 1), called_count=3
    )
    client.force_login(viewer)

    export(client, file_format="xlsx")

    job = ExportJob.objects.get()
    assert job.status == Status.DONE and job.file.name.endswith(".xlsx")
    with job.file.open("rb") as stream:
        sheet = openpyxl.load_workbook(io.BytesIO(stream.read())).active
    header = [cell.value for cell in sheet[1]]
    cells = {name: sheet.cell(row=2, column=i + 1) for i, name in enumerate(header)}
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert cells["lead_id"].value == lead.lead_id and cells["lead_id"].data_type == "n"
    assert cells["called_count"].value == 3
    assert Decimal(str(cells["gmt_offset_now"].value)) == Decimal("-5")
    assert cells["entry_date"].is_date
    assert cells["entry_date"].value == timezone.localtime(lead.entry_date).replace(
        tzinfo=None, microsecond=cells["entry_date"].value.microsecond
    )
    assert cells["date_of_birth"].is_date
    assert cells["date_of_birth"].value.date() == date(1975, 6, 1)
    assert cells["first_name"].data_type == "s"
    assert cells["first_name"].value == "'=cmd|' /C calc'!A0"
    assert cells["phone_number"].data_type == "s"


def test_an_export_larger_than_one_chunk_writes_every_lead_once_in_order(settings, viewer):
    settings.TASKS = QUEUE_ONLY
    leads = LeadFactory.create_batch(7)
    job = jobs.export_job_create(user=viewer, query="", file_format="csv")

    job = jobs.export_run(job, run_id="run-1", chunk_rows=3)

    assert job.status == Status.DONE and job.rows_done == job.total_rows == 7
    assert [int(row["lead_id"]) for row in csv_rows(job)] == sorted(x.lead_id for x in leads)


def test_xlsx_goes_on_in_a_further_sheet_past_the_row_limit(settings, viewer, monkeypatch):
    settings.TASKS = QUEUE_ONLY
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 3)  # a header and two leads per sheet
    leads = LeadFactory.create_batch(5)
    job = jobs.export_job_create(user=viewer, query="", file_format="xlsx")

    job = jobs.export_run(job, run_id="run-1", chunk_rows=2)

    with job.file.open("rb") as stream:
        book = openpyxl.load_workbook(io.BytesIO(stream.read()))
    ids = [row[0] for sheet in book.worksheets for row in sheet.iter_rows(2, values_only=True)]
    assert ids == sorted(lead.lead_id for lead in leads)
    assert [sheet.freeze_panes for sheet in book.worksheets] == ["A2", "A2", "A2"]
    assert all(sheet.cell(1, 1).value == "lead_id" for sheet in book.worksheets)


def test_an_export_of_no_lead_is_a_file_with_its_header(client, viewer):
    client.force_login(viewer)

    export(client, file_format="xlsx")
    export(client, file_format="csv")

    csv_job, xlsx_job = ExportJob.objects.order_by("-pk")
    assert csv_rows(csv_job) == []
    with xlsx_job.file.open("rb") as stream:
        sheet = openpyxl.load_workbook(io.BytesIO(stream.read())).active
    assert sheet.max_row == 1 and sheet.cell(row=1, column=1).value == "lead_id"


# --- progress and download -------------------------------------------------------------------


def test_a_queued_export_shows_its_progress_and_no_download(client, settings, viewer):
    settings.TASKS = QUEUE_ONLY
    LeadFactory.create_batch(2)
    client.force_login(viewer)

    export(client)
    job = ExportJob.objects.get()
    page = client.get(jobs_progress_url(job))
    data = client.get(reverse("admin:leads_exportjob_json", args=[job.pk])).json()

    assert page.status_code == 200 and b"export-download" not in page.content
    assert data["status"] == Status.QUEUED and data["total_rows"] == 2 and not data["finished"]
    download = reverse("admin:leads_exportjob_download", args=[job.pk])
    assert client.get(download).status_code == 404


def test_only_the_owner_and_superusers_follow_and_download_an_export(client, viewer, db):
    LeadFactory()
    client.force_login(viewer)
    export(client)
    job = ExportJob.objects.get()
    pages = [
        jobs_progress_url(job),
        reverse("admin:leads_exportjob_json", args=[job.pk]),
        reverse("admin:leads_exportjob_download", args=[job.pk]),
    ]

    owner = client.get(pages[2])
    assert owner.status_code == 200
    assert owner["Content-Disposition"] == (
        f'attachment; filename="leads-{job.pk}-{job.created_at:%Y%m%d-%H%M}.csv"'
    )
    assert b"".join(owner.streaming_content).startswith(b"\xef\xbb\xbf")
    assert client.get(pages[0]).status_code == 200

    client.force_login(staff("view_lead", "view_exportjob", "delete_exportjob"))
    assert [client.get(page).status_code for page in pages] == [404, 404, 404]
    changelist = client.get(reverse("admin:leads_exportjob_changelist"))
    assert changelist.status_code == 200 and not list(changelist.context["cl"].result_list)

    client.force_login(staff())
    assert [client.get(page).status_code for page in pages] == [403, 403, 403]

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert [client.get(page).status_code for page in pages] == [200, 200, 200]


def test_the_owner_who_lost_the_lead_permission_cannot_download(client, viewer):
    LeadFactory()
    client.force_login(viewer)
    export(client)
    job = ExportJob.objects.get()
    viewer.user_permissions.clear()

    download = client.get(reverse("admin:leads_exportjob_download", args=[job.pk]))

    assert download.status_code == 403


def test_a_running_export_whose_worker_stopped_reporting_is_queued_again(settings, viewer):
    settings.TASKS = QUEUE_ONLY
    LeadFactory.create_batch(3)
    job = jobs.export_job_create(user=viewer, query="", file_format="csv")
    stale = timezone.now() - jobs.STALE_AFTER - timedelta(seconds=1)
    ExportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, task_id="lost-run", rows_done=1, updated_at=stale
    )
    settings.TASKS = IMMEDIATE

    progress = jobs.export_job_progress(job)

    assert progress["status"] == Status.DONE and progress["rows_done"] == 3
    assert len(csv_rows(ExportJob.objects.get())) == 3


def test_resume_imports_starts_again_an_export_whose_worker_stopped(settings, viewer):
    """The scheduled `resume_imports` (deploy/leadhub-resume.timer) takes over a killed
    export even when nobody watches its page: on many boxes no worker retries it."""
    settings.TASKS = QUEUE_ONLY
    LeadFactory.create_batch(2)
    job = jobs.export_job_create(user=viewer, query="", file_format="csv")
    stale = timezone.now() - jobs.STALE_AFTER - timedelta(seconds=1)
    ExportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, task_id="lost-run", updated_at=stale
    )
    settings.TASKS = IMMEDIATE

    call_command("resume_imports", stdout=io.StringIO())

    job.refresh_from_db()
    assert job.status == Status.DONE and len(csv_rows(job)) == 2


def test_deleting_an_export_deletes_its_file(client, viewer):
    LeadFactory()
    client.force_login(viewer)
    export(client)
    job = ExportJob.objects.get()
    path = job.file.path
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = client.post(reverse("admin:leads_exportjob_delete", args=[job.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not ExportJob.objects.exists()
    assert not Path(path).exists()


def test_the_lead_list_links_to_the_export_page_with_its_filters(client, viewer, two_lists):
    client.force_login(viewer)

    page = client.get(reverse("admin:leads_lead_changelist") + "?list__list_id__exact=8101")

    assert f'href="{EXPORT_URL}?list__list_id__exact=8101"' in page.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY: PostgreSQL only")
def test_postgresql_copy_writes_the_same_csv_as_the_python_writer(tmp_path, viewer, monkeypatch):
    lead_list = LeadListFactory(list_id=8301)
    CustomFieldDefinitionFactory(list=lead_list, field_label="note")
    LeadFactory(list=lead_list, comments='say "hi",\nthen -1', city="", custom_values=None)
    LeadFactory(list=lead_list, last_name="@x", date_of_birth=date(1990, 1, 2))
    LeadFactory(list=lead_list, custom_values={"note": "+cmd", "other": 1}, gmt_offset_now=None)
    leads = leads_visible(user=viewer, query="").leads

    writing.export_write(leads, path=tmp_path / "copy.csv", file_format="csv", chunk_rows=2)
    monkeypatch.setattr(writing, "copy_csv_supported", lambda: False)
    writing.export_write(leads, path=tmp_path / "python.csv", file_format="csv", chunk_rows=2)

    def read(name: str) -> list[list[str]]:
        with (tmp_path / name).open(encoding="utf-8-sig", newline="") as stream:
            return list(csv.reader(stream))

    assert read("copy.csv") == read("python.csv")
    assert len(read("copy.csv")) == 4
