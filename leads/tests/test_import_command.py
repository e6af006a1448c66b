"""``manage.py import_leads``: the page's import in the foreground, result file beside the input."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from leads.importing.options import ImportOptions
from leads.models import ImportJob, Lead
from leads.outcomes import DuplicateCheck
from leads.services.request import DncMode, DuplicatePolicy, HopperRequest, TimeZoneMethod
from leads.tests.factories import DncNumberFactory, LeadListFactory, UserFactory

CSV = (
    "Phone,First Name,Last Name\n"
    "727-555-0001,Ann,Lee\n"
    "7275550002,Bob,Ray\n"
    "7275550001,Ann,Lee\n"
    "7275559999,Dee,Nc\n"
    "12,Bad,Phone\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def leads_file(tmp_path):
    path = tmp_path / "vendor.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.fixture
def target(campaign):
    return LeadListFactory(list_id=7001, campaign=campaign)


def import_leads(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_leads", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_writes_the_result_beside_the_input_and_prints_the_counts(leads_file, target):
    DncNumberFactory(phone_number="7275559999")
    UserFactory(username="sup")
    out, err = import_leads(
        leads_file,
        "--list",
        target.list_id,
        "--duplicate-check",
        "DUPLIST",
        "--dnc-check",
        "Y",
        "--user",
        "sup",
        "--progress",
    )
    assert "added 2, invalid 1, duplicate in the database 0, duplicate in the file 1" in out
    assert "in DNC 1" in out
    assert "5/5 rows" in err  # the progress bar, forced onto a non-TTY
    with open(f"{leads_file}.result.csv", encoding="utf-8-sig", newline="") as stream:
        lines = list(csv.reader(stream))
    assert lines[0][:6] == ["row", "outcome", "reason", "lead_id", "phone", "Phone"]
    assert [line[1] for line in lines[1:]] == [
        "added",
        "added",
        "duplicate_file",
        "dnc",
        "invalid",
    ]
    leads = Lead.objects.filter(door="upload")
    assert sorted(lead.phone_number for lead in leads) == ["7275550001", "7275550002"]
    assert {lead.user for lead in leads} == {"sup"}


def test_dry_run_prints_the_tally_and_examples_and_writes_nothing(leads_file, target):
    import_leads(leads_file, "--list", target.list_id, "--duplicate-check", "DUPLIST")
    assert Lead.objects.count() == 3

    out, _ = import_leads(
        leads_file,
        "--list",
        target.list_id,
        "--dry-run",
        "--duplicate-check",
        "DUPLIST",
        "--statuses",
        "SALE,CALLBK",  # the leads already loaded are NEW: they do not count
    )
    assert out.startswith(
        "Dry run of 5 rows: added 3, invalid 1, duplicate in the database 0, "
        "duplicate in the file 1"
    )
    assert "invalid: Invalid phone number length (6 to 16 digits): row 6 (12)" in out
    assert "duplicate_file: DUPLIST (in the file): row 4 (7275550001)" in out
    assert Lead.objects.count() == 3


def test_a_repeated_upload_needs_yes(leads_file, target):
    import_leads(leads_file, "--list", target.list_id)
    with pytest.raises(CommandError, match="already loaded.*--yes"):
        import_leads(leads_file, "--list", target.list_id)
    out, _ = import_leads(
        leads_file, "--list", target.list_id, "--yes", "--duplicate-check", "DUPLIST"
    )
    assert "added 0, invalid 1, duplicate in the database 4" in out


def test_mapping_by_number_or_header_and_no_header(tmp_path, target):
    path = tmp_path / "plain.txt"
    path.write_text("Lee|7275550001|Ann\nRay|7275550002|Bob\n", encoding="utf-8")
    import_leads(
        path, "--list", target.list_id, "--mapping", "2=phone_number,3=first_name", "--no-header"
    )
    assert sorted(Lead.objects.values_list("first_name", flat=True)) == ["Ann", "Bob"]

    Lead.objects.all().delete()
    path.write_text("Surname|Tel|Name\nLee|7275550003|Ann\n", encoding="utf-8")
    import_leads(path, "--list", target.list_id, "--mapping", "tel=phone_number, surname=last_name")
    assert Lead.objects.get().last_name == "Lee"

    with pytest.raises(CommandError, match="no column 'fax'"):
        import_leads(path, "--list", target.list_id, "--mapping", "fax=phone_number", "--yes")


def test_standard_layout(tmp_path, target):
    path = tmp_path / "standard.tsv"
    path.write_text("V1\tSRC\t\t1\t7275550001\tMr\tAnn\n", encoding="utf-8")
    import_leads(path, "--list", target.list_id, "--standard-layout", "--no-header")
    lead = Lead.objects.get()
    assert (lead.vendor_lead_code, lead.source_id, lead.title, lead.first_name) == (
        "V1",
        "SRC",
        "Mr",
        "Ann",
    )


def test_errors_a_person_can_fix(tmp_path, leads_file, target):
    with pytest.raises(CommandError, match="is not a file"):
        import_leads(tmp_path / "missing.csv", "--list", target.list_id)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        import_leads(empty, "--list", target.list_id)
    with pytest.raises(CommandError, match="Choose a list"):
        import_leads(leads_file)
    with pytest.raises(CommandError, match="no list 999999"):
        import_leads(leads_file, "--list", 999999)


def test_resume_an_interrupted_import(leads_file, target, monkeypatch):
    from leads.importing import engine

    real_run = engine.import_run

    def interrupted(job, **kwargs):
        def stop(rows):
            raise KeyboardInterrupt

        return real_run(job, batch_rows=2, on_progress=stop)

    monkeypatch.setattr(engine, "import_run", interrupted)
    with pytest.raises(CommandError, match="--resume") as error:
        import_leads(leads_file, "--list", target.list_id)
    monkeypatch.undo()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.RUNNING and job.rows_done == 2
    assert f"--resume {job.pk}" in str(error.value)

    out, _ = import_leads("--resume", job.pk)
    assert f"Import {job.pk} done" in out
    assert Lead.objects.count() == 4


def test_command_line_options_become_typed_import_options(leads_file, target):
    """The command builds the importer's typed options from its own arguments."""
    import_leads(
        leads_file,
        "--list",
        target.list_id,
        "--dry-run",
        "--duplicate-check",
        "dupsys",
        "--duplicate-days",
        "7",
        "--statuses",
        "sale, new",
        "--dnc-check",
        "AREACODE",
        "--tz-method",
        "POSTAL",
        "--add-to-hopper",
        "--hopper-priority",
        "-5",
    )
    options = ImportOptions.from_json(ImportJob.objects.get().options).add
    assert options.duplicates == DuplicatePolicy(
        checks=(DuplicateCheck.SYS,), days=7, statuses=frozenset({"SALE", "NEW"})
    )
    assert options.dnc is DncMode.AREACODE and options.campaign_dnc is DncMode.OFF
    assert options.time_zone == TimeZoneMethod(postal=True)
    assert options.hopper == HopperRequest(priority=-5)


