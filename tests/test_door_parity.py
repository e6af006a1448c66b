"""Issue 9 (4): one row sent through every door gives the same outcome and the same stored lead.

Hypothesis makes a row (valid and invalid phones: lengths, exchanges, area codes, commas), its
add_lead options in the API's words (``api.parser``'s tokens: one or two of the 12 duplicate
checks (the form offers one), with and without day windows; system and campaign DNC,
exact and AREACODE; prefix, area code and NANPA checks; lookup_state; time-zone methods; hopper
with a priority and the local call time check; custom values; values the filters clean) and
the state it meets (leads that do or do not collide, in the same list, the same campaign or
elsewhere, of several ages; DNC rows, exact and wildcard, of the list's campaign, of the
campaign whose DNC list it borrows or of another; NANPA data or none; custom fields on or
off; Latin-only filters or not).
The clock is frozen at one of a few instants.

The row goes through the legacy API, the importer (``manage.py import_leads`` with a one-row
CSV) and the admin's manual entry, each from the same state (a savepoint rolled back after
each door). Every door that can express the example must answer the API's outcome class (with
the same phone problem, or the same duplicate lead) and store the same lead: every column but
lead_id, door and user (the frozen clock makes the dates equal too), the same custom values,
hopper row and alt phones, and no duplicate review.

A door that cannot express an example is left out of that example, never compared more
loosely; ``door_limits`` says why for each case, and hypothesis' statistics count them. Each
example is made for the API and one other door, within what that door can express. Options
only the API has are not generated, since no second door could be compared:
multi_alt_phones, callbacks, entry_list_id, remove_from_hopper and list_exists_check.
(``import_leads`` reads duplicate checks and tz_method in the API's words.)
The API is the reference: it passes the contract's cases.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st

from leads.api.parser import DNC_MODE_TOKENS, DUPLICATE_CHECK_TOKENS
from leads.phones import phone_normalise
from leads.rules import RANK_MAX, clean_value, lead_column_width
from leads.services.request import DncMode
from leads.timezones import PHONE_CODE_ONLY

from .door_parity import (
    ALL_LISTS,
    CAMPAIGN_OF,
    CUSTOM_LABELS,
    LIST_CUSTOM,
    STAFF_USER,
    TARGET_LISTS,
    Answer,
    Example,
    caches_dropped,
    example_state,
    parity_world,
    stored,
    through_api,
    through_import,
    through_manual,
    typed_options,
)

pytestmark = pytest.mark.django_db

INSTANTS = (
    datetime(2026, 1, 14, 15, 0, tzinfo=UTC),  # Wednesday: 10:00 in Florida, 07:00 in California
    datetime(2026, 7, 15, 3, 30, tzinfo=UTC),  # late evening everywhere in the US
    datetime(2026, 7, 18, 20, 30, tzinfo=UTC),  # Saturday afternoon
)
WINDOWS = ("", "1DAY", "7DAY", "30DAY", "360DAY", "45DAY")


def phone_numbers(*, commas: bool, empty: bool) -> st.SearchStrategy[str]:
    """10-digit numbers in known, phonenumbers-only and unassigned area codes, with a good or
    a bad exchange, and the lengths and spellings around the limits."""
    ten = st.builds(
        lambda area, exchange: area + exchange + "0142",
        st.sampled_from(["727", "727", "212", "415", "305", "999"]),
        st.sampled_from(["555", "555", "555", "155"]),
    )
    shapes = {
        "11": lambda p: p + "9",
        "6": lambda p: p[:6],
        "5": lambda p: p[:5],
        "16": lambda p: p + "123456",
        "17": lambda p: p + "1234567",
    }
    if commas:
        shapes["comma"] = lambda p: f"{p[:3]},{p[3:]}"
    if empty:
        shapes["empty"] = lambda p: ""
    # Valid numbers mostly: every door refuses the others alike, early.
    weighted = ["10"] * 4 * len(shapes) + list(shapes)
    shapes["10"] = lambda p: p
    return st.builds(lambda p, shape: shapes[shape](p), ten, st.sampled_from(weighted))


def rows(door: str) -> st.SearchStrategy[dict[str, str]]:
    """A lead's fields as ``door`` can send them; ``same`` in alt_phone stands for the row's
    own phone number."""
    manual = door == "manual"
    pick = st.sampled_from
    return st.fixed_dictionaries(
        {
            "phone_number": phone_numbers(commas=manual, empty=not manual),
            "phone_code": pick(["", "", "1", "44", "+44"]),
            "title": pick(["", "Mr", "MR", "Dr", "D+r."]),
            "first_name": pick(["", "Ann", "ANN", "José", "Jo+Ann"]),
            "middle_initial": pick(["", "Q"]),
            "last_name": pick(["", "Lee", "lee"]),
            "alt_phone": pick(["", "same", "8135550000", *(["813-555-0000"] if manual else [])]),
            "vendor_lead_code": pick(["", "V1", "V 1+2#"]),
            "address1": pick(["", "1 Main St."]),
            "city": pick(["", "Clearwater"]),
            "state": pick(["", "", "FL", "CA", "NY"]),
            "postal_code": pick(["", "33755", "94105", "3375"]),
            "country_code": pick(["", "USA"]),
            # The form offers M, F and U, and takes dates as the admin's date widget writes them.
            "gender": pick(["", "M", "F", "U", *([] if manual else ["m", "Male", "X"])]),
            "date_of_birth": pick(
                ["", "1980-01-02", *([] if manual else ["1980/01/02", "80-1-2", "2024-02-30"])]
            ),
            "email": pick(["", "a+b@example.com"]),
            "comments": pick(
                ["", "call; later #2", "O'Neil + co", *([] if manual else ["x" * 300])]
            ),
            "rank": pick(["", "3", "-5", *([] if manual else ["40000"])]),
            "owner": pick(["", "PST", "EST", "X"]),
        }
    )


def existing_leads() -> st.SearchStrategy[list[dict]]:
    """Leads already stored, most with the row's phone; names and alt phones in other letter
    cases and with trailing spaces, which duplicate checks ignore."""
    pick = st.sampled_from
    lead = st.fixed_dictionaries(
        {
            # Mostly the row's own list, so that LIST checks have something to find.
            "list_id": pick(["target", "target", *ALL_LISTS]),
            "same_phone": pick([True, True, False]),
            "alt_phone": pick(["", "same", "same ", "8135550000"]),
            "title": pick(["", "Mr", "mr ", "Dr"]),
            "first_name": pick(["", "Ann", "ann ", "Jose", "Jo Ann"]),
            "last_name": pick(["", "Lee", "LEE "]),
            "age_days": pick([0.5, 2.5, 20, 100, 400]),
            "status": pick(["NEW", "SALE"]),
        }
    )
    return st.lists(lead, max_size=3)


def duplicate_checks(door: str) -> st.SearchStrategy[str]:
    """Checks of the 12 in the API's words, with a window in any case for the importer (it
    offers several checks and a window); the manual form offers one check and no window."""
    names = list(DUPLICATE_CHECK_TOKENS.values())
    if door == "manual":
        return st.sampled_from(["", *names])
    chosen = st.lists(st.sampled_from(names), min_size=1, max_size=2)
    return st.builds(
        lambda checks, window, spell: spell("-".join(filter(None, [*checks, window]))),
        chosen,
        st.sampled_from(WINDOWS),
        st.sampled_from([str, str, str.lower]),
    )


@st.composite
def examples(draw) -> Example:
    # Each example is made for the API and one other door, within what that door can say;
    # door_limits then tells whether the third door can say it too.
    door = draw(st.sampled_from(["manual", "import"]))
    manual = door == "manual"
    row = draw(rows(door))
    row["alt_phone"] = row["alt_phone"].replace("same", row["phone_number"])
    list_id = draw(st.sampled_from(TARGET_LISTS))
    existing = [
        {**lead, "list_id": list_id if lead["list_id"] == "target" else lead["list_id"]}
        for lead in draw(existing_leads())
    ]
    flag = st.sampled_from(["", "Y"])
    rare_flag = st.sampled_from(["", "", "", "Y"])
    dnc_mode = st.sampled_from(["", "", *DNC_MODE_TOKENS])
    options = {
        "duplicate_check": draw(duplicate_checks(door)),
        "dnc_check": draw(dnc_mode),
        "campaign_dnc_check": draw(dnc_mode),
        "usacan_prefix_check": draw(rare_flag),
        "usacan_areacode_check": draw(rare_flag),
        "lookup_state": draw(flag),
        "add_to_hopper": draw(flag),
        "nanpa_ac_prefix_check": "" if manual else draw(rare_flag),
        "tz_method": ""
        if manual
        else draw(
            st.sampled_from(
                ["", "POSTAL", "TZCODE", "NANPA", "tzcode", "POSTAL-NANPA", "TZCODENANPA"]
            )
        ),
        "hopper_priority": "" if manual else draw(st.sampled_from(["", "5", "-120"])),
        # The form has no such option: see door_limits.
        "hopper_local_call_time_check": "" if manual else draw(rare_flag),
    }
    if manual:
        campaign_id = CAMPAIGN_OF[list_id]
    elif options["campaign_dnc_check"]:
        campaign_id = draw(st.sampled_from(["CAMPA", "CAMPB", "CAMPC"]))
    else:
        campaign_id = draw(st.sampled_from(["CAMPA", "", "NOPE"]))
    custom = {}
    if not manual and list_id == LIST_CUSTOM:
        custom = draw(
            st.dictionaries(
                st.sampled_from(CUSTOM_LABELS),
                st.sampled_from(["red", "", "--BLANK--", 'a+b;c"d\\']),
            )
        )
    patterns = st.sampled_from(["phone", "wildcard", "other"])
    example = Example(
        row=row,
        list_id=list_id,
        options=options,
        campaign_id=campaign_id,
        custom=custom,
        existing=existing,
        dnc=draw(st.lists(patterns, max_size=2, unique=True)),
        campaign_dnc=draw(
            st.lists(
                # "checked": the list the check reads; CAMPB's own rows never count, as
                # CAMPB uses CAMPC's DNC list.
                st.tuples(st.sampled_from(["checked", "CAMPA", "CAMPC", "CAMPB"]), patterns),
                max_size=2,
                unique=True,
            )
        ),
        nanpa_loaded=draw(st.booleans()),
        custom_fields_enabled=draw(st.sampled_from([True, True, False])),
        use_non_latin=draw(st.sampled_from([True, True, False])),
        now=draw(st.sampled_from(INSTANTS)),
    )
    example.skipped = door_limits(example)
    return example


def phones_typed_differ(row: dict) -> bool:
    """Whether the supervisors' doors store this row's phone numbers otherwise than the API
    (``phones.phone_normalise`` against the contract's filter)."""
    code = row["phone_code"] or "1"
    phone = phone_normalise(row["phone_number"], phone_code=code)
    api_phone = clean_value("phone_number", row["phone_number"], non_latin=False)
    alt = row["alt_phone"]
    api_alt = clean_value("alt_phone", alt, non_latin=False)
    return (
        phone.number != api_phone
        or phone.phone_code != code
        or bool(alt)
        and phone_normalise(alt, phone_code=phone.phone_code).number != api_alt
    )


def door_limits(example: Example) -> dict[str, list[str]]:
    """The doors that cannot express this example, and why."""
    row, typed = example.row, typed_options(example)
    skipped = {}
    importer = []
    if example.options["tz_method"] and typed.time_zone == PHONE_CODE_ONLY:
        importer.append("refuses a tz_method that names no source; the API reads it as none")
    if "," in row["phone_number"]:
        importer.append("reduces phone numbers to digits (contract §5); the API keeps commas")
    typed_phones = "reads phone numbers as people type them; the API keeps its filter (P28)"
    if phones_typed_differ(row):
        importer.append(typed_phones)
    if typed.campaign_dnc is not DncMode.OFF and example.campaign_id not in (
        "CAMPA",
        "CAMPB",
        "CAMPC",
    ):
        importer.append("refuses a campaign DNC check without a known campaign; the API passes")
    if example.custom and example.list_id != LIST_CUSTOM:
        importer.append("cannot map a column to a label its list does not define")
    if importer:
        skipped["import"] = importer
    manual = []
    if len(typed.duplicates.checks) > 1 or typed.duplicates.days:
        manual.append("offers one duplicate check and no window")
    if typed.time_zone != PHONE_CODE_ONLY or typed.phone_checks.nanpa_prefix:
        manual.append("has no time-zone method nor NANPA check")
    if typed.hopper is not None and (typed.hopper.priority or typed.hopper.local_call_time_check):
        manual.append("has no hopper priority nor local call time check")
    if (
        typed.campaign_dnc is not DncMode.OFF
        and example.campaign_id != CAMPAIGN_OF[example.list_id]
    ):
        manual.append("checks the campaign DNC of the list's own campaign")
    if example.custom:
        manual.append("has no custom field inputs (the list's defaults are stored)")
    if not row["phone_number"]:
        manual.append("requires a phone number before the pipeline")
    if phones_typed_differ(row):
        manual.append(typed_phones)
    if int(row["rank"] or 0) > RANK_MAX or any(
        len(value) > (lead_column_width(name) or len(value)) for name, value in row.items()
    ):
        manual.append("refuses values wider than their column and out-of-range ranks")
    if row["gender"] not in ("", "M", "F", "U") or row["date_of_birth"] not in ("", "1980-01-02"):
        manual.append("offers M, F and U, and refuses dates its date field cannot read")
    if manual:
        skipped["manual"] = manual
    return skipped


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    parity_world()


@settings(
    # About 25 s on SQLite. No explain phase: it replays a failure hundreds of times (minutes).
    max_examples=100,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=examples())
def test_every_door_answers_and_stores_as_the_api_does(client, world, tmp_path, example):
    """Each door that can express the example gives the API's outcome and stored lead."""
    doors = [door for door in ("import", "manual") if door not in example.skipped]
    for door, reasons in example.skipped.items():
        for why in reasons:
            event(f"{door} left out: it {why}")
    assume(doors)
    client.force_login(get_user_model().objects.get(username=STAFF_USER))
    results = {}
    with time_machine.travel(example.now, tick=False), transaction.atomic():
        existing_ids = example_state(example)
        for door in ("api", *doors):
            with transaction.atomic():
                caches_dropped()
                if door == "api":
                    answer = through_api(client, example, existing_ids)
                elif door == "import":
                    answer = through_import(example, tmp_path)
                else:
                    answer = through_manual(client, example)
                results[door] = (answer, stored(existing_ids))
                transaction.set_rollback(True)
        transaction.set_rollback(True)
    caches_dropped()
    answer, written = results["api"]
    event(f"outcome: {answer.outcome}")
    if written["hopper"]:
        event("stored: hopper row")
    if written["leads"] and written["leads"][0]["custom_values"] is not None:
        event("stored: custom values")
    for door in doors:
        assert not differences(results["api"], results[door]), (door, example)


def differences(reference: tuple[Answer, dict], other: tuple[Answer, dict]) -> list[str]:
    """What a door did differently from the reference door, one line per difference."""
    (answer, written), (other_answer, other_written) = reference, other
    found = [] if answer == other_answer else [f"answer: {answer} != {other_answer}"]
    for part, rows in written.items():
        other_rows = other_written[part]
        if not isinstance(rows, list) or len(rows) != len(other_rows):
            if rows != other_rows:
                found.append(f"{part}: {rows} != {other_rows}")
            continue
        for row, other_row in zip(rows, other_rows, strict=True):
            found += [
                f"{part}.{name}: {row[name]!r} != {other_row[name]!r}"
                for name in row
                if row[name] != other_row[name]
            ]
    return found
