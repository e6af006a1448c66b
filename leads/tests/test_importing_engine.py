"""The import engine and its checks: every outcome, the API's rules batch by batch, the result
file, cancel and resume after a killed worker, and the queries per batch."""

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files import File
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from campaigns.models import HopperEntry
from campaigns.tests.factories import (
    CallTimeFactory,
    CampaignDncFactory,
    CampaignFactory,
    StateCallTimeFactory,
)
from leads.importing import engine, jobs
from leads.importing.rows import RowCleaner, job_batch
from leads.models import DuplicateReview, ImportJob, Lead
from leads.outcomes import DuplicateCheck
from leads.pipeline import storage
from leads.pipeline.batch import LeadBatch, RowResult
from leads.rules import (
    DIGITS_ONLY_FIELDS,
    FIELD_RULES,
    LEAD_TEXT_FIELDS,
    PHONE_TEXT_FIELDS,
    STANDARD_LAYOUT,
    clamp_int,
    clean_value,
    file_value_changes,
    file_value_cleaner,
    parse_date_of_birth,
)
from leads.services import LeadActor, lead_build
from leads.services.hooks import import_hooks_wanted
from leads.services.request import DncMode, LeadFields, PhoneChecks
from leads.tests.factories import (
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
    NanpaPrefixFactory,
    PhoneCodeFactory,
    import_options,
)
from leads.timezones import PHONE_CODE_ONLY, GmtOffset, lead_gmt_offset
from leads.wording import CHECK_BY_CODE


class JobChecker:
    """A job's rows cleaned and checked as the import does, a batch at a time."""

    def __init__(self, job: ImportJob) -> None:
        self.cleaner, self.batch = RowCleaner(job), job_batch(job)

    def check_batch(self, rows: list[tuple[int, list[str]]], *, now: datetime) -> list[RowResult]:
        return self.batch.check(self.cleaner.clean(rows), now=now)


HEADER = ["Phone", "First Name", "Last Name", "Title", "Alt Phone", "State", "Zip"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write_csv(path, rows, header=HEADER):
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def make_job(tmp_path, rows, *, list_id, options=None, header=HEADER, mapping=None, user=None):
    path = write_csv(tmp_path / "leads.csv", rows, header)
    with path.open("rb") as stream:
        job = jobs.import_job_create(
            upload=File(stream), original_name="leads.csv", created_by=user
        )
    if mapping is None:
        mapping = {int(column): name for column, name in job.mapping.items()}
    return jobs.import_job_configure(
        job=job,
        list_id=list_id,
        mapping=mapping,
        options=options or import_options(),
        has_header=header is not None,
    )


def run(job, **kwargs) -> ImportJob:
    job = jobs.import_job_start_import(job=job, background=False, confirm_same_upload=True)
    return engine.import_run(job, **kwargs)


def result_lines(job) -> list[list[str]]:
    with open(job.result_csv.path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))[1:]


def row(phone, first="Ann", last="Lee", title="", alt="", state="", postal=""):
    return [phone, first, last, title, alt, state, postal]


@pytest.fixture
def target(campaign):
    return LeadListFactory(list_id=5001, campaign=campaign)


# --- outcomes -----------------------------------------------------------------------------


