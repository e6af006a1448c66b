"""What supervisors read: the admin forms, the review queue and the import results and
progress word the pipeline's typed outcomes and options here, keyed by their enums. (The
legacy API's exact lines are another dialect: ``leads.api.formatting``.)"""

from typing import TYPE_CHECKING

from .outcomes import DuplicateCheck, DuplicateHit, DuplicateMatch, LeadRejected, Rejection
from .phones import PhoneProblem
from .services.request import AddOptions, DncMode

if TYPE_CHECKING:
    from .pipeline.batch import RowResult

# The short names supervisors know the duplicate checks by (the dialer's names).
DUPLICATE_CHECK_CODES: dict[DuplicateCheck, str] = {
    DuplicateCheck.LIST: "DUPLIST",
    DuplicateCheck.CAMP: "DUPCAMP",
    DuplicateCheck.SYS: "DUPSYS",
    DuplicateCheck.PHONE_ALT_LIST: "DUPPHONEALTLIST",
    DuplicateCheck.PHONE_ALT_CAMP: "DUPPHONEALTCAMP",
    DuplicateCheck.PHONE_ALT_SYS: "DUPPHONEALTSYS",
    DuplicateCheck.TITLE_ALT_LIST: "DUPTITLEALTPHONELIST",
    DuplicateCheck.TITLE_ALT_CAMP: "DUPTITLEALTPHONECAMP",
    DuplicateCheck.TITLE_ALT_SYS: "DUPTITLEALTPHONESYS",
    DuplicateCheck.NAME_PHONE_LIST: "DUPNAMEPHONELIST",
    DuplicateCheck.NAME_PHONE_CAMP: "DUPNAMEPHONECAMP",
    DuplicateCheck.NAME_PHONE_SYS: "DUPNAMEPHONESYS",
}
CHECK_BY_CODE = {code: check for check, code in DUPLICATE_CHECK_CODES.items()}
_COMPARED = {
    "PHONE": "Phone number",
    "PHONE_ALT": "Phone or alt phone",
    "TITLE_ALT": "Title and alt phone",
    "NAME_PHONE": "Name and phone",
}
_WHERE = {"LIST": "in this list", "CAMP": "in the lists of the campaign", "SYS": "in any list"}
DNC_MODE_LABELS = {
    DncMode.OFF: "No",
    DncMode.NUMBER: "Yes, exact numbers",
    DncMode.AREACODE: "Yes, and area-code wildcards (727XXXXXXX)",
}
# Time-zone sources a supervisor may choose (besides the phone code, always tried last).
TIME_ZONE_LABELS = {
    "": "Country and area code",
    "postal": "Postal code first",
    "tz_code": "Owner column as time-zone code first",
    "nanpa": "NANPA prefix first",
}
# The optional checks, as the option forms and the import page name them.
OPTION_LABELS = {
    "usacan_prefix": "USA/Canada: the exchange's first digit must be 2-9",
    "usacan_areacode": "USA/Canada: 10 digits and an existing area code",
    "nanpa_prefix": "NANPA: area code and exchange must be in the NANPA table",
    "lookup_state": "Fill an empty state from the area code",
    "add_to_hopper": "Put new leads in the dialer hopper",
    "hopper_local_call_time_check": "Only leads inside their call time now go to the hopper",
}
PHONE_PROBLEM_TEXT = {
    PhoneProblem.LENGTH: "Invalid phone number length (6 to 16 digits)",
    PhoneProblem.PREFIX: "Invalid phone number prefix (the 4th digit must be 2-9)",
    PhoneProblem.AREACODE: "Invalid phone number area code",
    PhoneProblem.NANPA_AREACODE_PREFIX: (
        "Invalid phone number: area code and exchange are not in the NANPA table"
    ),
}
REJECTION_TEXT = {
    Rejection.DNC: "Number is on the DNC list",
    Rejection.CAMPAIGN_DNC: "Number is on the DNC list of the campaign",
    Rejection.NOT_ALLOWED_LIST: "You may not add leads to this list",
    Rejection.NOT_DEFINED_LIST: "This list does not exist",
    Rejection.INVALID_PHONE: "Invalid phone number",
    Rejection.DUPLICATE: "Duplicate lead",
}


