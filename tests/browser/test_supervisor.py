"""A supervisor in a real browser: resolve a duplicate in the review queue, then add a lead by
hand and see the duplicate error on the form. Fixtures (Chromium, login, screenshots) are in
conftest.py; ``LEADHUB_SCREENSHOTS=/tmp/shots`` keeps a picture of every screen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from callbacks.tests.factories import CallbackFactory
from campaigns.tests.factories import HopperEntryFactory, StateCallTimeFactory
from leads.models import DuplicateReview, ImportJob, Lead, LeadList
from leads.outcomes import DuplicateCheck
from leads.services import duplicate_review_add
from leads.tests.factories import (
    ApiLogEntryFactory,
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "7275550100"


@pytest.fixture
def existing_lead():
    lead_list = LeadListFactory(list_id=101, list_name="Vendor A")
    return LeadFactory(list=lead_list, phone_number=PHONE, first_name="Existing", city="Tampa")


@pytest.fixture
def pending_review(existing_lead):
    return duplicate_review_add(
        source="upload",
        list_id=existing_lead.list_id,
        incoming={
            "phone_number": PHONE,
            "first_name": "Incoming",
            "last_name": existing_lead.last_name,
            "city": "Clearwater",
        },
        existing_lead_id=existing_lead.lead_id,
        duplicate_check=DuplicateCheck.LIST,
        row_number=5,
    )


def test_resolve_a_duplicate_then_add_a_lead_by_hand(
    page, live_server, admin_login, screenshot, existing_lead, pending_review
):
    from playwright.sync_api import expect

    screenshot("supervisor-01-index")
    page.click("text=Duplicate review queue")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    screenshot("supervisor-02-review-queue")

    page.click(f"#result_list a[href$='/{pending_review.pk}/change/']")
    expect(page.locator("tr.differs", has_text="First name")).to_have_count(1)
    expect(page.locator("tr.differs", has_text="Last name")).to_have_count(0)
    screenshot("supervisor-03-review")
    page.check("input[name=fields][value=first_name]")
    page.click("button[value=update]")

    expect(page.locator(".messagelist")).to_contain_text(
        f"Lead {existing_lead.lead_id} was updated"
    )
    expect(page.locator("#result_list")).to_have_count(0)  # the queue is empty
    screenshot("supervisor-04-review-done")
    existing_lead.refresh_from_db()
    assert (existing_lead.first_name, existing_lead.city) == ("Incoming", "Tampa")
    pending_review.refresh_from_db()
    assert pending_review.status == DuplicateReview.Status.UPDATED

    page.goto(f"{live_server.url}/admin/")
    page.click("text=Add a lead by hand")
    expect(page.locator("#id_duplicate_check")).to_have_value(DuplicateCheck.LIST.value)
    page.select_option("#id_list", str(existing_lead.list_id))
    page.fill("#id_phone_number", "(727) 555-0100")
    page.fill("#id_first_name", "Walk")
    page.fill("#id_last_name", "In")
    page.click("input[name=_save]")

    error = page.locator(".field-phone_number .errorlist")
    expect(error).to_contain_text(
        f"Duplicate of lead {existing_lead.lead_id} in list 101 (DUPLIST)"
    )
    expect(error.locator("a#duplicate-lead-link")).to_have_attribute(
        "href", f"/admin/leads/lead/{existing_lead.lead_id}/change/"
    )
    screenshot("supervisor-05-manual-entry-duplicate")
    assert Lead.objects.count() == 1

    page.fill("#id_phone_number", "7275550101")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    screenshot("supervisor-06-manual-entry-added")
    added = Lead.objects.get(phone_number="7275550101")
    assert (added.door, added.user, added.first_name) == ("manual", "supervisor", "Walk")


def test_supervisor_screens_open(page, live_server, admin_login, screenshot, existing_lead):
    """Every supervisor screen opens without a server error (pictures for a human look)."""
    _screens_data(existing_lead)
    screens = {
        "dashboard": "/admin/leads/lead/dashboard/",
        "leads": "/admin/leads/lead/",
        "lead-change": f"/admin/leads/lead/{existing_lead.lead_id}/change/",
        "lists": "/admin/leads/leadlist/",
        "custom-fields-preview": "/admin/leads/leadlist/101/custom-fields-preview/",
        "custom-fields": "/admin/leads/customfielddefinition/",
        "dnc": "/admin/leads/dncnumber/",
        "dnc-bulk": "/admin/leads/dncnumber/bulk/",
        "campaign-dnc-bulk": "/admin/campaigns/campaigndnc/bulk/",
        "campaigns": "/admin/campaigns/campaign/",
        "hopper": "/admin/campaigns/hopperentry/",
        "callbacks": "/admin/callbacks/callback/",
        "api-log": "/admin/leads/apilogentry/",
        "export": "/admin/leads/lead/export/",
    }
    for name, path in screens.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, name
        assert not re.search("Server Error|Traceback", page.content()), name
        screenshot(f"screen-{name}")

    page.goto(f"{live_server.url}/admin/leads/dncnumber/bulk/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "dnc.txt",
                "mimeType": "text/plain",
                "buffer": b"8135550000\n813-555-0001\nnot a number\n727XXXXXXX\n",
            }
        ],
    )
    page.click("input[type=submit][value='Check the file']")
    from playwright.sync_api import expect

    expect(page.locator(".counts")).to_contain_text("2 numbers will be added")
    screenshot("screen-dnc-confirm")
    page.click("input[type=submit][value='Add 2 numbers']")
    expect(page.locator(".messagelist")).to_contain_text("2 numbers added to the DNC list")


def _screens_data(existing_lead) -> None:
    now = timezone.now()
    lead_list = existing_lead.list
    LeadList.objects.filter(pk=lead_list.pk).update(keeps_custom_fields=True)
    for days_ago in range(12):
        for door, count in (("api", days_ago % 4 + 2), ("upload", 9 if days_ago % 3 == 0 else 0)):
            LeadFactory.create_batch(
                count, list=lead_list, door=door, entry_date=now - timedelta(days=days_ago)
            )
    LeadFactory(list=lead_list, door="manual", first_name="=HYPERLINK(1)")
    for rank, (label, kind, options, default) in enumerate(
        [
            ("notes", "TEXT", None, ""),
            ("story", "AREA", None, ""),
            ("colour", "SELECT", "R,Red\nG,Green", "G"),
            ("pets", "MULTI", "cat,Cat\ndog,Dog\nfish,Fish", "cat"),
            ("size", "RADIO", "S,Small\nL,Large", "S"),
            ("extras", "CHECKBOX", "a,Alpha\nb,Beta", ""),
            ("born", "DATE", None, ""),
            ("at", "TIME", None, ""),
            ("hello", "DISPLAY", None, "Read this to the customer"),
            ("pitch", "SCRIPT", "Good morning!\nWe are calling about...", None),
        ]
    ):
        CustomFieldDefinitionFactory(
            list=lead_list,
            field_label=label,
            field_name=label.title(),
            field_type=kind,
            field_options=options,
            field_default=default,
            field_rank=rank // 2 + 1,
            field_order=rank % 2 + 1,
        )
    DncNumberFactory(phone_number="8135550000")
    ApiLogEntryFactory.create_batch(6)
    ApiLogEntryFactory(result="ERROR", result_reason="add_lead DUPLICATE PHONE NUMBER IN LIST")
    ApiLogEntryFactory(result="ERROR", result_reason="add_lead PHONE NUMBER IN DNC")
    ImportJob.objects.create(
        original_name="vendor-march.csv",
        content_hash="0" * 64,
        list=lead_list,
        status=ImportJob.Status.DONE,
        rows_done=100,
        total_rows=100,
        counts={"added": 80, "invalid": 5, "duplicate_db": 10, "duplicate_file": 3, "dnc": 2},
    )
    HopperEntryFactory(lead=existing_lead)
    CallbackFactory(lead=LeadFactory(list=lead_list))
    call_time = lead_list.campaign.local_call_time
    call_time.saturday_start, call_time.saturday_stop = 1000, 1400
    call_time.save()
    call_time.state_rules.add(StateCallTimeFactory(state="TX"))
