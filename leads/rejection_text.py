"""Supervisor-facing words for refused leads: which form field a refusal belongs to and what
to tell the supervisor. The admin forms and the duplicate review queue use them; the legacy
API has its own exact lines in ``api.formatting``."""

from .outcomes import LeadRejected, Rejection

_PHONE_PROBLEM_TEXT = {
    "INVALID PHONE NUMBER LENGTH": "Invalid phone number length (6 to 16 digits)",
    "INVALID PHONE NUMBER PREFIX": "Invalid phone number prefix (the 4th digit must be 2-9)",
    "INVALID PHONE NUMBER AREACODE": "Invalid phone number area code",
    "INVALID PHONE NUMBER NANPA AREACODE PREFIX": (
        "Invalid phone number: area code and exchange are not in the NANPA table"
    ),
}


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
        hit = rejected.duplicate
        return f"Duplicate of lead {hit.lead_id} in list {hit.list_id} ({hit.check.value})"
    if reason is Rejection.INVALID_PHONE and rejected.phone_problem is not None:
        return _PHONE_PROBLEM_TEXT.get(rejected.phone_problem.value, "Invalid phone number")
    return {
        Rejection.DNC: "Number is on the DNC list",
        Rejection.CAMPAIGN_DNC: "Number is on the DNC list of the campaign",
        Rejection.NOT_ALLOWED_LIST: "You may not add leads to this list",
        Rejection.NOT_DEFINED_LIST: "This list does not exist",
        Rejection.INVALID_PHONE: "Invalid phone number",
        Rejection.DUPLICATE: "Duplicate lead",
    }[reason]
