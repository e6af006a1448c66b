"""The upload pages of the admin (leads/views_imports.py), through Django's test client:
upload errors, mapping form errors, the dry run and its confirmation, progress JSON, cancel,
result downloads and who may see what. Tasks run inline (the immediate backend)."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import ImportJob, ImportTemplate, Lead
from leads.outcomes import DuplicateCheck
from leads.services.request import DncMode
from leads.tests.factories import (
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
    UserFactory,
)

Status = ImportJob.Status
CSV = (
    b"Cust Ref,Phone Number,First Name,Last Name,Zip\r\n"
    b"R1,(727) 555-0101,Ann,Lee,33755\r\n"
    b"R2,727-555-0102,Bob,Ray,33756\r\n"
    b"R3,555-12,Bad,Phone,33755\r\n"
    b"R4,7275550101,Ann,Again,33755\r\n"
    b"R5,7275559999,Old,Lead,33755\r\n"
    b"R6,7275550000,Do Not,Call,33755\r\n"
)


def url(name: str, *args) -> str:
    return reverse(f"admin:leads_importjob_{name}", args=args)


@pytest.fixture(autouse=True)
def _media_and_inline_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def target(campaign):
    return LeadListFactory(list_id=7001, campaign=campaign)


def staff(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="leads", codename__in=codenames)
    )
    return user


def upload(client, target, content: bytes = CSV, name: str = "vendor.csv", **fields):
    data = {
        "file": SimpleUploadedFile(name, content),
        "target_list": str(target.list_id),
        "phone_code": "1",
        **fields,
    }
    return client.post(url("upload"), data)


def mapping_post(job, target, **changes) -> dict:
    """What the mapping form sends when the supervisor keeps the proposal and maps the
    renamed "Cust Ref" column by hand."""
    data = {
        "target_list": str(target.list_id),
        "phone_code": "1",
        "has_header": "on",
        "duplicate_check": DuplicateCheck.LIST.value,
        "duplicate_days": "",
        "dnc_check": DncMode.NUMBER.value,
        "campaign_dnc_check": "",
        "tz_method": "",
        "hopper_priority": "0",
        "col_0": "vendor_lead_code",
        "col_1": "phone_number",
        "col_2": "first_name",
        "col_3": "last_name",
        "col_4": "postal_code",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def dry_run_job(client, target) -> ImportJob:
    upload(client, target)
    job = ImportJob.objects.get()
    response = client.post(url("mapping", job.pk), mapping_post(job, target))
    assert response.status_code == 302, response.context and response.context["form"].errors
    job.refresh_from_db()
    return job


def imported_job(client, target) -> ImportJob:
    job = dry_run_job(client, target)
    assert client.post(url("dry_run", job.pk)).status_code == 302
    job.refresh_from_db()
    return job


@pytest.fixture
def demo_data(target):
    LeadFactory(list=target, phone_number="7275559999")
    DncNumberFactory(phone_number="7275550000")


# --- upload -----------------------------------------------------------------------------------


def test_upload_page_offers_lists_templates_and_from_a_column(admin_client, target):
    ImportTemplate.objects.create(name="Vendor A", mapping={"Phone": "phone_number"})
    page = admin_client.get(url("upload")).content.decode()
    assert f'value="{target.list_id}"' in page
    assert "From a column of the file (list_id)" in page
    assert "Vendor A" in page


def test_upload_redirects_to_the_mapping_with_the_chosen_list(admin_client, target):
    response = upload(admin_client, target)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(url("mapping", job.pk))
    assert f"list={target.list_id}" in response["Location"]
    assert job.status == Status.UPLOADED and job.total_rows == 6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"just one column\nand another row\n", "The file has only one column."),
        (b"PK\x03\x04 broken zip", "could not be read"),
    ],
)
def test_upload_errors_are_shown_on_the_form(admin_client, target, content, message):
    response = upload(admin_client, target, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Please correct the error" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_needs_a_target_list(admin_client, target):
    response = upload(admin_client, target, target_list="")
    assert response.status_code == 200
    assert response.context["form"].errors == {"target_list": ["This field is required."]}


# --- mapping ----------------------------------------------------------------------------------


def test_mapping_shows_the_file_the_preview_and_the_auto_mapping(admin_client, target):
    CustomFieldDefinitionFactory(list=target, field_label="policy_no")
    target.keeps_custom_fields = True
    target.save()
    upload(admin_client, target)
    job = ImportJob.objects.get()
    response = admin_client.get(url("mapping", job.pk) + f"?list={target.list_id}&phone_code=44")
    page = response.content.decode()
    assert "comma" in page and "utf-8" in page
    assert "(727) 555-0101" in page and "Cust Ref" in page
    form = response.context["form"]
    assert form["col_1"].initial == "phone_number" and form["col_0"].initial is None
    assert form["phone_code"].initial == "44"
    assert 'value="policy_no"' in page  # the list's custom field is offered


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"col_4": "first_name"}, "“first_name” is chosen for more than one column (3, 5)."),
        ({"hopper_priority": "500"}, "Ensure this value is less than or equal to 99."),
        ({"save_as_template": "on"}, "Give the template a name."),
        ({"phone_code": "x1"}, "A phone code is 1 to 4 digits."),
        ({"target_list": "column"}, "Map a column to “List id” to take lists from the file."),
        ({"col_1": ""}, "Choose the column that holds the phone number."),
    ],
)
def test_mapping_errors_are_shown_on_the_form(admin_client, target, changes, error):
    upload(admin_client, target)
    job = ImportJob.objects.get()
    response = admin_client.post(url("mapping", job.pk), mapping_post(job, target, **changes))
    assert response.status_code == 200
    assert error in response.content.decode()
    job.refresh_from_db()
    assert job.status == Status.UPLOADED


def test_mapping_starts_the_dry_run_and_can_save_a_template(admin_client, target, demo_data):
    upload(admin_client, target)
    job = ImportJob.objects.get()
    data = mapping_post(job, target, save_as_template="on", template_name="Vendor B")
    response = admin_client.post(url("mapping", job.pk), data)
    assert response.status_code == 302 and response["Location"] == url("dry_run", job.pk)
    job.refresh_from_db()
    assert job.status == Status.CHECKED
    assert job.options["duplicate_checks"] == ["phone:list"] and job.options["dnc"] == "number"
    template = ImportTemplate.objects.get(name="Vendor B")
    assert template.mapping["Cust Ref"] == "vendor_lead_code"
    assert template.mapping["Phone Number"] == "phone_number"

    # A later file of the same layout, with the template, is mapped the same way.
    upload(admin_client, target, template=str(template.pk))
    second = ImportJob.objects.exclude(pk=job.pk).get()
    response = admin_client.get(url("mapping", second.pk) + f"?template={template.pk}")
    assert response.context["form"]["col_0"].initial == "vendor_lead_code"


def test_mapping_offers_the_hoppers_local_call_time_check(admin_client, target):
    """The upload's options carry the hopper's local call time check to the import (the
    rule the API applies, ``pipeline.hopper``)."""
    upload(admin_client, target)
    job = ImportJob.objects.get()
    data = mapping_post(job, target, add_to_hopper="on", hopper_local_call_time_check="on")
    assert admin_client.post(url("mapping", job.pk), data).status_code == 302
    job.refresh_from_db()
    assert job.options["add_to_hopper"] and job.options["hopper_local_call_time_check"]


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_shows_the_tally_and_examples(admin_client, target, demo_data):
    job = dry_run_job(admin_client, target)
    response = admin_client.get(url("dry_run", job.pk))
    rows = {row["key"]: row["count"] for row in response.context["rows"]}
    assert rows == {
        "added": 2,
        "invalid": 1,
        "duplicate_db": 1,
        "duplicate_file": 1,
        "dnc": 1,
        "campaign_dnc": 0,
    }
    page = response.content.decode()
    assert "row 4: 55512" in page  # the invalid row's example
    assert "Confirm import" in page and "Back to mapping" in page
    assert Lead.objects.filter(list=target).count() == 1  # nothing written yet


def test_confirm_imports_and_the_progress_page_sums_up(admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    assert job.status == Status.DONE
    response = admin_client.get(url("progress", job.pk))
    page = response.content.decode()
    assert 'value="100' in page  # the progress bar
    assert url("result", job.pk, "csv") in page and url("result", job.pk, "xlsx") in page
    counts = {row["key"]: row["count"] for row in response.context["rows"]}
    assert sum(counts.values()) == job.total_rows == 6
    assert Lead.objects.filter(list=target).count() == 3


def test_the_same_file_again_needs_an_explicit_confirmation(admin_client, target, demo_data):
    first = imported_job(admin_client, target)
    second = dry_run_job_again(admin_client, target, exclude=first)
    page = admin_client.get(url("dry_run", second.pk)).content.decode()
    assert "This file was loaded into this list before" in page
    response = admin_client.post(url("dry_run", second.pk))
    assert response.status_code == 200
    assert "tick the box to load it again" in response.content.decode()
    second.refresh_from_db()
    assert second.status == Status.CHECKED
    response = admin_client.post(url("dry_run", second.pk), {"confirm_same_upload": "on"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.DONE


def dry_run_job_again(client, target, *, exclude) -> ImportJob:
    upload(client, target)
    job = ImportJob.objects.exclude(pk=exclude.pk).get()
    assert client.post(url("mapping", job.pk), mapping_post(job, target)).status_code == 302
    job.refresh_from_db()
    return job


# --- progress, cancel, results ----------------------------------------------------------------


def test_progress_json_reports_counts_and_admin_result_urls(admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    data = admin_client.get(url("progress_json", job.pk)).json()
    assert data["status"] == "done" and data["percent"] == 100
    assert data["rows_done"] == data["total_rows"] == 6
    assert sum(data["counts"].values()) == 6 and data["counts"]["added"] == 2
    assert data["result_csv_url"] == url("result", job.pk, "csv")
    assert data["result_xlsx_url"] == url("result", job.pk, "xlsx")


def test_result_download_is_an_attachment_with_every_row(admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    response = admin_client.get(url("result", job.pk, "csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="vendor-result.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 6
    xlsx = admin_client.get(url("result", job.pk, "xlsx"))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    assert admin_client.get(url("result", job.pk, "pdf")).status_code == 404


def test_who_may_see_and_download_results(client, admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    result = url("result", job.pk, "csv")
    assert client.get(result).status_code == 302  # anonymous: to the login page
    client.force_login(staff())
    assert client.get(result).status_code == 403
    assert client.get(url("progress_json", job.pk)).status_code == 403
    client.force_login(staff("view_importjob"))
    assert client.get(result).status_code == 200
    assert client.get(url("progress", job.pk)).status_code == 200
    # Viewing is not importing: no upload, no mapping, no cancel.
    assert client.get(url("upload")).status_code == 403
    assert client.get(url("mapping", job.pk)).status_code == 403
    assert client.post(url("cancel", job.pk)).status_code == 403


def test_an_importer_may_upload_and_map(client, target):
    client.force_login(staff("add_importjob", "view_importjob"))
    upload(client, target)
    job = ImportJob.objects.get()
    assert client.get(url("mapping", job.pk)).status_code == 200


def test_cancel_is_a_post_and_stops_a_queued_import(admin_client, target, demo_data, settings):
    job = dry_run_job(admin_client, target)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    admin_client.post(url("dry_run", job.pk))
    job.refresh_from_db()
    assert job.status == Status.QUEUED
    page = admin_client.get(url("progress", job.pk)).content.decode()
    assert "Cancel the import" in page and 'id="import-poll"' in page
    assert admin_client.get(url("cancel", job.pk)).status_code == 405
    response = admin_client.post(url("cancel", job.pk))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


# --- the admin's lists ------------------------------------------------------------------------


def test_changelist_links_each_job_to_its_page(admin_client, target, demo_data):
    job = imported_job(admin_client, target)
    page = admin_client.get(reverse("admin:leads_importjob_changelist")).content.decode()
    assert "vendor.csv" in page and url("progress", job.pk) in page
    assert "Upload a spreadsheet" in page
    assert admin_client.get(reverse("admin:leads_importjob_add"))["Location"] == url("upload")
    detail = admin_client.get(reverse("admin:leads_importjob_change", args=[job.pk]))
    assert detail.status_code == 200 and url("result", job.pk, "csv") in detail.content.decode()


def test_template_admin_records_who_created_it(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:leads_importtemplate_add"),
        {"name": "Vendor C", "mapping": '{"Phone": "phone_number"}', "options": "{}"},
    )
    assert response.status_code == 302
    assert ImportTemplate.objects.get(name="Vendor C").created_by == admin_user


# --- the sample file of the README ------------------------------------------------------------


def test_the_shipped_sample_gives_the_readme_tally(admin_client, settings):
    """README, "Uploading a spreadsheet": the sample into list 101 of the demo data, with the
    demo lead 727-555-1000 in it, and "Cust Ref" mapped by hand."""
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    demo = LeadListFactory(list_id=101)
    if not Lead.objects.filter(phone_number="7275551000").exists():
        LeadFactory(list=demo, phone_number="7275551000")
    sample = settings.BASE_DIR / "samples" / "leads_sample.csv"
    upload(admin_client, demo, sample.read_bytes(), name="leads_sample.csv")
    job = ImportJob.objects.get()
    page = admin_client.get(url("mapping", job.pk) + "?list=101&phone_code=1")
    form = page.context["form"]
    proposed = {name: form[name].initial for name in form.fields if name.startswith("col_")}
    assert proposed == {
        "col_0": None,
        "col_1": "first_name",
        "col_2": "last_name",
        "col_3": "phone_number",
        "col_4": "address1",
        "col_5": "city",
        "col_6": "state",
        "col_7": "postal_code",
        "col_8": "email",
        "col_9": "comments",
    }
    data = mapping_post(job, demo, col_0="vendor_lead_code", col_1="first_name")
    data.update({key: value for key, value in proposed.items() if key != "col_0"})
    assert admin_client.post(url("mapping", job.pk), data).status_code == 302
    job.refresh_from_db()
    assert job.dry_run["counts"] == {
        "added": 26,
        "invalid": 1,
        "duplicate_db": 1,
        "duplicate_file": 1,
        "dnc": 1,
        "campaign_dnc": 0,
    }
    rejected = [
        row for key, rows in job.dry_run["examples"].items() if key != "added" for row in rows
    ]
    assert sorted(row["row"] for row in rejected) == [26, 27, 28, 29]
