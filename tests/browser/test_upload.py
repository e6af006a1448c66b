"""A supervisor uploads a spreadsheet in a real browser: log in, upload a CSV with good,
invalid, duplicate, in-file duplicate and DNC rows, map a renamed column by hand, read the dry
run's tally, confirm, watch the progress bar reach 100 % and check the downloaded result file.

(The review queue and manual entry have their own browser test, ``test_supervisor.py``.)
"""

import csv

import pytest

from leads.outcomes import DuplicateCheck
from leads.services.request import DncMode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV_ROWS = [
    ["Cust Ref", "Phone Number", "First Name", "Last Name", "Zip"],
    ["R1", "(727) 555-0101", "Ann", "Lee", "33755"],  # row 2: new
    ["R2", "727-555-0102", "Bob", "Ray", "33756"],  # row 3: new
    ["R3", "555-12", "Bad", "Phone", "33755"],  # row 4: invalid phone
    ["R4", "7275559999", "Old", "Lead", "33755"],  # row 5: already in the list
    ["R5", "727.555.0101", "Ann", "Again", "33755"],  # row 6: same phone as row 2
    ["R6", "7275550000", "Do Not", "Call", "33755"],  # row 7: system DNC
    ["R7", "6025550107", "Sofia", "Rossi", "85013"],  # row 8: new
]
EXPECTED_TALLY = {
    "added": 3,
    "invalid": 1,
    "duplicate_db": 1,
    "duplicate_file": 1,
    "dnc": 1,
    "campaign_dnc": 0,
}
EXPECTED_OUTCOMES = {
    "2": "added",
    "3": "added",
    "4": "invalid",
    "5": "duplicate_db",
    "6": "duplicate_file",
    "7": "dnc",
    "8": "added",
}


@pytest.fixture
def vendor_file(tmp_path):
    path = tmp_path / "vendor leads.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(CSV_ROWS)
    return path


@pytest.fixture
def target_list(transactional_db):
    from campaigns.tests.factories import CampaignFactory
    from leads.tests.factories import DncNumberFactory, LeadFactory, LeadListFactory

    target = LeadListFactory(list_id=4101, list_name="Spring vendor", campaign=CampaignFactory())
    LeadFactory(list=target, phone_number="7275559999")
    DncNumberFactory(phone_number="7275550000")
    return target


def tally(page, table: str) -> dict[str, int]:
    cells = page.locator(f"#{table} [data-count]")
    return {
        cells.nth(i).get_attribute("data-count"): int(cells.nth(i).inner_text())
        for i in range(cells.count())
    }


def test_upload_map_dry_run_import_and_download(
    page, live_server, admin_login, inline_tasks, target_list, vendor_file, screenshot
):
    from leads.models import ImportJob, Lead

    page.goto(f"{live_server.url}/admin/leads/importjob/")
    page.click("text=Upload a spreadsheet")
    page.set_input_files("input[name=file]", str(vendor_file))
    page.select_option("select[name=target_list]", str(target_list.list_id))
    screenshot("1-upload")
    page.click("input[type=submit][value='Upload and map the columns']")

    # Mapping: "Phone Number", "First Name", "Zip" are recognised; "Cust Ref" is mapped by hand.
    page.wait_for_selector("#import-preview")
    assert page.input_value("select[name=col_1]") == "phone_number"
    assert page.input_value("select[name=col_2]") == "first_name"
    assert page.input_value("select[name=col_4]") == "postal_code"
    assert page.input_value("select[name=col_0]") == ""
    assert "(727) 555-0101" in page.inner_text("#import-preview")
    page.click("#standard-layout")  # the original's fixed column order ...
    assert page.input_value("select[name=col_1]") == "source_id"
    page.reload()  # ... is not this file's: back to the proposal
    assert page.input_value("select[name=col_1]") == "phone_number"
    page.select_option("select[name=col_0]", "vendor_lead_code")
    assert page.input_value("select[name=duplicate_check]") == DuplicateCheck.LIST.value
    assert page.input_value("select[name=dnc_check]") == DncMode.NUMBER.value
    screenshot("2-mapping")
    page.click("input[type=submit][value='Check every row (dry run)']")

    # Dry run: the whole file's tally, with examples; nothing written yet.
    page.wait_for_selector("#dry-run-tally")
    assert tally(page, "dry-run-tally") == EXPECTED_TALLY
    assert page.inner_text("#dry-run-tally-total") == "7"
    assert "row 4: 55512" in page.inner_text("#dry-run-tally")
    assert Lead.objects.filter(list=target_list).count() == 1
    screenshot("3-dry-run")
    page.click("#confirm-import")

    # Progress: the bar reaches 100 % and the counts add up to the file's rows.
    page.wait_for_function("document.getElementById('import-bar').value === 100")
    assert page.inner_text("#import-percent") in {"100", "100.0"}
    assert tally(page, "import-tally") == EXPECTED_TALLY
    assert page.inner_text("#import-tally-total") == "7"
    screenshot("4-progress")

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    new_leads = {
        lead.phone_number: lead
        for lead in Lead.objects.filter(list=target_list).exclude(phone_number="7275559999")
    }
    assert set(new_leads) == {"7275550101", "7275550102", "6025550107"}
    assert new_leads["7275550101"].vendor_lead_code == "R1"  # the column mapped by hand

    with page.expect_download() as download_info:
        page.click("#download-csv")
    download = download_info.value
    assert download.suggested_filename == "vendor leads-result.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert {row["row"]: row["outcome"] for row in rows} == EXPECTED_OUTCOMES
    added = {row["row"]: row["lead_id"] for row in rows if row["outcome"] == "added"}
    assert added["2"] == str(new_leads["7275550101"].lead_id)
    assert rows[2]["reason"] and rows[3]["Cust Ref"] == "R4"