def test_every_outcome_is_counted_explained_and_written(tmp_path, target, campaign):
    DncNumberFactory(phone_number="7275550000")
    CampaignDncFactory(campaign=campaign, phone_number="7275550001")
    existing = LeadFactory(list=target, phone_number="7275550002")
    job = make_job(
        tmp_path,
        [
            row("(727) 555-1000"),  # added
            row("12345"),  # invalid length
            row("7275550000"),  # system DNC
            row("7275550001"),  # campaign DNC
            row("727-555-0002"),  # duplicate in the database
            row("7275551000"),  # duplicate of the first row
            row("7275551001"),  # added
        ],
        list_id=target.list_id,
        options=import_options(
            DuplicateCheck.LIST,
            dnc=DncMode.NUMBER,
            campaign_dnc=DncMode.NUMBER,
            campaign_id=campaign.campaign_id,
        ),
    )
    job = run(job)

    assert job.status == ImportJob.Status.DONE
    assert job.counts == {
        "added": 2,
        "invalid": 1,
        "dnc": 1,
        "campaign_dnc": 1,
        "duplicate_db": 1,
        "duplicate_file": 1,
    }
    assert job.rows_done == sum(job.counts.values()) == 7 == job.total_rows
    lines = result_lines(job)
    assert [line[:3] for line in lines] == [
        ["2", "added", ""],
        ["3", "invalid", "Invalid phone number length (6 to 16 digits): 12345"],
        ["4", "dnc", "Number is on the DNC list"],
        ["5", "campaign_dnc", "Number is on the DNC list of the campaign"],
        [
            "6",
            "duplicate_db",
            f"Already lead {existing.lead_id} in list {target.list_id} (DUPLIST)",
        ],
        ["7", "duplicate_file", "Same as row 2 of the file (DUPLIST)"],
        ["8", "added", ""],
    ]
    added = Lead.objects.filter(door=Lead.Door.UPLOAD).order_by("lead_id")
    assert [str(lead.lead_id) for lead in added] == [lines[0][3], lines[6][3]]
    assert [lead.phone_number for lead in added] == ["7275551000", "7275551001"]
    assert lines[0][4:6] == ["7275551000", "(727) 555-1000"]  # phone, then the cells as read


def test_dry_run_writes_nothing_but_its_tally(tmp_path, target):
    LeadFactory(list=target, phone_number="7275550002")
    rows = [row("7275551000"), row("1"), row("7275550002"), row("7275551000")]
    rows += [row(f"80055500{n:02d}") for n in range(8)]
    job = make_job(
        tmp_path, rows, list_id=target.list_id, options=import_options(DuplicateCheck.LIST)
    )
    job = jobs.import_job_start_dry_run(job=job, background=False)

    tally = engine.import_dry_run(job, batch_rows=5)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert job.dry_run == tally
    assert tally["counts"] == {
        "added": 9,
        "invalid": 1,
        "duplicate_db": 1,
        "duplicate_file": 1,
        "dnc": 0,
        "campaign_dnc": 0,
    }
    assert tally["rows"] == 12
    assert tally["examples"]["duplicate_file: DUPLIST (in the file)"] == [
        {
            "row": 5,
            "phone": "7275551000",
            "outcome": "duplicate_file",
            "reason": "Same as row 2 of the file (DUPLIST)",
        }
    ]
    assert len(tally["examples"]["added"]) == 5  # at most 5 per reason
    assert Lead.objects.filter(door=Lead.Door.UPLOAD).count() == 0
    assert not job.result_csv


# --- duplicates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "where", "duplicate"),
    [
        ("DUPLIST", "same list", True),
        ("DUPLIST", "campaign list", False),
        ("DUPCAMP", "campaign list", True),
        ("DUPCAMP", "other campaign", False),
        ("DUPSYS", "other campaign", True),
    ],
)
def test_duplicate_scopes(tmp_path, target, campaign, check, where, duplicate):
    lists = {
        "same list": target,
        "campaign list": LeadListFactory(campaign=campaign),
        "other campaign": LeadListFactory(campaign=CampaignFactory()),
    }
    existing = LeadFactory(list=lists[where], phone_number="7275550002")
    job = run(
        make_job(
            tmp_path,
            [row("7275550002")],
            list_id=target.list_id,
            options=import_options(CHECK_BY_CODE[check]),
        )
    )
    assert job.counts["duplicate_db"] == int(duplicate)
    if duplicate:
        assert (
            result_lines(job)[0][2]
            == f"Already lead {existing.lead_id} in list {existing.list_id} ({check})"
        )


def test_the_day_window_and_the_status_filter(tmp_path, target):
    old = LeadFactory(list=target, phone_number="7275550001")
    Lead.objects.filter(pk=old.pk).update(entry_date=timezone.now() - timedelta(days=10))
    LeadFactory(list=target, phone_number="7275550002", status="NEW")
    LeadFactory(list=target, phone_number="7275550003", status="SALE")
    rows = [row("7275550001"), row("7275550002"), row("7275550003")]

    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(DuplicateCheck.LIST, days=7, statuses=("SALE",)),
        )
    )

    assert [line[1] for line in result_lines(job)] == ["added", "added", "duplicate_db"]


