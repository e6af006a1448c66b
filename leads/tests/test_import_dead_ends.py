"""No dead ends on the import pages: the list chosen at upload is the job's at once,
abandoned uploads expire with their files, cancel asks first and a cancelled import can be
resumed, both result formats are offered, the finished page links to the leads it loaded,
and a list's custom fields that are not kept are explained on the mapping page."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from leads.models import ImportJob, Lead
from leads.tests.factories import (
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
)
from leads.tests.test_admin_imports import dry_run_job, imported_job, upload, url

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


@pytest.fixture(autouse=True)
def _media_and_inline_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def target(campaign):
    return LeadListFactory(list_id=7001, campaign=campaign)


@pytest.fixture
def demo_data(target):
    LeadFactory(list=target, phone_number="7275559999")
    DncNumberFactory(phone_number="7275550000")


def test_the_list_chosen_at_upload_is_kept_before_the_mapping(admin_client, target):
    upload(admin_client, target)
    job = ImportJob.objects.get()
    assert job.list_id == target.list_id
    jobs_page = admin_client.get(reverse("admin:leads_importjob_changelist")).content.decode()
    assert "from the file" not in jobs_page


def test_abandoned_uploads_expire_with_their_files(admin_client, target):
    upload(admin_client, target)
    upload(admin_client, target, name="fresh.csv")
    old, fresh = ImportJob.objects.order_by("pk")
    path = Path(old.file.path)
    ImportJob.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=49))
    call_command("expire_uploads", stdout=io.StringIO())
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not path.exists()
    assert Path(fresh.file.path).exists()


def test_imported_jobs_never_expire(admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=30))
    call_command("expire_uploads", stdout=io.StringIO())
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_cancel_asks_first_and_a_cancelled_import_resumes(
    admin_client, target, demo_data, settings
):
    job = dry_run_job(admin_client, target)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    admin_client.post(url("dry_run", job.pk))
    page = admin_client.get(url("progress", job.pk)).content.decode()
    assert "window.confirm(" in page
    admin_client.post(url("cancel", job.pk))
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    page = admin_client.get(url("progress", job.pk)).content.decode()
    assert 'id="resume-import"' in page
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = admin_client.post(url("resume", job.pk))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert job.counts["added"] == 2


def test_a_finished_import_offers_both_formats_and_links_to_its_leads(
    admin_client, target, demo_data
):
    other = LeadFactory(list=target, phone_number="8135550199")
    job = imported_job(admin_client, target)
    page = admin_client.get(url("progress", job.pk)).content.decode()
    assert 'id="download-csv"' in page and 'id="download-xlsx"' in page
    leads_url = f"{reverse('admin:leads_lead_changelist')}?import_job={job.pk}"
    assert f'href="{leads_url}"' in page.replace("&amp;", "&")
    listed = admin_client.get(leads_url).context["cl"].result_list
    loaded = set(Lead.objects.filter(door="upload").values_list("pk", flat=True))
    assert {lead.pk for lead in listed} == loaded
    assert other.pk not in loaded and len(loaded) == job.counts["added"]


def test_a_cancelled_import_gets_its_xlsx_when_asked(admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CANCELLED, result_xlsx="")
    response = admin_client.get(url("result", job.pk, "xlsx"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_mapping_explains_custom_fields_a_list_does_not_keep(admin_client, target):
    CustomFieldDefinitionFactory(list=target, field_label="favourite_colour")
    upload(admin_client, target)
    job = ImportJob.objects.get()
    page = admin_client.get(url("mapping", job.pk)).content.decode()
    assert 'id="custom-fields-note"' in page and "favourite_colour" in page
    target.keeps_custom_fields = True
    target.save()
    page = admin_client.get(url("mapping", job.pk)).content.decode()
    assert 'id="custom-fields-note"' not in page
    assert '<option value="favourite_colour"' in page
