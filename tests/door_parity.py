"""The three doors of the parity test (``test_door_parity``), each driven from the outside.

* ``through_api``: ``GET /API/lmapi.php?function=add_lead&...`` as an API user;
* ``through_import``: a one-row CSV file through ``manage.py import_leads`` (the upload page's
  import service, checks and store);
* ``through_manual``: the admin's add-lead form, POSTed as a superuser.

Each returns what the door answered, reduced to an ``Outcome``; ``stored`` then reads what the
door wrote. ``Example`` is one generated row with its options and the state it meets.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.core.cache import cache
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils.html import strip_tags

from campaigns.models import Campaign, CampaignDnc, HopperEntry
from campaigns.tests.factories import CallTimeFactory, CampaignFactory, StateCallTimeFactory
from leadhub.db import config_cache
from leads import wording
from leads.api import formatting
from leads.api.parser import lead_request_parse
from leads.management.commands.import_leads import DNC_CHOICES
from leads.models import AltPhone, CustomFieldDefinition, DuplicateReview, Lead, LeadList
from leads.outcomes import LeadRejected, Rejection
from leads.phones import PhoneProblem
from leads.pipeline.batch import Outcome as ImportOutcome
from leads.services.request import AddOptions, DncMode
from leads.tests.factories import (
    DEFAULT_PASSWORD,
    ApiUserFactory,
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
    NanpaPrefixFactory,
    PhoneCodeFactory,
    PostalCodeFactory,
    SystemSettingsFactory,
    UserFactory,
)

API_USER = "parityapi"
STAFF_USER = "paritysup"
# Target lists: in CAMPA with custom fields; in CAMPB (which borrows CAMPC's DNC list); none.
LIST_CUSTOM, LIST_BORROWS_DNC, LIST_NO_CAMPAIGN = 9101, 9201, 9401
# Other lists a pre-existing lead may be in: CAMPA's second list, CAMPC's list, and a second
# list without a campaign (the campaign checks of a list without one cover those, U25).
LIST_SAME_CAMPAIGN, LIST_OTHER_CAMPAIGN, LIST_NO_CAMPAIGN_2 = 9102, 9301, 9402
TARGET_LISTS = (LIST_CUSTOM, LIST_BORROWS_DNC, LIST_NO_CAMPAIGN)
ALL_LISTS = (*TARGET_LISTS, LIST_SAME_CAMPAIGN, LIST_OTHER_CAMPAIGN, LIST_NO_CAMPAIGN_2)
CAMPAIGN_OF = {9101: "CAMPA", 9102: "CAMPA", 9201: "CAMPB", 9301: "CAMPC", 9401: "", 9402: ""}
# The campaign whose DNC list a campaign DNC check reads.
DNC_LIST_OF = {"CAMPA": "CAMPA", "CAMPB": "CAMPC", "CAMPC": "CAMPC"}
CUSTOM_LABELS = ("cf_color", "cf_note")
OTHER_PHONE = "7275550999"
# Lead columns every door must store alike; the door and who used it may differ.
NOT_COMPARED = frozenset({"lead_id", "door", "user"})


class Outcome:
    ADDED = "added"
    INVALID_PHONE = "invalid phone"
    DNC = "DNC"
    CAMPAIGN_DNC = "campaign DNC"
    DUPLICATE = "duplicate"


@dataclass
class Example:
    """One row, the options it is sent with, and the state it meets.

    ``row`` holds the lead fields as a person or program sends them; ``options`` the add_lead
    settings in the API's words ("" is off); ``custom`` the custom values sent, by label
    (a label absent is not sent); ``campaign_id`` is the campaign DNC's campaign as sent.
    """

    row: dict[str, str]
    list_id: int
    options: dict[str, str]
    campaign_id: str
    custom: dict[str, str]
    existing: list[dict]
    dnc: list[str]
    campaign_dnc: list[tuple[str, str]]
    nanpa_loaded: bool
    custom_fields_enabled: bool
    use_non_latin: bool
    now: datetime
    skipped: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What a door answered: the outcome class and its detail (the phone problem's
    ``PhoneProblem`` value, or the id of the duplicate lead)."""

    outcome: str
    detail: str = ""


# --- state ------------------------------------------------------------------------------------


