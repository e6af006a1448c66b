"""Phone numbers as people type them: the one normaliser (``phones.phone_normalise``) and the
supervisors' doors that use it (upload, manual entry, lead and review search). The legacy
API keeps the contract's filter (P28): its tests are in contract/ and test_api*.py."""

import pytest
from django.urls import reverse

from leads.importing import engine, jobs
from leads.importing.phone_text import ImportPhones
from leads.models import DuplicateReview, Lead
from leads.outcomes import DuplicateCheck
from leads.phones import NormalisedPhone, phone_normalise
from leads.services.request import DncMode
from leads.tests.factories import DncNumberFactory, LeadFactory, LeadListFactory, import_options
from leads.tests.test_admin_screens import manual_entry
from leads.tests.test_importing_engine import make_job

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "phone_code", "number"),
    [
        ("7275551234", "1", "7275551234"),
        ("(727) 555-1234", "1", "7275551234"),
        ("727.555.1234", "1", "7275551234"),
        ("727\u00a0555\u202f1234", "1", "7275551234"),
        ("+1 727-555-1235", "1", "7275551235"),
        ("+1 (727) 555-3333", "1", "7275553333"),
        ("17275553333", "1", "7275553333"),
        ("1-727-555-3333", "1", "7275553333"),
        ("001 727 555 3333", "1", "7275553333"),
        ("7275551236.0", "1", "7275551236"),
        ("7.275551236E+09", "1", "7275551236"),
        ("7.275551236e9", "1", "7275551236"),
        ("+44 20 7946 0000", "44", "2079460000"),
        ("+44 (0)20 7946 0000", "44", "2079460000"),
        ("0044 20 7946 0000", "44", "2079460000"),
        ("555-1000", "1", "5551000"),
    ],
)
def test_typed_numbers_are_stored_as_digits_with_their_calling_code(written, phone_code, number):
    assert phone_normalise(written, phone_code="1") == NormalisedPhone(
        phone_code, number, changed=number != written
    )


def test_the_rows_phone_code_is_split_off_even_when_phonenumbers_would_not_know_it():
    assert phone_normalise("+999 4455 6677", phone_code="999").number == "44556677"
    # An unknown calling code that is not the row's stays in the number.
    assert phone_normalise("+999 4455 6677", phone_code="1").number == "99944556677"


@pytest.mark.parametrize("written", ["", "   ", "-"])
def test_nothing_written_is_an_empty_number(written):
    assert phone_normalise(written, phone_code="1").number == ""
    assert phone_normalise("", phone_code="1").changed is False


def test_an_eleven_digit_number_keeps_its_one_outside_the_nanp():
    assert phone_normalise("17275553333", phone_code="44").number == "17275553333"
    assert phone_normalise("7275553333", phone_code="1").changed is False


# --- upload ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_upload_stores_typed_numbers_and_the_dry_run_counts_them(tmp_path):
    target = LeadListFactory(list_id=5101)
    LeadFactory(list=target, phone_number="7275559999")
    DncNumberFactory(phone_number="7275550000")
    rows = [
        ["+1 727-555-1235", "Ann", "Lee", "", "", "", ""],
        ["7275551236.0", "Bob", "Ray", "", "", "", ""],
        ["7.275551237E+09", "Cy", "Day", "", "", "", ""],
        ["+1 (727) 555-9999", "Old", "Lead", "", "", "", ""],  # duplicate once normalised
        ["1 727 555 0000", "Do", "Not", "", "", "", ""],  # DNC once normalised
        ["+44 20 7946 0000", "Uk", "Lead", "", "+44 20 7946 0001", "", ""],
        ["7275551238", "Plain", "Digits", "", "", "", ""],
    ]
    options = import_options(DuplicateCheck.LIST, dnc=DncMode.NUMBER)
    job = make_job(tmp_path, rows, list_id=target.pk, options=options)
    job = jobs.import_job_start_dry_run(job=job, background=False)
    tally = engine.import_dry_run(job)
    assert tally["counts"]["added"] == 5
    assert tally["counts"]["duplicate_db"] == 1
    assert tally["counts"]["dnc"] == 1
    normalised = tally["phones_normalised"]
    assert normalised["rows"] == 6
    assert normalised["examples"][0] == {
        "row": 2,
        "written": "+1 727-555-1235",
        "phone": "7275551235",
        "phone_code": "1",
    }
    job = jobs.import_job_start_import(job=job, background=False, confirm_same_upload=True)
    engine.import_run(job)
    stored = dict(Lead.objects.filter(list=target).values_list("first_name", "phone_number"))
    assert stored["Ann"] == "7275551235"
    assert stored["Bob"] == "7275551236"
    assert stored["Cy"] == "7275551237"
    uk = Lead.objects.get(first_name="Uk")
    assert (uk.phone_code, uk.phone_number, uk.alt_phone) == ("44", "2079460000", "2079460001")


# --- manual entry -----------------------------------------------------------------------------


def test_manual_entry_stores_a_typed_number_and_finds_its_duplicate(admin_client):
    target = LeadListFactory()
    url = reverse("admin:leads_lead_add")
    response = admin_client.post(
        url, manual_entry(target, phone_number="+1 (727) 555-3333", alt_phone="727.555.3334")
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.phone_code, lead.phone_number, lead.alt_phone) == ("1", "7275553333", "7275553334")
    again = admin_client.post(url, manual_entry(target, phone_number="727 555 3333"))
    assert again.status_code == 200
    assert Lead.objects.count() == 1


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term", ["7275551000", "555-1000", "5551000", "+1 727 555 1000", "(727) 555-1000"]
)
def test_lead_search_finds_a_number_however_it_is_typed(admin_client, term):
    wanted = LeadFactory(phone_number="7275551000")
    LeadFactory(phone_number="7275552000")
    response = admin_client.get(reverse("admin:leads_lead_changelist"), {"q": term})
    assert [lead.lead_id for lead in response.context["cl"].result_list] == [wanted.lead_id]


def test_review_search_finds_the_incoming_number_as_typed(admin_client):
    existing = LeadFactory(phone_number="7275551000")
    review = DuplicateReview.objects.create(
        source=DuplicateReview.Source.API,
        list_id=existing.list_id,
        existing_lead=existing,
        duplicate_check=DuplicateCheck.LIST.value,
        incoming={"phone_number": "7275551000"},
    )
    response = admin_client.get(
        reverse("admin:leads_duplicatereview_changelist"), {"q": "+1 (727) 555-1000"}
    )
    assert [r.pk for r in response.context["cl"].result_list] == [review.pk]


def test_an_import_row_without_a_phone_is_not_counted_as_normalised():
    phones = ImportPhones(default_phone_code="1")
    assert phones.normalise(5, {"phone_number": ""}) == ""
    assert phones.normalise(6, {"phone_number": "", "alt_phone": ""}) == ""
    values = {"phone_number": "", "alt_phone": "727-555-0101"}
    assert phones.normalise(7, values) == ""
    assert values["alt_phone"] == "7275550101"
    assert phones.summary() == {
        "rows": 1,
        "examples": [
            {"row": 7, "written": "727-555-0101", "phone": "7275550101", "phone_code": "1"}
        ],
    }
