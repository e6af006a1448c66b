"""Data written before the typed request (legacy tokens in stored options and reviews) is
converted by migration 0005 and then read by the typed code."""

import importlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from leads.importing.options import ImportOptions
from leads.models import DuplicateReview, ImportJob, ImportTemplate
from leads.outcomes import DuplicateCheck
from leads.review import DuplicateReviewRefused, duplicate_review_resolve
from leads.services.request import DncMode, HopperRequest, TimeZoneMethod
from leads.tests.factories import DncNumberFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("leads.migrations.0008_neutral_stored_options")

LEGACY_JOB_OPTIONS = {
    "duplicate_check": "DUPLIST-7DAY",
    "duplicate_statuses": ["SALE"],
    "dnc_check": "AREACODE",
    "campaign_dnc_check": "",
    "campaign_id": "",
    "usacan_prefix_check": "Y",
    "usacan_areacode_check": "",
    "nanpa_ac_prefix_check": "",
    "lookup_state": "Y",
    "add_to_hopper": "Y",
    "tz_method": "POSTAL",
    "hopper_priority": "7",
    "phone_code": "44",
    "review_duplicates": True,
}


def test_legacy_import_options_become_typed_options(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ImportJob.objects.create(
        file=ContentFile(b"phone\n", name="a.csv"),
        original_name="a.csv",
        content_hash="x",
        options=LEGACY_JOB_OPTIONS,
    )
    template = ImportTemplate.objects.create(
        name="Old", options={"duplicate_check": "DUPSYS", "dnc_check": "Y", "add_to_hopper": ""}
    )

    migration.forwards(apps, None)

    job.refresh_from_db()
    options = ImportOptions.from_json(job.options)
    assert options.add.duplicates.checks == (DuplicateCheck.LIST,)
    assert (options.add.duplicates.days, options.add.duplicates.statuses) == (7, {"SALE"})
    assert options.add.dnc is DncMode.AREACODE and options.add.campaign_dnc is DncMode.OFF
    assert options.add.phone_checks.usacan_prefix and not options.add.phone_checks.usacan_areacode
    assert options.add.lookup_state
    assert options.add.time_zone == TimeZoneMethod(postal=True)
    assert options.add.hopper == HopperRequest(priority=7)
    assert (options.phone_code, options.review_duplicates) == ("44", True)
    template.refresh_from_db()
    stored = ImportOptions.from_json(template.options)
    assert stored.add.duplicates.checks == (DuplicateCheck.SYS,)
    assert stored.add.dnc is DncMode.NUMBER and stored.add.hopper is None

    before = job.options
    migration.forwards(apps, None)  # converted rows are left alone
    job.refresh_from_db()
    assert job.options == before


def test_legacy_api_review_keeps_its_check_and_its_dnc_setting(lead_list):
    existing = LeadFactory(list=lead_list, phone_number="7275550100")
    review = DuplicateReview.objects.create(
        source=DuplicateReview.Source.API,
        list_id=lead_list.list_id,
        incoming={
            "phone_number": "7275550100",
            "first_name": "Anne",
            "dnc_check": "Y",
            "duplicate_check": "DUPLIST",
            "list_id": str(lead_list.list_id),
        },
        existing_lead=existing,
        duplicate_check="DUPLIST",
    )

    migration.forwards(apps, None)

    review.refresh_from_db()
    assert review.duplicate_check == DuplicateCheck.LIST.value
    assert "dnc_check" not in review.incoming
    assert review.incoming["first_name"] == "Anne"
    assert review.incoming["options"]["dnc"] == "number"
    DncNumberFactory(phone_number="7275550100")
    with pytest.raises(DuplicateReviewRefused, match="DNC"):
        duplicate_review_resolve(review=review, action="insert", user=UserFactory())