def parity_world() -> None:
    """The configuration every example shares: users, call times, campaigns, lists, custom
    fields and reference rows (area codes 727 FL, 212 NY, 415 CA; 305 only in phonenumbers)."""
    SystemSettingsFactory(use_non_latin=True, custom_fields_enabled=True)
    ApiUserFactory(username=API_USER, profile__user_level=9)
    UserFactory(username=STAFF_USER, is_staff=True, is_superuser=True)
    new_york = StateCallTimeFactory(
        state_call_time_id="parNY", state="NY", default_start=1000, default_stop=1100
    )
    call_time = CallTimeFactory(call_time_id="parity", state_rules=[new_york])
    campaign_c = CampaignFactory(campaign_id="CAMPC", local_call_time=call_time)
    CampaignFactory(campaign_id="CAMPA", local_call_time=call_time)
    CampaignFactory(
        campaign_id="CAMPB", local_call_time=call_time, use_other_campaign_dnc=campaign_c
    )
    for list_id in ALL_LISTS:
        campaign = Campaign.objects.filter(campaign_id=CAMPAIGN_OF[list_id]).first()
        LeadListFactory(
            list_id=list_id, campaign=campaign, keeps_custom_fields=list_id == LIST_CUSTOM
        )
    types = CustomFieldDefinition.FieldType
    for rank, (label, kind, default) in enumerate(
        (
            ("cf_color", types.TEXT, "blue"),
            ("cf_note", types.AREA, None),
            ("cf_show", types.DISPLAY, "shown"),
            ("comments", types.TEXT, "standard column"),
        ),
        start=1,
    ):
        CustomFieldDefinitionFactory(
            list=LeadList.objects.get(list_id=LIST_CUSTOM),
            field_label=label,
            field_type=kind,
            field_default=default,
            field_rank=rank,
        )
    PhoneCodeFactory(areacode="727", state="FL", tz_code="EST")
    PhoneCodeFactory(areacode="212", state="NY", tz_code="EST")
    PhoneCodeFactory(
        areacode="415",
        state="CA",
        gmt_offset="-8",
        tz_code="PST",
        iana_zone="America/Los_Angeles",
    )
    PostalCodeFactory(postal_code="33755")
    PostalCodeFactory(
        postal_code="94105", state="CA", gmt_offset="-8", iana_zone="America/Los_Angeles"
    )


def example_state(example: Example) -> set[int]:
    """Write the rows this example meets; return the ids of the leads already there."""
    SystemSettingsFactory(
        custom_fields_enabled=example.custom_fields_enabled, use_non_latin=example.use_non_latin
    )
    phone = example.row["phone_number"]
    patterns = {"phone": phone, "wildcard": f"{phone[:3]}XXXXXXX", "other": OTHER_PHONE}
    for name in example.dnc:
        DncNumberFactory(phone_number=patterns[name])
    for campaign_id, name in example.campaign_dnc:
        if campaign_id == "checked":
            campaign_id = DNC_LIST_OF.get(example.campaign_id, "CAMPA")
        CampaignDnc.objects.get_or_create(campaign_id=campaign_id, phone_number=patterns[name])
    if example.nanpa_loaded:
        for prefix in ("555", *(str(n) for n in range(200, 210))):
            NanpaPrefixFactory(areacode="727", prefix=prefix)
        NanpaPrefixFactory(areacode="415", prefix="555", gmt_offset="-8", state="CA")
    ids = set()
    for lead in example.existing:
        values = {**lead}
        alt = values.pop("alt_phone")
        ids.add(
            LeadFactory(
                list=LeadList.objects.get(list_id=values.pop("list_id")),
                entry_date=example.now - timedelta(days=values.pop("age_days")),
                phone_number=phone if values.pop("same_phone") else OTHER_PHONE,
                alt_phone=alt.replace("same", phone[:12]),
                address1="",
                **values,
            ).lead_id
        )
    return ids


def caches_dropped() -> None:
    """Configuration is cached per process and rolled-back rows send no signal."""
    cache.clear()
    config_cache.invalidate()