def test_the_lowest_existing_lead_id_is_reported(tmp_path, target):
    first = LeadFactory(list=target, phone_number="7275550002")
    LeadFactory(list=target, phone_number="7275550002")
    job = run(
        make_job(
            tmp_path,
            [row("7275550002")],
            list_id=target.list_id,
            options=import_options(DuplicateCheck.SYS),
        )
    )
    assert (
        result_lines(job)[0][2] == f"Already lead {first.lead_id} in list {target.list_id} (DUPSYS)"
    )


@pytest.mark.parametrize(
    ("check", "existing", "incoming", "reason"),
    [
        (
            "DUPPHONEALTLIST",
            {"phone_number": "8135550000", "alt_phone": "7275550001 "},
            row("7275550001"),
            ", by its alt phone",
        ),
        (
            "DUPPHONEALTLIST",
            {"phone_number": "7275550001", "alt_phone": ""},
            row("7275550001"),
            ", by its phone",
        ),
        (
            "DUPTITLEALTPHONELIST",
            {"phone_number": "8135550001", "title": "DR ", "alt_phone": "8005550000"},
            row("7275550002", title="dr", alt="800-555-0000"),
            "",
        ),
        (
            "DUPNAMEPHONELIST",
            {"phone_number": "7275550003", "first_name": "ANN ", "last_name": "lee"},
            row("7275550003", first="ann", last="LEE"),
            "",
        ),
    ],
)
def test_alt_title_and_name_checks_ignore_case_and_trailing_spaces(
    tmp_path, target, check, existing, incoming, reason
):
    lead = LeadFactory(list=target, **existing)
    other = incoming.copy()
    other[0], other[1], other[3] = "9045550000", "Someone", "Mr"  # matches nothing
    job = run(
        make_job(
            tmp_path,
            [incoming, other],
            list_id=target.list_id,
            options=import_options(CHECK_BY_CODE[check]),
        )
    )
    lines = result_lines(job)
    assert lines[0][2] == f"Already lead {lead.lead_id} in list {target.list_id}{reason} ({check})"
    assert lines[1][1] == "added"


def test_duplicates_inside_the_file_span_batches_and_checks(tmp_path, target):
    rows = [
        row("7275550001", alt="8135550009"),
        row("7275550002"),
        row("7275550003"),
        row("8135550009"),  # the alt phone of row 2
        row("7275550001"),
    ]
    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(DuplicateCheck.PHONE_ALT_LIST),
        ),
        batch_rows=2,
    )
    assert [line[2] for line in result_lines(job)] == [
        "",
        "",
        "",
        "Same as row 2 of the file (DUPPHONEALTLIST)",
        "Same as row 2 of the file (DUPPHONEALTLIST)",
    ]


def test_rejected_duplicates_go_to_the_review_queue(tmp_path, target):
    existing = LeadFactory(list=target, phone_number="7275550002")
    rows = [row("7275550001"), row("7275550002", first="Zoe"), row("7275550001", last="Leigh")]
    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(DuplicateCheck.LIST, review_duplicates=True),
        )
    )
    first_new = Lead.objects.get(phone_number="7275550001")
    reviews = DuplicateReview.objects.filter(import_job=job).order_by("row_number")
    assert [(r.row_number, r.existing_lead_id, r.duplicate_check) for r in reviews] == [
        (3, existing.lead_id, DuplicateCheck.LIST.value),
        (4, first_new.lead_id, DuplicateCheck.LIST.value),
    ]
    assert reviews[0].incoming["first_name"] == "Zoe"
    assert reviews[0].source == DuplicateReview.Source.UPLOAD


# --- DNC, phones, time zone, custom fields, hopper -----------------------------------------


def test_dnc_wildcards_and_the_borrowed_campaign_list(tmp_path, target, campaign):
    DncNumberFactory(phone_number="212XXXXXXX")
    lender = CampaignFactory()
    campaign.use_other_campaign_dnc = lender
    campaign.save()
    CampaignDncFactory(campaign=lender, phone_number="310XXXXXXX")
    CampaignDncFactory(campaign=campaign, phone_number="7275550003")  # not consulted
    rows = [row("2125550001"), row("3105550002"), row("7275550003")]
    options = {"campaign_dnc": DncMode.AREACODE, "campaign_id": campaign.campaign_id}

    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(**options, dnc=DncMode.AREACODE),
        )
    )
    assert [line[1] for line in result_lines(job)] == ["dnc", "campaign_dnc", "added"]

    Lead.objects.all().delete()
    job = run(
        make_job(tmp_path, rows, list_id=target.list_id, options=import_options(dnc=DncMode.NUMBER))
    )
    assert [line[1] for line in result_lines(job)] == ["added", "added", "added"]