def test_an_unknown_duplicate_check_is_refused_by_the_command_line(leads_file, target):
    with pytest.raises(CommandError, match="duplicate-check"):
        import_leads(leads_file, "--list", target.list_id, "--duplicate-check", "DUPNOPE")


def test_several_duplicate_checks_repeated_or_comma_listed_run_in_check_order(leads_file, target):
    """Parity with the upload options and the API: any set of the 12 checks."""
    import_leads(
        leads_file,
        "--list",
        target.list_id,
        "--dry-run",
        "--duplicate-check",
        "DUPSYS,duplist",
        "--duplicate-check=DUPNAMEPHONECAMP",
    )
    options = ImportOptions.from_json(ImportJob.objects.get().options).add
    assert options.duplicates.checks == (
        DuplicateCheck.LIST,
        DuplicateCheck.SYS,
        DuplicateCheck.NAME_PHONE_CAMP,
    )


@pytest.mark.parametrize(
    ("text", "method"),
    [
        # Without NANPA data the API drops "NANPA" from the text and reads it again (§3.7).
        (
            "POSTAL-NANPA",
            TimeZoneMethod(postal=True, nanpa=True, without_nanpa_data=TimeZoneMethod(postal=True)),
        ),
        # Only the upper-case word is dropped.
        ("nanpa", TimeZoneMethod(nanpa=True, without_nanpa_data=TimeZoneMethod(nanpa=True))),
        # TZCODE counts only as the whole text: here, only without NANPA data.
        (
            "TZCODENANPA",
            TimeZoneMethod(nanpa=True, without_nanpa_data=TimeZoneMethod(tz_code=True)),
        ),
    ],
)
def test_the_time_zone_method_is_read_as_the_api_reads_tz_method(leads_file, target, text, method):
    import_leads(leads_file, "--list", target.list_id, "--dry-run", "--tz-method", text)
    assert ImportOptions.from_json(ImportJob.objects.get().options).add.time_zone == method


def test_a_time_zone_method_naming_no_source_is_refused(leads_file, target):
    with pytest.raises(CommandError, match="tz-method"):
        import_leads(leads_file, "--list", target.list_id, "--tz-method", "ZIPCODE")