def phone_problem_text(problem: PhoneProblem, phone: str) -> str:
    """The problem with the number shown, e.g. "Invalid phone number length (6 to 16
    digits): 55512" or "...: the phone number is empty"."""
    shown = phone if phone else "the phone number is empty"
    return f"{PHONE_PROBLEM_TEXT[problem]}: {shown}"


def check_code(check: DuplicateCheck) -> str:
    """The check's short name, e.g. DUPLIST."""
    return DUPLICATE_CHECK_CODES[check]


def check_label(check: DuplicateCheck) -> str:
    """e.g. "Phone number in this list (DUPLIST)"."""
    return f"{_COMPARED[check.kind]} {_WHERE[check.scope]} ({check_code(check)})"


# Supervisors' choice lists: the typed enums' values, worded here (never the API's tokens).
DUPLICATE_CHECK_CHOICES = [("", "No duplicate check")] + [
    (check.value, check_label(check)) for check in DuplicateCheck
]
DNC_MODE_CHOICES = [(mode.value, label) for mode, label in DNC_MODE_LABELS.items()]


def stored_check_code(value: str) -> str:
    """The short name of a check stored as ``DuplicateCheck.value`` (the value itself when
    unknown)."""
    try:
        return check_code(DuplicateCheck(value))
    except ValueError:
        return value


def rejection_field(rejected: LeadRejected) -> str:
    """The lead form field a refusal is shown on."""
    if rejected.reason in (Rejection.NOT_ALLOWED_LIST, Rejection.NOT_DEFINED_LIST):
        return "list"
    if rejected.duplicate is not None and rejected.duplicate.check.kind == "TITLE_ALT":
        return "alt_phone"
    return "phone_number"


def rejection_text(rejected: LeadRejected) -> str:
    """One sentence, e.g. "Duplicate of lead 8765444 in list 101 (DUPLIST)"."""
    reason = rejected.reason
    if reason is Rejection.DUPLICATE and rejected.duplicate is not None:
        return duplicate_text(rejected.duplicate)
    if reason is Rejection.INVALID_PHONE and rejected.phone_problem is not None:
        return PHONE_PROBLEM_TEXT[rejected.phone_problem]
    return REJECTION_TEXT[reason]


def duplicate_text(hit: DuplicateHit) -> str:
    return f"Duplicate of lead {hit.lead_id} in list {hit.list_id} ({check_code(hit.check)})"


# --- import results ------------------------------------------------------------------------

INVALID_LIST_TEXT = "The row's list does not exist"


def import_file_duplicate_text(check: DuplicateCheck, earlier_row: int) -> str:
    """e.g. "Same as row 2 of the file (DUPLIST)"."""
    return f"Same as row {earlier_row} of the file ({check_code(check)})"


def import_file_duplicate_group(check: DuplicateCheck) -> str:
    """The dry run's heading for in-file duplicates of one check."""
    return f"{check_code(check)} (in the file)"


_MATCHED_WORDS = {DuplicateMatch.PHONE: ", by its phone", DuplicateMatch.ALT: ", by its alt phone"}


def import_duplicate_text(
    check: DuplicateCheck, lead_id: int, list_id: int, matched: DuplicateMatch | None
) -> str:
    """``matched``: for the phone-or-alt-phone checks, which number of the lead matched."""
    shown = _MATCHED_WORDS[matched] if matched else ""
    return f"Already lead {lead_id} in list {list_id}{shown} ({check_code(check)})"


def import_row_reason(row: "RowResult") -> tuple[str, str]:
    """(the reason of an import row's outcome, as its result line says it; the dry run's
    heading that groups it); empty for an added row."""
    outcome = row.outcome
    if outcome == "added":
        return "", ""
    if outcome == "invalid":
        problem = row.phone_problem
        if problem is None:
            return INVALID_LIST_TEXT, INVALID_LIST_TEXT
        # The number is shown (an empty one said so), grouped by the problem alone.
        return phone_problem_text(problem, row.phone), PHONE_PROBLEM_TEXT[problem]
    if outcome in ("dnc", "campaign_dnc"):
        text = REJECTION_TEXT[Rejection.DNC if outcome == "dnc" else Rejection.CAMPAIGN_DNC]
        return text, text
    if row.exact_repeat:
        group = (
            import_file_duplicate_group(row.check)
            if outcome == "duplicate_file"
            else check_code(row.duplicate.check)
        )
        return import_exact_repeat_text(row.existing_lead_id), group
    if outcome == "duplicate_file":
        return (
            import_file_duplicate_text(row.check, row.earlier_row),
            import_file_duplicate_group(row.check),
        )
    if outcome == "duplicate_db":
        hit = row.duplicate
        matched = hit.matched if hit.check.kind == "PHONE_ALT" else None
        text = import_duplicate_text(hit.check, hit.lead_id, hit.list_id, matched)
        return text, check_code(hit.check)
    raise ValueError(f"no reason for outcome {outcome!r}")