def test_phone_checks_lookup_state_and_time_zone(tmp_path, target):
    PhoneCodeFactory(areacode="727", state="FL")
    for n in range(10):
        NanpaPrefixFactory(areacode="727", prefix=f"55{n}")
    rows = [
        row("7275550001"),
        row("7271550001"),  # prefix starts with 1
        row("7275650001"),  # exchange not in NANPA
        row("7275550002", state="GA"),
    ]
    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(
                phone_checks=PhoneChecks(usacan_prefix=True, nanpa_prefix=True),
                lookup_state=True,
            ),
        )
    )
    assert [line[2] for line in result_lines(job)] == [
        "",
        "Invalid phone number prefix (the 4th digit must be 2-9): 7271550001",
        "Invalid phone number: area code and exchange are not in the NANPA table: 7275650001",
        "",
    ]
    leads = {lead.phone_number: lead for lead in Lead.objects.filter(door="upload")}
    assert leads["7275550001"].state == "FL"
    assert leads["7275550002"].state == "GA"
    expected = lead_gmt_offset(
        phone_code="1",
        phone_number="7275550001",
        state="FL",
        postal_code="",
        owner="",
        tz_method=PHONE_CODE_ONLY,
        now=leads["7275550001"].entry_date,
    )
    assert leads["7275550001"].gmt_offset_now == expected.hours
    assert expected.hours in (Decimal("-5.00"), Decimal("-4.00"))


def test_remembered_time_zones_follow_a_daylight_saving_switch(tmp_path, target):
    """Offsets are remembered per phone code, area code, state and hour: a run that goes on
    past a switch to daylight saving time gives the later rows the new offset."""
    PhoneCodeFactory(areacode="727", state="FL")
    job = make_job(tmp_path, [row("7275550001")], list_id=target.list_id)
    checker = JobChecker(job)
    before = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST
    after = before + timedelta(hours=1)  # 03:30 EDT

    offsets = [
        checker.check_batch([(n, [f"727555000{n}", "Ann"])], now=now)[0].gmt
        for n, now in ((2, before), (3, after))
    ]

    assert offsets == [Decimal("-5.00"), Decimal("-4.00")]


def test_lists_from_a_column(tmp_path, target):
    other = LeadListFactory(list_id=5002)
    rows = [["7275550001", "5001"], ["7275550002", "5002"], ["7275550003", "777"]]
    job = run(
        make_job(
            tmp_path, rows, list_id=None, header=["phone", "list_id"], options=import_options()
        )
    )
    assert [line[2] for line in result_lines(job)] == ["", "", "The row's list does not exist"]
    assert Lead.objects.get(phone_number="7275550001").list_id == target.list_id
    assert Lead.objects.get(phone_number="7275550002").list_id == other.list_id


def test_custom_fields_and_the_hopper(tmp_path, target):
    target.keeps_custom_fields = True
    target.save()
    CustomFieldDefinitionFactory(list=target, field_label="plan")
    CustomFieldDefinitionFactory(list=target, field_label="level", field_default="gold")
    rows = [["7275550001", "basic;", "Vendor-1"]]
    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            header=["phone", "plan", "vendor"],
            mapping={0: "phone_number", 1: "plan", 2: "vendor_lead_code"},
            options=import_options(hopper_priority=7),
        )
    )
    lead = Lead.objects.get(phone_number="7275550001")
    assert lead.custom_values == {"plan": "basic", "level": "gold"}
    assert lead.entry_list_id == target.list_id
    hopper = HopperEntry.objects.get(lead=lead)
    assert (hopper.priority, hopper.campaign_id, hopper.vendor_lead_code) == (
        7,
        target.campaign_id,
        "Vendor-1",
    )
    assert job.counts["added"] == 1