def stored(existing_ids: set[int]) -> dict:
    """What a door wrote: new leads (every column but the door's own), their hopper rows and
    alt phones, and how many duplicate reviews were queued."""
    leads = Lead.objects.exclude(lead_id__in=existing_ids).order_by("lead_id")
    new_ids = [lead.lead_id for lead in leads]
    return {
        "leads": [
            {
                f.attname: getattr(lead, f.attname)
                for f in Lead._meta.concrete_fields
                if f.attname not in NOT_COMPARED
            }
            for lead in leads
        ],
        "hopper": [
            model_to_dict(entry, exclude=["hopper_id", "lead"])
            for entry in HopperEntry.objects.filter(lead_id__in=new_ids)
        ],
        "alt_phones": [
            model_to_dict(alt, exclude=["id", "lead"])
            for alt in AltPhone.objects.filter(lead_id__in=new_ids)
        ],
        "reviews": DuplicateReview.objects.count(),
    }


# --- doors ------------------------------------------------------------------------------------


def typed_options(example: Example) -> AddOptions:
    """The example's options as the API's parser reads them: what the other doors must say in
    their own words."""
    params = {**example.options, "campaign_id": example.campaign_id}
    return lead_request_parse(params, non_latin=example.use_non_latin).options


_API_PHONE_PROBLEMS = {text: problem for problem, text in formatting.PHONE_PROBLEM_TEXT.items()}
_API_OUTCOMES = {
    formatting.REJECTION_TEXT[Rejection.DNC]: Outcome.DNC,
    formatting.REJECTION_TEXT[Rejection.CAMPAIGN_DNC]: Outcome.CAMPAIGN_DNC,
}


def through_api(client, example: Example, existing_ids: set[int]) -> Answer:
    params = {
        "function": "add_lead",
        "user": API_USER,
        "pass": DEFAULT_PASSWORD,
        "source": "parity",
        **example.row,
        "list_id": str(example.list_id),
        **example.options,
        "campaign_id": example.campaign_id,
        # The other doors always store the list's custom fields.
        "custom_fields": "Y",
        **example.custom,
    }
    response = client.get("/API/lmapi.php", params)
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    first = next(line for line in lines if not line.startswith("NOTICE:"))
    head, _, data = first.partition(" - ")
    if head.startswith("SUCCESS:"):
        return Answer(Outcome.ADDED)
    reason = head.removeprefix("ERROR: add_lead ")
    if reason in _API_PHONE_PROBLEMS:
        return Answer(Outcome.INVALID_PHONE, _API_PHONE_PROBLEMS[reason].value)
    if reason in _API_OUTCOMES:
        return Answer(_API_OUTCOMES[reason])
    assert reason.startswith("DUPLICATE"), first
    hits = {part for part in data.split("|") if part.isdigit() and int(part) in existing_ids}
    assert len(hits) == 1, first
    return Answer(Outcome.DUPLICATE, hits.pop())


# Columns of the CSV, in this order.
IMPORT_FIELDS = (
    "phone_number",
    "phone_code",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "alt_phone",
    "vendor_lead_code",
    "address1",
    "city",
    "state",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "email",
    "comments",
    "rank",
    "owner",
)
_IMPORT_DNC = {mode: word for word, mode in DNC_CHOICES.items()}


_IMPORT_OUTCOMES = {
    ImportOutcome.ADDED: Outcome.ADDED,
    ImportOutcome.INVALID: Outcome.INVALID_PHONE,
    ImportOutcome.DNC: Outcome.DNC,
    ImportOutcome.CAMPAIGN_DNC: Outcome.CAMPAIGN_DNC,
    ImportOutcome.DUPLICATE_DB: Outcome.DUPLICATE,
}
# The supervisor's words for each phone problem, back to the problem.
_WORDED_PHONE_PROBLEMS = {text: problem for problem, text in wording.PHONE_PROBLEM_TEXT.items()}