# Counts of an import's rows by outcome (``pipeline.batch.Outcome`` values): on the
# progress page, and shorter on the command line.
IMPORT_OUTCOME_LABELS = {
    "added": "New leads",
    "invalid": "Invalid",
    "duplicate_db": "Duplicate in the database",
    "duplicate_file": "Duplicate in the file",
    "dnc": "In the system DNC list",
    "campaign_dnc": "In the campaign DNC list",
}
IMPORT_OUTCOME_SHORT_LABELS = {
    "added": "added",
    "invalid": "invalid",
    "duplicate_db": "duplicate in the database",
    "duplicate_file": "duplicate in the file",
    "dnc": "in DNC",
    "campaign_dnc": "in campaign DNC",
}


def import_exact_repeat_text(lead_id: int) -> str:
    """A duplicate row equal to its lead in every loaded field (kept out of the review
    queue)."""
    return f"Exact repeat of lead {lead_id}: every loaded field is the same (not reviewed)"


def import_reason_label(code: str) -> str:
    """A dry run's reason group (a check's short name, or ``import_file_duplicate_group``)
    in words: "Phone number in this list (DUPLIST)"; other groups are words already."""
    check = CHECK_BY_CODE.get(code)
    if check is not None:
        return check_label(check)
    base, _, rest = code.partition(" ")
    check = CHECK_BY_CODE.get(base)
    if check is not None and rest == "(in the file)":
        return f"{_COMPARED[check.kind]} {_WHERE[check.scope]}, earlier in the file ({base})"
    return code


def import_outcome_label(outcome: str) -> str:
    """An import outcome (``pipeline.batch.Outcome`` value) in words: "Duplicate in the
    database" for duplicate_db."""
    return IMPORT_OUTCOME_LABELS.get(outcome, outcome.replace("_", " ").capitalize())


def import_outcomes_text(counts: dict[str, int] | None) -> str:
    """The non-zero counts of an import in words, e.g. "New leads 3, Duplicate in the
    database 1"; "-" when there are none."""
    shown = [f"{import_outcome_label(key)} {n}" for key, n in (counts or {}).items() if n]
    return ", ".join(shown) or "-"


def add_options_shown(options: AddOptions) -> list[tuple[str, str]]:
    """The options that check or add something, as (what, how) lines for a supervisor."""
    shown = []
    policy = options.duplicates
    if policy.checks:
        text = ", ".join(check_label(check) for check in policy.checks)
        if policy.days:
            text += f", within the last {policy.days} days"
        if policy.statuses:
            text += f", existing leads in {', '.join(sorted(policy.statuses))}"
        shown.append(("Duplicate check", text))
    if options.dnc is not DncMode.OFF:
        shown.append(("System DNC", DNC_MODE_LABELS[options.dnc]))
    if options.campaign_dnc is not DncMode.OFF:
        text = f"{DNC_MODE_LABELS[options.campaign_dnc]}, campaign {options.campaign_id}"
        shown.append(("Campaign DNC", text))
    checks = options.phone_checks
    for name, on in (
        ("usacan_prefix", checks.usacan_prefix),
        ("usacan_areacode", checks.usacan_areacode),
        ("nanpa_prefix", checks.nanpa_prefix),
        ("lookup_state", options.lookup_state),
    ):
        if on:
            shown.append(("Check", OPTION_LABELS[name]))
    tz = options.time_zone
    sources = [
        TIME_ZONE_LABELS[name] for name in ("postal", "tz_code", "nanpa") if getattr(tz, name)
    ]
    if sources:
        shown.append(("Time zone", ", ".join(sources)))
    if options.hopper is not None:
        hopper = options.hopper
        checked = ", inside their call time only" if hopper.local_call_time_check else ""
        shown.append(("Hopper", f"added, priority {hopper.priority}{checked}"))
    return shown