@pytest.mark.parametrize("checked", [False, True])
def test_the_hoppers_local_call_time_check_keeps_leads_outside_their_call_time_out(
    tmp_path, db, checked
):
    """The import applies the API's hopper rule (``pipeline.hopper``): with the local call
    time check, a lead whose state's call time is closed now gets no hopper row (it is still
    added); without it, every added lead gets one."""
    closed_in_ny = StateCallTimeFactory(state="NY", default_start=0, default_stop=0)
    always = CallTimeFactory(default_start=0, default_stop=2400, state_rules=[closed_in_ny])
    target = LeadListFactory(list_id=5001, campaign=CampaignFactory(local_call_time=always))
    rows = [row("7275550001", state="FL"), row("2125550002", state="NY")]
    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(hopper_priority=3, hopper_local_call_time_check=checked),
        )
    )

    assert job.counts["added"] == 2
    in_hopper = set(HopperEntry.objects.values_list("lead__phone_number", flat=True))
    assert in_hopper == ({"7275550001"} if checked else {"7275550001", "2125550002"})


def test_custom_field_defaults_are_stored_when_no_custom_column_is_mapped(tmp_path, target):
    """As the API with custom_fields=Y and manual entry do (D15): found by test_door_parity."""
    target.keeps_custom_fields = True
    target.save()
    CustomFieldDefinitionFactory(list=target, field_label="plan")
    CustomFieldDefinitionFactory(list=target, field_label="level", field_default="gold")
    run(
        make_job(
            tmp_path,
            [["7275550001", "Ann"]],
            list_id=target.list_id,
            header=["phone", "first"],
            mapping={0: "phone_number", 1: "first_name"},
        )
    )
    lead = Lead.objects.get(phone_number="7275550001")
    assert lead.custom_values == {"plan": "", "level": "gold"}
    assert lead.entry_list_id == target.list_id


def _lead_build(values: dict, **kwargs):
    """``lead_build`` of a row's cleaned values (text, as the importer keeps them)."""
    fields = LeadFields(**{name: values[name] for name in LEAD_TEXT_FIELDS if name in values})
    return lead_build(
        fields,
        date_of_birth=parse_date_of_birth(values.get("date_of_birth", "")),
        rank=clamp_int(values.get("rank", ""), default=0),
        **kwargs,
    )


def test_copy_lines_have_the_values_lead_build_gives():
    now = timezone.now()
    actor = LeadActor(user="uploader-with-a-long-name", door=Lead.Door.UPLOAD)
    values = {
        "phone_number": "7275550001",
        "first_name": "A" * 40,
        "title": "Doctor",
        "gender": "F",
        "date_of_birth": "1980-02-30",
        "rank": "99999",
        "vendor_lead_code": "V1\\x\ty",
        "comments": "line\nbreak",
    }
    for custom in (None, {"plan": 'say "hi" \\ bye'}):
        result = RowResult(1, [], values=values, list_id=5001, phone_code="44", state="Florida")
        result.gmt, result.custom, result.lead_id = Decimal("-4.00"), custom, 77
        builder = storage.LeadRows(mapped=set(values), actor=actor, now=now, copy=True)
        lead, _ = _lead_build(
            values,
            list_id=5001,
            phone_code="44",
            state="Florida",
            gmt=GmtOffset(Decimal("-4.00")),
            status="NEW",
            actor=actor,
            now=now,
            entry_list_id=5001 if custom else 0,
            custom_values=custom,
        )
        lead.lead_id, lead.modify_date = 77, now
        expected = [getattr(lead, f.attname) for f in Lead._meta.concrete_fields]
        line = builder.line(result).rstrip("\n")
        assert line.split("\t") == [storage.copy_text(v) for v in expected]


