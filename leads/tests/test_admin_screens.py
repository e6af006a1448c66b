"""Supervisor screens: manual entry and editing through the pipeline, DNC files, custom field
preview, dashboard, list counts, and the review queue pages (exports: test_exports.py)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from callbacks.tests.factories import CallbackFactory
from campaigns.models import CampaignDnc
from campaigns.tests.factories import CampaignFactory, HopperEntryFactory
from leads.dnc import dnc_entry_clean, dnc_file_read, dnc_text_decode
from leads.models import DncNumber, DuplicateReview, ImportJob, Lead
from leads.outcomes import DuplicateCheck, Rejection
from leads.services import LeadChangeRefused, duplicate_review_add, lead_update
from leads.services.request import DncMode
from leads.statistics import leads_loaded_per_day
from leads.tests.factories import (
    ApiLogEntryFactory,
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:leads_lead_add")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def manual_entry(lead_list, **fields) -> dict:
    data = {
        "list": lead_list.pk,
        "phone_code": "1",
        "phone_number": "7275550142",
        "first_name": "Mary",
        "last_name": "Jones",
        "gender": "F",
        "rank": "0",
        "duplicate_check": DuplicateCheck.LIST.value,
        "dnc_check": DncMode.NUMBER.value,
        "campaign_dnc_check": DncMode.NUMBER.value,
    }
    data.update(fields)
    return data


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


# --- Manual entry ------------------------------------------------------------------------------


def test_manual_entry_adds_a_lead_through_the_pipeline(admin_client, lead_list):
    response = admin_client.post(ADD_URL, manual_entry(lead_list, first_name="Ma;ry"))

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert response.url == reverse("admin:leads_lead_changelist")
    assert (lead.phone_number, lead.list_id) == ("7275550142", lead_list.pk)
    assert lead.first_name == "Mary"  # the API's character filter
    assert lead.door == Lead.Door.MANUAL
    assert lead.user == "admin"
    assert lead.status == "NEW"


def test_add_form_shows_the_default_checks(admin_client):
    response = admin_client.get(ADD_URL)
    form = response.context["adminform"].form
    assert form["duplicate_check"].value() == DuplicateCheck.LIST.value
    assert form["dnc_check"].value() == DncMode.NUMBER.value


def test_manual_entry_duplicate_is_an_error_on_the_phone(admin_client, lead_list):
    existing = LeadFactory(list=lead_list, phone_number="7275550142")

    response = admin_client.post(ADD_URL, manual_entry(lead_list))

    assert response.status_code == 200
    [error] = form_errors(response)["phone_number"]
    assert f"lead {existing.lead_id}</a> in list {lead_list.pk} (DUPLIST)" in error
    assert Lead.objects.count() == 1


def test_manual_entry_duplicate_check_can_be_switched_off(admin_client, lead_list):
    LeadFactory(list=lead_list, phone_number="7275550142")
    response = admin_client.post(ADD_URL, manual_entry(lead_list, duplicate_check=""))
    assert response.status_code == 302
    assert Lead.objects.count() == 2


def test_manual_entry_on_the_dnc_list(admin_client, lead_list):
    DncNumberFactory(phone_number="7275550142")

    response = admin_client.post(ADD_URL, manual_entry(lead_list))

    assert form_errors(response) == {"phone_number": ["Number is on the DNC list"]}
    assert not Lead.objects.exists()


def test_manual_entry_on_the_campaign_dnc_list(admin_client, lead_list):
    CampaignDnc.objects.create(campaign=lead_list.campaign, phone_number="7275550142")

    response = admin_client.post(ADD_URL, manual_entry(lead_list))

    assert form_errors(response) == {"phone_number": ["Number is on the DNC list of the campaign"]}
    assert not Lead.objects.exists()


def test_manual_entry_invalid_phone_length(admin_client, lead_list):
    response = admin_client.post(ADD_URL, manual_entry(lead_list, phone_number="12345"))

    assert form_errors(response) == {
        "phone_number": ["Invalid phone number length (6 to 16 digits)"]
    }
    assert not Lead.objects.exists()


def test_manual_entry_area_code_check_is_an_option(admin_client, lead_list):
    data = manual_entry(lead_list, phone_number="1115550142", usacan_areacode_check="on")
    response = admin_client.post(ADD_URL, data)
    assert form_errors(response) == {"phone_number": ["Invalid phone number area code"]}


# --- Editing -----------------------------------------------------------------------------------


def change_data(lead: Lead, **fields) -> dict:
    data = {
        name: getattr(lead, name) or ""
        for name in (
            "status",
            "phone_code",
            "phone_number",
            "vendor_lead_code",
            "source_id",
            "title",
            "first_name",
            "middle_initial",
            "last_name",
            "address1",
            "address2",
            "address3",
            "city",
            "state",
            "postal_code",
            "province",
            "country_code",
            "gender",
            "alt_phone",
            "email",
            "security_phrase",
            "comments",
            "owner",
        )
    }
    data.update(
        {
            "list": lead.list_id,
            "rank": lead.rank,
            "date_of_birth": "",
            "alt_phones-TOTAL_FORMS": "0",
            "alt_phones-INITIAL_FORMS": "0",
            "alt_phones-MIN_NUM_FORMS": "0",
            "alt_phones-MAX_NUM_FORMS": "1000",
        }
    )
    data.update(fields)
    return data


def test_editing_cleans_values_and_recomputes_the_time_zone(admin_client, lead_list):
    lead = LeadFactory(list=lead_list, gmt_offset_now=None, first_name="Old")
    url = reverse("admin:leads_lead_change", args=[lead.lead_id])

    response = admin_client.post(url, change_data(lead, first_name="Jo;hn", state="CA"))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.first_name == "John"
    assert lead.state == "CA"
    assert lead.gmt_offset_now is not None


def test_editing_into_a_duplicate_is_an_error_and_writes_nothing(admin_client, lead_list):
    other = LeadFactory(list=lead_list, phone_number="7275550111")
    lead = LeadFactory(list=lead_list, phone_number="7275550222", first_name="Keep")
    url = reverse("admin:leads_lead_change", args=[lead.lead_id])

    response = admin_client.post(
        url, change_data(lead, phone_number="7275550111", first_name="Changed")
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "phone_number": [f"Duplicate of lead {other.lead_id} in list {lead_list.pk} (DUPLIST)"]
    }
    lead.refresh_from_db()
    assert (lead.phone_number, lead.first_name) == ("7275550222", "Keep")


def test_editing_a_lead_keeps_its_own_number(admin_client, lead_list):
    lead = LeadFactory(list=lead_list, phone_number="7275550222")
    url = reverse("admin:leads_lead_change", args=[lead.lead_id])
    response = admin_client.post(url, change_data(lead, phone_number="727-555-0222"))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.phone_number == "7275550222"


def test_editing_with_an_invalid_phone(admin_client, lead_list):
    lead = LeadFactory(list=lead_list)
    url = reverse("admin:leads_lead_change", args=[lead.lead_id])
    response = admin_client.post(url, change_data(lead, phone_number="123"))
    assert form_errors(response) == {
        "phone_number": ["Invalid phone number length (6 to 16 digits)"]
    }


def test_moving_a_lead_into_a_list_holding_its_number(admin_client, lead_list):
    target = LeadListFactory(campaign=lead_list.campaign)
    other = LeadFactory(list=target, phone_number="7275550333")
    lead = LeadFactory(list=lead_list, phone_number="7275550333")
    url = reverse("admin:leads_lead_change", args=[lead.lead_id])

    response = admin_client.post(url, change_data(lead, list=target.pk))

    assert form_errors(response) == {
        "list": [f"Duplicate of lead {other.lead_id} in list {target.pk} (DUPLIST)"]
    }


def test_lead_update_service_rules(lead_list):
    lead = LeadFactory(list=lead_list, custom_values={"colour": "red"})

    lead_update(
        lead=lead,
        changes={"last_name": "X" * 40, "gender": "Q", "custom:size": "L+XL", "rank": 99999},
        user=None,
    )

    lead.refresh_from_db()
    assert lead.last_name == "X" * 30
    assert lead.gender == ""
    assert lead.custom_values == {"colour": "red", "size": "L XL"}
    assert lead.rank == 32767
    with pytest.raises(ValueError, match="entry_date cannot be changed"):
        lead_update(lead=lead, changes={"entry_date": "2020-01-01"}, user=None)


def test_lead_update_drops_a_rank_sign_as_the_other_doors_do(lead_list):
    """The rank rule (``rules.rank_parse``): the API, the add form and the import drop the
    sign, so an edit does too, whether the form gives an int or text."""
    lead = LeadFactory(list=lead_list)

    lead_update(lead=lead, changes={"rank": -5}, user=None)
    lead.refresh_from_db()
    assert lead.rank == 5
    lead_update(lead=lead, changes={"rank": "-7"}, user=None)
    lead.refresh_from_db()
    assert lead.rank == 7


def test_lead_update_refusal_is_typed_and_writes_nothing(lead_list):
    LeadFactory(list=lead_list, phone_number="7275550111")
    lead = LeadFactory(list=lead_list, phone_number="7275550222", city="Tampa")

    with pytest.raises(LeadChangeRefused) as refused:
        lead_update(lead=lead, changes={"city": "Miami", "phone_number": "7275550111"}, user=None)

    assert refused.value.problems["phone_number"].reason is Rejection.DUPLICATE
    lead.refresh_from_db()
    assert (lead.city, lead.phone_number) == ("Tampa", "7275550222")


# --- Lead list screen --------------------------------------------------------------------------


def test_lead_changelist_filters_and_search(admin_client, lead_list):
    other_list = LeadListFactory()
    wanted = LeadFactory(list=lead_list, first_name="Zelda", gmt_offset_now=Decimal("-8"))
    LeadFactory(list=other_list, first_name="Other", door=Lead.Door.UPLOAD)
    url = reverse("admin:leads_lead_changelist")

    def ids(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return [lead.lead_id for lead in response.context["cl"].result_list]

    assert ids(list__campaign__campaign_id__exact=lead_list.campaign_id) == [wanted.lead_id]
    assert ids(list__list_id__exact=lead_list.pk) == [wanted.lead_id]
    assert ids(gmt="-8") == [wanted.lead_id]
    assert ids(door__exact="api") == [wanted.lead_id]
    assert ids(status="NEW", q="zel") == [wanted.lead_id]
    assert ids(q=wanted.phone_number) == [wanted.lead_id]
    assert ids(q=f"({wanted.phone_number[:3]}) {wanted.phone_number[3:]}") == [wanted.lead_id]
    assert ids(q=wanted.vendor_lead_code) == [wanted.lead_id]


def test_lead_changelist_queries_do_not_grow_with_rows(
    admin_client, lead_list, django_assert_max_num_queries
):
    url = reverse("admin:leads_lead_changelist")
    LeadFactory.create_batch(3, list=lead_list)
    admin_client.get(url)  # warm the cached filter choices
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    LeadFactory.create_batch(30, list=lead_list)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200


def test_leads_of_undefined_lists_are_listed(admin_client, lead_list):
    lead = LeadFactory(list_id=55555)
    response = admin_client.get(reverse("admin:leads_lead_changelist"))
    assert lead.lead_id in [row.lead_id for row in response.context["cl"].result_list]


def test_list_changelist_shows_lead_counts(admin_client, django_assert_max_num_queries):
    busy = LeadListFactory()
    LeadFactory.create_batch(3, list=busy, status="NEW")
    LeadFactory(list=busy, status="SALE")
    quiet = LeadListFactory()
    CustomFieldDefinitionFactory(list=quiet)

    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:leads_leadlist_changelist"))

    rows = {row.list_id: row for row in response.context["cl"].result_list}
    assert (rows[busy.pk].lead_count, rows[busy.pk].new_lead_count) == (4, 3)
    assert (rows[quiet.pk].lead_count, rows[quiet.pk].custom_field_count) == (0, 1)
    assert "1 fields: preview" in response.content.decode()


# --- DNC files ---------------------------------------------------------------------------------


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_dnc_bulk_add_with_bad_lines(admin_client):
    DncNumberFactory(phone_number="7275550101")
    url = reverse("admin:leads_dncnumber_bulk")
    text = "phone\n7275550101\n(727) 555-0102\nabc\n\n727xxxxxxx;note\n7275550102\n12\n"

    response = admin_client.post(url, {"action": "add", "file": upload("dnc.csv", text)})

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["changing"] == ["7275550102", "727XXXXXXX"]
    assert response.context["unchanged_count"] == 1
    assert response.context["repeated"] == 1
    assert [(e.line, e.text) for e in response.context["errors"]] == [(4, "abc"), (8, "12")]
    assert "numbers will be added" in page
    assert DncNumber.objects.count() == 1  # nothing saved before confirmation

    done = admin_client.post(url, {"token": response.context["token"], "action": "add"})

    assert done.status_code == 302
    assert set(DncNumber.objects.values_list("phone_number", flat=True)) == {
        "7275550101",
        "7275550102",
        "727XXXXXXX",
    }
    again = admin_client.post(url, {"token": response.context["token"], "action": "add"})
    assert again.status_code == 302  # the upload is spent: nothing happens twice
    assert DncNumber.objects.count() == 3


def test_dnc_bulk_remove(admin_client):
    for number in ("7275550101", "7275550102", "727XXXXXXX"):
        DncNumberFactory(phone_number=number)
    url = reverse("admin:leads_dncnumber_bulk")

    response = admin_client.post(
        url, {"action": "remove", "file": upload("x.txt", "7275550101\n727XXXXXXX\n5555550000\n")}
    )
    assert response.context["changing"] == ["7275550101", "727XXXXXXX"]
    assert response.context["unchanged_count"] == 1
    admin_client.post(url, {"token": response.context["token"], "action": "remove"})

    assert list(DncNumber.objects.values_list("phone_number", flat=True)) == ["7275550102"]


def test_campaign_dnc_bulk_add(admin_client):
    campaign = CampaignFactory()
    url = reverse("admin:campaigns_campaigndnc_bulk")

    response = admin_client.post(
        url,
        {"campaign": campaign.pk, "action": "add", "file": upload("c.csv", "8135550100\n")},
    )
    admin_client.post(
        url, {"token": response.context["token"], "action": "add", "campaign": campaign.pk}
    )

    assert list(CampaignDnc.objects.values_list("campaign_id", "phone_number")) == [
        (campaign.pk, "8135550100")
    ]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("727-555-0100", "7275550100"),
        ("+44 20 7946 0958", "442079460958"),
        ("813xxxxxxx", "813XXXXXXX"),
        ("81XXXXXXXX", None),
        ("12345", None),
        ("72755501001234567", None),
        ("call me", None),
    ],
)
def test_dnc_entries(text, entry):
    assert dnc_entry_clean(text) == entry


def test_dnc_file_encodings():
    assert dnc_file_read(dnc_text_decode("\ufeff7275550100\r\n".encode())).entries == ["7275550100"]
    assert dnc_file_read(dnc_text_decode("7275550100\n".encode("utf-16"))).entries == ["7275550100"]
    assert dnc_text_decode("caf\xe9".encode("cp1252")) == "caf\xe9"


def test_dnc_upload_form_requires_a_file(admin_client):
    response = admin_client.post(reverse("admin:leads_dncnumber_bulk"), {"action": "add"})
    assert response.context["form"].errors == {"file": ["This field is required."]}


# --- Custom field preview ----------------------------------------------------------------------


def test_custom_field_preview_renders_each_type(admin_client):
    lead_list = LeadListFactory(keeps_custom_fields=True)

    def field(label, kind, rank, **extra):
        return CustomFieldDefinitionFactory(
            list=lead_list, field_label=label, field_type=kind, field_rank=rank, **extra
        )

    field("notes", "TEXT", 1, field_name="<b>Notes</b>", field_size=33)
    field("story", "AREA", 1)
    field("colour", "SELECT", 2, field_options="R,Red\nG,Green", field_default="G")
    field("pets", "MULTI", 2, field_options="cat,Cat\ndog,Dog")
    field("size", "RADIO", 3, field_options="S,Small\nL,Large")
    field("extras", "CHECKBOX", 3, field_options="a,Alpha\nb")
    field("born", "DATE", 4)
    field("at", "TIME", 4)
    field("hello", "DISPLAY", 5, field_default="Read this to the customer")
    field("pitch", "SCRIPT", 5, field_options="Line one\nLine two")

    url = reverse("admin:leads_leadlist_custom_fields_preview", args=[lead_list.pk])
    response = admin_client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert [len(row) for row in response.context["rows"]] == [2, 2, 2, 2, 2]
    assert '<input type="text" name="preview_notes"' in page and 'size="33"' in page
    assert "&lt;b&gt;Notes&lt;/b&gt;" in page
    assert '<textarea name="preview_story"' in page
    assert '<option value="G" selected>Green</option>' in page
    assert 'name="preview_pets"' in page and "multiple" in page
    assert 'type="radio" name="preview_size" value="L"' in page
    assert 'type="checkbox" name="preview_extras" value="b"' in page
    assert 'type="date"' in page and 'type="time"' in page
    assert "Read this to the customer" in page
    assert "Line one<br>Line two" in page


# --- Dashboard ---------------------------------------------------------------------------------


def test_dashboard_renders_with_data(admin_client, lead_list):
    now = timezone.now()
    LeadFactory.create_batch(3, list=lead_list, door=Lead.Door.API)
    LeadFactory(list=lead_list, door=Lead.Door.UPLOAD, entry_date=now - timedelta(days=2))
    LeadFactory(list=lead_list, door=Lead.Door.MANUAL, entry_date=now - timedelta(days=40))
    ApiLogEntryFactory.create_batch(2)
    ApiLogEntryFactory(result="ERROR", result_reason="add_lead DUPLICATE PHONE NUMBER IN LIST")
    ApiLogEntryFactory(result="ERROR", result_reason="add_lead PHONE NUMBER IN DNC")
    ApiLogEntryFactory(result="NOTICE", result_reason="add_lead ADDED TO HOPPER")
    ImportJob.objects.create(
        original_name="vendor.csv",
        content_hash="x" * 64,
        list=lead_list,
        status=ImportJob.Status.DONE,
        rows_done=10,
        counts={"new": 6, "duplicate_db": 2, "duplicate_file": 1, "dnc": 1},
    )

    response = admin_client.get(reverse("admin:leads_dashboard"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and "<rect" in page
    assert "API: 3" in page and "Upload: 1" in page and "Manual entry: 0" in page
    rates = dict(response.context["rates"])
    api, imports = rates["API add_lead requests"], rates["Imported rows"]
    assert (api.total, api.duplicates, api.dnc) == (4, 1, 1)
    assert (imports.total, imports.duplicates, imports.dnc) == (10, 3, 1)
    assert "25.0%" in page and "30.0%" in page
    assert "vendor.csv" in page


def test_loads_per_day_are_cut_at_local_midnight(settings, lead_list):
    settings.TIME_ZONE = "America/New_York"
    now = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)  # 12:00 in New York
    local = ZoneInfo("America/New_York")
    LeadFactory(list=lead_list, entry_date=datetime(2026, 3, 4, 23, 30, tzinfo=local))
    LeadFactory(list=lead_list, entry_date=datetime(2026, 3, 5, 0, 30, tzinfo=local))
    LeadFactory(list=lead_list, entry_date=datetime(2026, 3, 5, 9, 0, tzinfo=local), door="upload")
    LeadFactory(list=lead_list, entry_date=datetime(2026, 3, 1, 12, 0, tzinfo=local))

    days = leads_loaded_per_day(days=3, now=now)

    assert [(d.day, d.api, d.upload, d.manual) for d in days] == [
        (date(2026, 3, 3), 0, 0, 0),
        (date(2026, 3, 4), 1, 0, 0),
        (date(2026, 3, 5), 1, 1, 0),
    ]


def test_dashboard_is_linked_from_the_index(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert reverse("admin:leads_dashboard") in response.content.decode()
    assert reverse("admin:leads_duplicatereview_changelist") in response.content.decode()


# --- Review queue pages ------------------------------------------------------------------------


def pending_review(lead: Lead) -> DuplicateReview:
    return duplicate_review_add(
        source="upload",
        list_id=lead.list_id,
        incoming={"phone_number": lead.phone_number, "first_name": "Incoming", "city": lead.city},
        existing_lead_id=lead.lead_id,
        duplicate_check=DuplicateCheck.LIST,
    )


def test_review_queue_lists_pending_by_default(admin_client, lead_list):
    lead = LeadFactory(list=lead_list)
    pending = pending_review(lead)
    done = pending_review(lead)
    DuplicateReview.objects.filter(pk=done.pk).update(status="discarded")
    url = reverse("admin:leads_duplicatereview_changelist")

    assert [r.pk for r in admin_client.get(url).context["cl"].result_list] == [pending.pk]
    everything = admin_client.get(url, {"status": "all"}).context["cl"].result_list
    assert {r.pk for r in everything} == {pending.pk, done.pk}


def test_review_page_compares_and_updates(admin_client, lead_list):
    lead = LeadFactory(list=lead_list, first_name="Existing")
    review = pending_review(lead)
    url = reverse("admin:leads_duplicatereview_change", args=[review.pk])

    page = admin_client.get(url)
    rows = {field.name: field for field in page.context["fields"]}
    assert rows["first_name"].differs and not rows["city"].differs
    assert 'name="fields" value="first_name"' in page.content.decode()

    response = admin_client.post(url, {"action": "update", "fields": ["first_name"]})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.first_name == "Incoming"
    refused = admin_client.post(url, {"action": "discard"}, follow=True)
    assert "already resolved" in refused.content.decode()


def test_review_bulk_insert_action(admin_client, lead_list):
    lead = LeadFactory(list=lead_list)
    reviews = [pending_review(lead) for _ in range(2)]

    admin_client.post(
        reverse("admin:leads_duplicatereview_changelist"),
        {"action": "insert_selected", "_selected_action": [r.pk for r in reviews]},
    )

    assert Lead.objects.filter(phone_number=lead.phone_number).count() == 3
    assert set(DuplicateReview.objects.values_list("status", flat=True)) == {"inserted"}


# --- Other screens -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "admin:leads_apilogentry_changelist",
        "admin:campaigns_campaign_changelist",
        "admin:campaigns_calltime_changelist",
        "admin:campaigns_hopperentry_changelist",
        "admin:callbacks_callback_changelist",
        "admin:leads_dncnumber_changelist",
        "admin:campaigns_campaigndnc_changelist",
        "admin:leads_customfielddefinition_changelist",
    ],
)
def test_supervisor_changelists_render(admin_client, name):
    HopperEntryFactory()
    CallbackFactory()
    ApiLogEntryFactory()
    CustomFieldDefinitionFactory()
    response = admin_client.get(reverse(name))
    assert response.status_code == 200


def test_campaigns_show_their_call_times(admin_client):
    campaign = CampaignFactory(local_call_time__saturday_start=1000)
    campaign.local_call_time.saturday_stop = 1400
    campaign.local_call_time.save()

    page = admin_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()

    assert f"{campaign.local_call_time_id} 09:00-21:00; Sat 10:00-14:00" in page


def test_api_log_is_read_only(admin_client):
    entry = ApiLogEntryFactory()
    url = reverse("admin:leads_apilogentry_change", args=[entry.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    delete = reverse("admin:leads_apilogentry_delete", args=[entry.pk])
    assert admin_client.get(delete).status_code == 403
