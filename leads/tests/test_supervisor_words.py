"""Words where supervisors read: outcome and reason labels from ``wording``, capitalised
field labels, plurals, the System section of the admin index, and ``/`` leading to the
admin."""

import pytest
from django.urls import reverse

from leads.models import ApiUserProfile, ImportJob, Lead
from leads.outcomes import DuplicateCheck
from leads.phones import PhoneProblem
from leads.wording import (
    import_duplicate_text,
    import_file_duplicate_group,
    import_file_duplicate_text,
    import_outcomes_text,
    import_reason_label,
    phone_problem_text,
)

pytestmark = pytest.mark.django_db


def test_outcome_counts_read_as_words_and_skip_zeroes():
    counts = {"added": 3, "duplicate_db": 1, "campaign_dnc": 2, "invalid": 0}
    assert import_outcomes_text(counts) == (
        "New leads 3, Duplicate in the database 1, In the campaign DNC list 2"
    )
    assert import_outcomes_text({}) == "-"


def test_reasons_are_words_with_the_check_code_kept_beside():
    assert import_duplicate_text(DuplicateCheck.LIST, 7, 101, None) == (
        "Already lead 7 in list 101 (DUPLIST)"
    )
    assert (
        import_file_duplicate_text(DuplicateCheck.LIST, 2) == "Same as row 2 of the file (DUPLIST)"
    )
    assert import_reason_label("DUPLIST") == "Phone number in this list (DUPLIST)"
    group = import_file_duplicate_group(DuplicateCheck.SYS)
    assert import_reason_label(group) == "Phone number in any list, earlier in the file (DUPSYS)"


def test_an_invalid_phone_shows_its_value_or_says_it_is_empty():
    assert phone_problem_text(PhoneProblem.LENGTH, "") == (
        "Invalid phone number length (6 to 16 digits): the phone number is empty"
    )
    assert phone_problem_text(PhoneProblem.LENGTH, "55512").endswith(": 55512")


def test_field_labels_keep_their_acronyms():
    assert ApiUserProfile._meta.get_field("api_access").verbose_name == "API access"
    assert Lead._meta.get_field("gmt_offset_now").verbose_name == "GMT offset now"


def test_jobs_list_and_dashboard_word_the_outcomes(admin_client):
    ImportJob.objects.create(
        original_name="vendor.csv",
        status=ImportJob.Status.DONE,
        counts={"added": 2, "duplicate_db": 1},
    )
    expected = "New leads 2, Duplicate in the database 1"
    jobs_page = admin_client.get(reverse("admin:leads_importjob_changelist"))
    assert expected in jobs_page.content.decode()
    dashboard = admin_client.get(reverse("admin:leads_dashboard"))
    assert expected in dashboard.content.decode()
    assert "duplicate_db" not in dashboard.content.decode()


def test_internal_tables_are_grouped_under_system(admin_client):
    page = admin_client.get(reverse("admin:index"))
    apps = {app["name"]: app for app in page.context["app_list"]}
    system = [model["name"] for model in apps["System"]["models"]]
    assert "Background task results" in system
    assert "Phone codes" in system
    assert "Tasks Database Backend" not in apps
    assert "Phone codes" not in [model["name"] for model in apps["Leads"]["models"]]


def test_the_site_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_dnc_counts_are_worded_in_the_singular_and_plural(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("dnc.txt", b"7275550001\nabc\n")
    page = admin_client.post(
        reverse("admin:leads_dncnumber_bulk"), {"file": upload, "action": "add"}
    )
    text = " ".join(page.content.decode().split())
    assert "<strong>1</strong> number will be added" in text
    assert "1 line is not a number and will be ignored" in text


def test_an_import_jobs_admin_page_words_its_mapping_options_and_counts(admin_client):
    job = ImportJob.objects.create(
        original_name="vendor.csv",
        status=ImportJob.Status.DONE,
        header=["Phone", "Name"],
        mapping={"0": "phone_number", "1": "first_name"},
        options={"dnc": "number", "duplicate_checks": ["phone:list"]},
        counts={"added": 2, "campaign_dnc": 1},
    )
    page = admin_client.get(reverse("admin:leads_importjob_change", args=[job.pk]))
    text = page.content.decode()
    assert "Column 1 (Phone) → phone number" in text
    assert "Phone number in this list (DUPLIST)" in text
    assert "New leads 2, In the campaign DNC list 1" in text
    assert "campaign_dnc" not in text and "phone:list" not in text