def test_imported_leads_are_stored_as_lead_build_makes_them(tmp_path, target):
    """The fast stores (COPY, the prepared INSERT) store what lead_build + save stores."""
    target.keeps_custom_fields = True
    target.save()
    CustomFieldDefinitionFactory(list=target, field_label="note")
    cells = ["7275550001", "V\\1\tx", "Zoë", "D" * 40, "multi\nline \\ comment", 'a "b" \\ c']
    header = ["phone", "vendor", "first", "last", "comments", "note"]
    mapping = dict(enumerate(["phone_number", "vendor_lead_code", "first_name", "last_name"]))
    mapping.update({4: "comments", 5: "note"})
    job = run(make_job(tmp_path, [cells], list_id=target.list_id, header=header, mapping=mapping))
    stored = Lead.objects.get(door="upload")

    checker = JobChecker(job)
    result = checker.check_batch([(2, cells)], now=stored.entry_date)[0]
    expected, _ = _lead_build(
        result.values,
        list_id=target.list_id,
        phone_code="1",
        state=result.state,
        gmt=GmtOffset(result.gmt),
        status="NEW",
        actor=LeadActor(user="", door=Lead.Door.UPLOAD),
        now=stored.entry_date,
        entry_list_id=target.list_id,
        custom_values=result.custom,
    )
    expected.save(force_insert=True)  # what the ORM stores for the same lead
    columns = [
        f.attname
        for f in Lead._meta.concrete_fields
        if f.attname not in ("lead_id", "modify_date", "last_local_call_time")
    ]
    by_import, by_orm = (
        Lead.objects.filter(pk=pk).values(*columns).get() for pk in (stored.pk, expected.pk)
    )
    assert by_import == by_orm
    assert stored.comments == "multi\nline \\ comment"  # the API's filter keeps line breaks
    assert stored.custom_values == {"note": "a b \\ c"}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite and MariaDB check a batch inside its store's transaction, under the locks: "
    "no lead can be stored between the check and the insert",
)
@pytest.mark.parametrize("check", ["DUPLIST", "DUPSYS", "DUPTITLEALTPHONELIST"])
def test_a_lead_stored_between_the_check_and_the_store_demotes_the_row(
    tmp_path, target, monkeypatch, check
):
    """The store re-runs the duplicate checks under the API's locks: a lead another door
    stored after the batch was checked turns the row into a counted, written duplicate_db
    (and into a review row), and the phone is stored once."""
    other = LeadListFactory(list_id=5002, campaign=target.campaign)
    rows = [row(f"72755500{n:02d}", title="Dr", alt=f"81355500{n:02d}") for n in range(4)]
    job = make_job(
        tmp_path,
        rows,
        list_id=target.list_id,
        options=import_options(CHECK_BY_CODE[check], review_duplicates=True),
    )
    check_batch = LeadBatch.check
    racing = {}

    def check_then_race(self, batch, *, now):
        results = check_batch(self, batch, now=now)
        if not racing:  # the first batch only
            in_list = other.list_id if check == "DUPSYS" else target.list_id
            racing["lead"] = LeadFactory(
                list_id=in_list, phone_number="7275550001", title="DR ", alt_phone="8135550001"
            )
        return results

    monkeypatch.setattr(LeadBatch, "check", check_then_race)
    job = run(job, batch_rows=2)

    lead = racing["lead"]
    assert job.counts["added"] == 3 and job.counts["duplicate_db"] == 1
    lines = result_lines(job)
    assert lines[1][1:4] == [
        "duplicate_db",
        f"Already lead {lead.lead_id} in list {lead.list_id} ({check})",
        "",
    ]
    assert Lead.objects.filter(phone_number="7275550001").count() == 1
    review = DuplicateReview.objects.get(import_job=job)
    assert (review.row_number, review.existing_lead_id) == (3, lead.lead_id)


# --- the result files ---------------------------------------------------------------------


def test_result_files_hold_every_row_once_and_no_formulas(tmp_path, target):
    openpyxl = pytest.importorskip("openpyxl")
    rows = [row(f"72755500{n:02d}", first="=1+1" if n == 3 else "Ann") for n in range(12)]
    job = run(make_job(tmp_path, rows, list_id=target.list_id), batch_rows=5)
    lines = result_lines(job)
    assert [int(line[0]) for line in lines] == list(range(2, 14))
    assert lines[3][6] == "'=1+1"

    engine.import_write_xlsx(job)
    job.refresh_from_db()
    sheet = openpyxl.load_workbook(job.result_xlsx.path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:6] == ("row", "outcome", "reason", "lead_id", "phone", "Phone")
    assert len(values) == 13
    assert values[4][6] == "=1+1" and sheet.cell(5, 7).data_type == "s"
    assert values[1][3] == int(lines[0][3])


# --- cancel and resume --------------------------------------------------------------------


def test_cancel_between_batches_keeps_the_committed_ones(tmp_path, target):
    job = make_job(tmp_path, [row(f"72755500{n:02d}") for n in range(10)], list_id=target.list_id)

    def cancel_after_first(rows):
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    job = run(job, batch_rows=4, on_progress=cancel_after_first)

    assert job.status == ImportJob.Status.CANCELLED
    assert job.rows_done == 4 == Lead.objects.filter(door="upload").count()
    assert job.counts["added"] == 4
    assert len(result_lines(job)) == 4