def through_import(example: Example, folder: Path) -> Answer:
    labels = [label for label in CUSTOM_LABELS if label in example.custom]
    columns = [*IMPORT_FIELDS, *labels]
    path = folder / "leads.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        # The first two columns are not mapped: a vendor's row id and name. (The reader
        # refuses a file with fewer than two non-empty columns.)
        csv.writer(stream).writerow(
            ["row-1", "vendor"]
            + [example.row.get(name, "") for name in IMPORT_FIELDS]
            + [example.custom[label] for label in labels]
        )
    options = typed_options(example)
    duplicates = options.duplicates
    args = [
        path,
        "--list",
        example.list_id,
        "--no-header",
        "--mapping",
        ",".join(f"{number}={name}" for number, name in enumerate(columns, start=3)),
        "--user",
        STAFF_USER,
        "--yes",
        "--dnc-check",
        _IMPORT_DNC[options.dnc],
        "--campaign-dnc-check",
        _IMPORT_DNC[options.campaign_dnc],
        # The command reads tz_method as the API does.
        "--tz-method",
        example.options["tz_method"],
    ]
    args += [f"--duplicate-check={wording.check_code(c)}" for c in duplicates.checks]
    if duplicates.days:
        args += ["--duplicate-days", duplicates.days]
    if options.campaign_dnc is not DncMode.OFF:
        args += ["--campaign-id", example.campaign_id]
    if options.hopper is not None:
        args += ["--add-to-hopper", f"--hopper-priority={options.hopper.priority}"]
        if options.hopper.local_call_time_check:
            args.append("--hopper-local-call-time-check")
    checks = options.phone_checks
    for flag, on in (
        ("--lookup-state", options.lookup_state),
        ("--usacan-prefix-check", checks.usacan_prefix),
        ("--usacan-areacode-check", checks.usacan_areacode),
        ("--nanpa-check", checks.nanpa_prefix),
    ):
        if on:
            args.append(flag)
    call_command("import_leads", *map(str, args), stdout=io.StringIO(), stderr=io.StringIO())
    with open(f"{path}.result.csv", encoding="utf-8-sig", newline="") as stream:
        (_, outcome, reason, *_), *more = list(csv.reader(stream))[1:]
    assert not more
    answer = _IMPORT_OUTCOMES[ImportOutcome(outcome)]
    if answer == Outcome.INVALID_PHONE:
        # The result file names the number after the problem ("...: 55512").
        return Answer(answer, _WORDED_PHONE_PROBLEMS[reason.rpartition(": ")[0]].value)
    if answer == Outcome.DUPLICATE:
        return Answer(answer, re.search(r"lead (\d+)", reason).group(1))
    return Answer(answer)


_MANUAL_OUTCOMES = {
    wording.rejection_text(LeadRejected(reason=Rejection.DNC)): Outcome.DNC,
    wording.rejection_text(LeadRejected(reason=Rejection.CAMPAIGN_DNC)): Outcome.CAMPAIGN_DNC,
}
_MANUAL_PHONE_PROBLEMS = {
    wording.rejection_text(
        LeadRejected(reason=Rejection.INVALID_PHONE, phone_problem=problem)
    ): problem
    for problem in PhoneProblem
}


# What the add form shows in fields a person leaves alone (the model's defaults).
MANUAL_INITIAL = {"phone_code": "1", "rank": "0"}


def through_manual(client, example: Example) -> Answer:
    options = typed_options(example)
    checks = options.phone_checks
    flags = {
        "usacan_prefix_check": checks.usacan_prefix,
        "usacan_areacode_check": checks.usacan_areacode,
        "lookup_state": options.lookup_state,
        "add_to_hopper": options.hopper is not None,
    }
    data = {
        # The form shows these defaults, and a browser sends them back.
        **MANUAL_INITIAL,
        **{name: value for name, value in example.row.items() if value},
        "list": example.list_id,
        # door_limits: the form offers one check.
        "duplicate_check": "".join(check.value for check in options.duplicates.checks),
        "dnc_check": options.dnc.value,
        "campaign_dnc_check": options.campaign_dnc.value,
        **{name: "on" for name, on in flags.items() if on},
        "_save": "Save",
    }
    response = client.post(reverse("admin:leads_lead_add"), data)
    if response.status_code == 302:
        return Answer(Outcome.ADDED)
    form = response.context["adminform"].form
    messages = [str(error) for errors in form.errors.values() for error in errors]
    assert len(messages) == 1, messages
    (message,) = messages
    if message in _MANUAL_PHONE_PROBLEMS:
        return Answer(Outcome.INVALID_PHONE, _MANUAL_PHONE_PROBLEMS[message].value)
    if message in _MANUAL_OUTCOMES:
        return Answer(_MANUAL_OUTCOMES[message])
    # The refusal links to the existing lead and may name the other choices after it.
    duplicate = re.match(r"Duplicate of lead (\d+) in list \d+ \(\w+\)", strip_tags(message))
    assert duplicate is not None, message
    return Answer(Outcome.DUPLICATE, duplicate.group(1))