class WorkerKilled(BaseException):
    """Stands for the worker process dying (KeyboardInterrupt/SIGKILL): nothing catches it."""


@pytest.mark.django_db(transaction=True)
def test_resume_after_the_worker_died_loses_and_repeats_nothing(tmp_path, campaign):
    target = LeadListFactory(list_id=5001, campaign=campaign)
    phones = [f"72755500{n:02d}" for n in range(14)]
    rows = [row(p) for p in phones] + [row(phones[0]), row("1"), row(phones[9])]
    job = make_job(
        tmp_path, rows, list_id=target.list_id, options=import_options(DuplicateCheck.LIST)
    )
    commits = []

    def die_after_second_commit(count):
        commits.append(count)
        if len(commits) == 2:
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run(job, batch_rows=3, on_progress=die_after_second_commit)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    # On PostgreSQL the next batch may be in flight on the store's own connection when the
    # worker dies; it is stored whole or not at all, and the job says which.
    assert job.rows_done in (6, 9)
    assert job.last_committed_row == job.rows_done + 1
    assert job.counts["added"] == job.rows_done

    job = engine.import_run(job, batch_rows=3)  # a new worker picks the job up

    assert job.status == ImportJob.Status.DONE
    stored = list(Lead.objects.filter(door="upload").values_list("phone_number", flat=True))
    assert sorted(stored) == phones  # every phone once
    assert job.counts == {
        "added": 14,
        "duplicate_file": 2,
        "invalid": 1,
        "duplicate_db": 0,
        "dnc": 0,
        "campaign_dnc": 0,
    }
    assert job.rows_done == 17 == sum(job.counts.values())
    lines = result_lines(job)
    assert [int(line[0]) for line in lines] == list(range(2, 19))
    assert lines[14][2] == "Same as row 2 of the file (DUPLIST)"  # remembered across the restart
    assert lines[16][2] == "Same as row 11 of the file (DUPLIST)"


@pytest.mark.django_db(transaction=True)
def test_resume_after_dying_between_the_result_file_and_the_commit(tmp_path, monkeypatch):
    target = LeadListFactory(list_id=5001)
    rows = [row(f"72755500{n:02d}") for n in range(9)]
    job = make_job(tmp_path, rows, list_id=target.list_id)
    write = engine._ResultCsv.write
    calls = []

    def write_then_die(self, results):
        offset = write(self, results)
        calls.append(offset)
        if len(calls) == 2:
            raise WorkerKilled  # the batch's lines are on disk, its transaction rolls back
        return offset

    monkeypatch.setattr(engine._ResultCsv, "write", write_then_die)
    with pytest.raises(WorkerKilled):
        run(job, batch_rows=4)
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.result_offset == calls[0] < calls[1]

    job = engine.import_run(job, batch_rows=4)

    assert job.status == ImportJob.Status.DONE
    assert Lead.objects.filter(door="upload").count() == 9
    assert [int(line[0]) for line in result_lines(job)] == list(range(2, 11))


def test_an_older_run_stops_when_another_claims_the_job(tmp_path, target):
    job = make_job(tmp_path, [row(f"72755500{n:02d}") for n in range(6)], list_id=target.list_id)

    def taken_over(rows):
        ImportJob.objects.filter(pk=job.pk).update(task_id="another-worker")

    job = run(job, batch_rows=2, on_progress=taken_over)
    assert job.status == ImportJob.Status.RUNNING
    assert job.rows_done == 2


# --- queries ------------------------------------------------------------------------------

# Per batch: the lookups (system DNC, campaign DNC, the duplicate check; on PostgreSQL inside
# a savepoint with SET LOCAL), and the store's transaction (savepoint, lock the job, update
# it, release) around the dedupe lock, the inserts and, on PostgreSQL, the re-check of the
# duplicate check (SQLite and MariaDB run the lookups inside the store's transaction).
# Per run: claim, start, read the job, the settings, the result file's name; done, refresh;
# the phone-code table and the list, loaded once.
LOOKUP_QUERIES = 3
RECHECK_QUERIES = 1
STORE_QUERIES = 4
QUERIES_PER_RUN = 9


def test_queries_per_batch_do_not_grow_with_rows(
    tmp_path, target, campaign, django_assert_max_num_queries
):
    rows = [row(f"72755{n:05d}") for n in range(240)]
    job = make_job(
        tmp_path,
        rows,
        list_id=target.list_id,
        options=import_options(
            DuplicateCheck.LIST,
            dnc=DncMode.NUMBER,
            campaign_dnc=DncMode.NUMBER,
            campaign_id=campaign.campaign_id,
            hopper_priority=0,
        ),
    )
    job = jobs.import_job_start_import(job=job, background=False)
    RowCleaner(job), job_batch(job)  # warm the configuration caches, as a worker has them
    import_hooks_wanted()  # (and the webhook subscriptions)
    # PostgreSQL: SET LOCAL in a savepoint, the dedupe lock and SET LOCAL in the store;
    # reserve the ids, COPY the leads and the hopper rows. SQLite (its write lock is the
    # dedupe lock): reserve the ids, insert the leads, insert the hopper rows. MariaDB: the
    # dedupe lock; insert the leads (returning their ids), insert the hopper rows.
    extra, inserts = {"postgresql": (5, 3), "sqlite": (0, 3)}.get(connection.vendor, (1, 2))
    rechecks = RECHECK_QUERIES if connection.vendor == "postgresql" else 0
    per_batch = LOOKUP_QUERIES + rechecks + extra + STORE_QUERIES + inserts
    with django_assert_max_num_queries(2 * per_batch + QUERIES_PER_RUN):
        job = engine.import_run(job, batch_rows=120)
    assert job.counts["added"] == 240


@given(text=st.text(max_size=40), non_latin=st.booleans())
def test_field_cleaners_give_what_clean_value_gives(text, non_latin):
    for name in FIELD_RULES:
        cleaned = file_value_cleaner(name, non_latin=non_latin)(text)
        if name in PHONE_TEXT_FIELDS:
            assert cleaned == text  # read whole by phone_normalise, with the row's phone code
        elif name in DIGITS_ONLY_FIELDS:
            assert cleaned == "".join(ch for ch in text if ch in "0123456789")
        else:
            assert cleaned == clean_value(name, text, non_latin=non_latin)


@given(texts=st.lists(st.text(max_size=12), max_size=4), non_latin=st.booleans())
def test_a_column_that_the_check_passes_is_left_as_it_is(texts, non_latin):
    """The importer cleans a batch's column only when ``file_value_changes`` says some cell
    may change (one search over the joined cells); a column it passes must be one that the
    field's cleaner leaves alone cell by cell."""
    for name in [*FIELD_RULES, *STANDARD_LAYOUT, "custom label"]:
        if not file_value_changes(name, non_latin=non_latin)("".join(texts)):
            clean = file_value_cleaner(name, non_latin=non_latin)
            assert [clean(text) for text in texts] == texts, name


@pytest.mark.parametrize("empty_first_sheet", [False, True])
def test_xlsx_files_with_phones_as_numbers(tmp_path, target, empty_first_sheet):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "vendor.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    if empty_first_sheet:
        workbook.add_worksheet("Notes")
    sheet = workbook.add_worksheet("Leads")
    sheet.write_row(0, 0, ["Phone", "First Name", "Last Name"])
    for n in range(7):
        sheet.write_number(n + 1, 0, 7275550000 + n % 6)
        sheet.write_row(n + 1, 1, ["Ann", f"Lee{n}"])
    workbook.close()
    with path.open("rb") as stream:
        job = jobs.import_job_create(
            upload=File(stream), original_name="vendor.xlsx", created_by=None
        )
    job = jobs.import_job_configure(
        job=job,
        list_id=target.list_id,
        mapping={0: "phone_number", 1: "first_name", 2: "last_name"},
        options=import_options(DuplicateCheck.LIST),
        has_header=True,
    )
    job = run(job, batch_rows=3)
    assert job.file_format == "xlsx"
    assert job.counts["added"] == 6 and job.counts["duplicate_file"] == 1
    assert Lead.objects.get(phone_number="7275550005").last_name == "Lee5"
    assert [line[4] for line in result_lines(job)][-1] == "7275550000"
