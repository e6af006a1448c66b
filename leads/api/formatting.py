"""The legacy wire format: pipeline outcomes to exact response lines, per wire profile (D4).

This is the only place that knows the texts. ``vicidial`` prints the original code's forms;
``documented`` prints the product document's forms of R08, R09, R28, R31, R33, R34, R38, R39,
R40, R42 and R43 (contract §4). Every line carries the data its API log row keeps.
"""

from dataclasses import dataclass

from ..outcomes import (
    CallbackOutcome,
    CallbackResult,
    CustomFieldsOutcome,
    CustomFieldsResult,
    DuplicateCheck,
    DuplicateMatch,
    LeadAddOutcome,
    Rejection,
)
from ..phones import PhoneProblem
from ..services.request import LeadRequest

DOCUMENTED = "documented"
VICIDIAL = "vicidial"


@dataclass(frozen=True)
class Line:
    """One printed line and the API log row that goes with it."""

    text: str
    result: str
    reason: str
    log_data: str
    logged: bool = True


def _join(*fields: object) -> str:
    return "|".join("" if field is None else str(field) for field in fields)


def _line(result: str, reason: str, data: str, log_data: str | None = None) -> Line:
    return Line(
        text=f"{result}: {reason} - {data}",
        result=result,
        reason=reason,
        log_data=data if log_data is None else log_data,
    )


# --- Login and gates -------------------------------------------------------------------------


def login_incorrect(user: str, code: str = "BAD") -> Line:
    # D6: the password field is always printed empty.
    return Line(
        f"ERROR: Login incorrect, please try again: |{user}||{code}|", "ERROR", "", "", False
    )


def login_locked(user: str) -> Line:
    text = f"ERROR: Too many login attempts, try again in 15 minutes: |{user}|LOCK|"
    return Line(text, "ERROR", "", "", False)


def ip_blocked(client_ip: str) -> Line:
    return Line(
        f"ERROR: Your IP Address is not allowed: {client_ip}: ||IPBLOCK|", "ERROR", "", "", False
    )


def rate_limited(user: str, wait_seconds: int) -> Line:
    """The per-user limit (LMAPI_USER_RATE) is spent: HTTP 429 with Retry-After."""
    reason = "TOO MANY REQUESTS"
    text = f"ERROR: {reason}, try again in {wait_seconds} seconds: |{user}|RATE|"
    return Line(text, "ERROR", reason, str(wait_seconds))


def user_group_missing(user: str, user_group: str) -> Line:
    text = f"ERROR: user_group DOES NOT EXIST: |{user}|{user_group}|"
    return Line(text, "ERROR", "user_group DOES NOT EXIST", "")


def no_function() -> Line:
    return Line("ERROR: NO FUNCTION SPECIFIED", "ERROR", "NO FUNCTION SPECIFIED", "")


def body_too_large() -> Line:
    # HTTP 413 before the login: no user is known, so nothing is logged.
    return Line("ERROR: REQUEST BODY TOO LARGE", "ERROR", "REQUEST BODY TOO LARGE", "", False)


def invalid_source(source: str) -> list[Line]:
    """Two lines; the one log row is written between them (R06+R07)."""
    return [
        Line(f"ERROR: Invalid Source - {source}", "ERROR", "Invalid Source", ""),
        Line(f"ERROR: Invalid Source: |{source}|", "ERROR", "Invalid Source", "", False),
    ]


def function_not_allowed(user: str, function: str, profile: str) -> Line:
    reason = "auth USER DOES NOT HAVE PERMISSION TO USE THIS FUNCTION"
    if profile == DOCUMENTED:
        text = f"ERROR: {reason} - {user}|{function}"
    else:
        text = f"ERROR: {reason}: |{user}|{function}|"
    return Line(text, "ERROR", reason, "")


def add_not_permitted(user: str, profile: str) -> Line:
    reason = "add_lead USER DOES NOT HAVE PERMISSION TO ADD LEADS TO THE SYSTEM"
    if profile == DOCUMENTED:
        text = f"ERROR: {reason} - {user}|0"
    else:
        text = f"ERROR: {reason}: |{user}|0|"
    return Line(text, "ERROR", reason, "0")


def version(now_text: str, epoch: int) -> Line:
    return Line(
        f"VERSION: 2.14-202|BUILD: 250720-1841|DATE: {now_text}|EPOCH: {epoch}",
        "SUCCESS",
        "version",
        "",
        False,
    )


# --- add_lead ----------------------------------------------------------------------------------

# The reason texts of the pipeline's outcomes, each after "add_lead ".
REJECTION_TEXT = {
    Rejection.NOT_ALLOWED_LIST: "NOT AN ALLOWED LIST ID",
    Rejection.NOT_DEFINED_LIST: "NOT A DEFINED LIST ID, LIST EXISTS CHECK ENABLED",
    Rejection.DNC: "PHONE NUMBER IN DNC",
    Rejection.CAMPAIGN_DNC: "PHONE NUMBER IN CAMPAIGN DNC",
}
PHONE_PROBLEM_TEXT = {
    PhoneProblem.LENGTH: "INVALID PHONE NUMBER LENGTH",
    PhoneProblem.PREFIX: "INVALID PHONE NUMBER PREFIX",
    PhoneProblem.AREACODE: "INVALID PHONE NUMBER AREACODE",
    PhoneProblem.NANPA_AREACODE_PREFIX: "INVALID PHONE NUMBER NANPA AREACODE PREFIX",
}
CUSTOM_FIELDS_TEXT = {
    CustomFieldsResult.ADDED: "CUSTOM FIELDS VALUES ADDED",
    CustomFieldsResult.DISABLED: "CUSTOM FIELDS NOT ADDED, CUSTOM FIELDS DISABLED",
    CustomFieldsResult.NO_STORAGE: (
        "CUSTOM FIELDS NOT ADDED, NO CUSTOM FIELDS DEFINED FOR THIS LIST"
    ),
    CustomFieldsResult.NO_FIELDS: "CUSTOM FIELDS NOT ADDED, NO FIELDS DEFINED",
}
CALLBACK_TEXT = {
    CallbackResult.ADDED: "SCHEDULED CALLBACK ADDED",
    CallbackResult.CAMPAIGN_NOT_VALID: "SCHEDULED CALLBACK NOT ADDED, CAMPAIGN NOT VALID",
    CallbackResult.USER_NOT_VALID: "SCHEDULED CALLBACK NOT ADDED, USER NOT VALID",
    CallbackResult.INVALID_DATETIME: "SCHEDULED CALLBACK NOT ADDED, INVALID CALLBACK DATETIME",
}


def lead_add_lines(
    outcome: LeadAddOutcome, request: LeadRequest, *, lead_id: str, user: str, profile: str
) -> list[Line]:
    """Every line add_lead prints for this outcome, in the contract's order (§4). Echoed
    request values are the filtered ones, as typed (e.g. "dr" for a lead stored as "DR");
    ``lead_id`` is the request's lead_id parameter, which only the NANPA notice logs."""
    lines: list[Line] = []
    phone = outcome.phone_number
    if outcome.nanpa_rows_when_disabled is not None:
        lines.append(
            _line(
                "NOTICE",
                "add_lead NANPA options disabled, NANPA prefix data not loaded",
                _join(outcome.nanpa_rows_when_disabled, user),
                log_data=f"|{lead_id}",
            )
        )
    if outcome.rejected is not None:
        lines.append(_rejection_line(outcome, request, user=user, profile=profile))
        return lines
    lead_id = outcome.lead_id
    gmt = outcome.gmt.text if outcome.gmt is not None else ""
    list_text = outcome.list_text
    if profile == DOCUMENTED:
        data = _join(phone, user, list_text, lead_id, gmt)
    else:
        data = _join(phone, list_text, lead_id, gmt, user)
    lines.append(
        _line(
            "SUCCESS", "add_lead LEAD HAS BEEN ADDED", data, _join(phone, list_text, lead_id, gmt)
        )
    )
    if outcome.alt_phones is not None:
        count = outcome.alt_phones.count
        # D5: one clean line, without the original's debug text glued in front.
        data = _join(count, user, lead_id) if profile == DOCUMENTED else _join(count, lead_id, user)
        lines.append(
            _line("NOTICE", "add_lead MULTI-ALT-PHONE NUMBERS LOADED", data, _join(count, lead_id))
        )
    if outcome.custom_fields is not None:
        lines.append(_custom_fields_line(outcome.custom_fields, outcome, profile))
    if outcome.hopper is not None:
        if outcome.hopper.added:
            hopper_id = outcome.hopper.hopper_id
            if profile == DOCUMENTED:
                data = _join(phone, user, lead_id, hopper_id)
            else:
                data = _join(phone, lead_id, hopper_id, user)
            lines.append(
                _line("NOTICE", "add_lead ADDED TO HOPPER", data, _join(phone, lead_id, hopper_id))
            )
        else:
            if profile == DOCUMENTED:
                data = _join(phone, user, lead_id, gmt, 0)
            else:
                data = _join(phone, lead_id, gmt, 0, user)
            lines.append(
                _line(
                    "NOTICE",
                    "add_lead NOT ADDED TO HOPPER, OUTSIDE OF LOCAL TIME",
                    data,
                    _join(phone, lead_id, gmt, 0, outcome.state),
                )
            )
    if outcome.callback is not None:
        lines.append(_callback_line(outcome.callback, lead_id, profile))
    return lines


_DUPLICATE_REASONS = {
    "PHONE": "DUPLICATE PHONE NUMBER",
    "PHONE_ALT": "DUPLICATE PHONE NUMBER",
    "TITLE_ALT": "DUPLICATE TITLE ALT_PHONE",
    "NAME_PHONE": "DUPLICATE NAME PHONE",
}
MATCH_TEXT = {DuplicateMatch.PHONE: "PHONE", DuplicateMatch.ALT: "ALT"}
_SCOPE_TEXT = {"LIST": "IN LIST", "CAMP": "IN CAMPAIGN LISTS", "SYS": "IN SYSTEM"}


def _rejection_line(
    outcome: LeadAddOutcome, request: LeadRequest, *, user: str, profile: str
) -> Line:
    rejected = outcome.rejected
    phone = outcome.phone_number
    list_text = outcome.list_text
    reason = rejected.reason
    if reason in (Rejection.NOT_ALLOWED_LIST, Rejection.NOT_DEFINED_LIST):
        return _line("ERROR", f"add_lead {REJECTION_TEXT[reason]}", _join(phone, list_text))
    if reason is Rejection.INVALID_PHONE:
        text = PHONE_PROBLEM_TEXT[rejected.phone_problem]
        return _line("ERROR", f"add_lead {text}", _join(phone, user), phone)
    if reason is Rejection.DNC:
        return _line("ERROR", f"add_lead {REJECTION_TEXT[reason]}", _join(phone, user), phone)
    if reason is Rejection.CAMPAIGN_DNC:
        campaign_id = request.options.campaign_id
        return _line(
            "ERROR",
            f"add_lead {REJECTION_TEXT[reason]}",
            _join(phone, campaign_id, user),
            _join(phone, campaign_id),
        )
    hit = rejected.duplicate
    check: DuplicateCheck = hit.check
    kind, scope = check.kind, check.scope
    text = f"add_lead {_DUPLICATE_REASONS[kind]} {_SCOPE_TEXT[scope]}"
    duplicate_list = hit.list_id if (scope != "LIST" or profile == DOCUMENTED) else None
    if kind == "PHONE":
        fields = [phone, list_text, hit.lead_id] + ([hit.list_id] if scope != "LIST" else [])
    elif kind == "PHONE_ALT":
        fields = [phone, list_text, hit.lead_id]
        fields += ([hit.list_id] if scope != "LIST" else []) + [MATCH_TEXT[hit.matched]]
    elif kind == "TITLE_ALT":
        fields = [request.fields.title, request.fields.alt_phone, list_text, hit.lead_id]
        fields += [hit.list_id] if scope != "LIST" else []
    else:
        names = request.fields
        fields = [names.first_name, names.last_name, phone, list_text, hit.lead_id]
        # R28: the product document adds the duplicate's list id to the LIST variant too.
        fields += [duplicate_list] if duplicate_list is not None else []
    return _line("ERROR", text, _join(*fields))


def _custom_fields_line(custom: CustomFieldsOutcome, outcome: LeadAddOutcome, profile: str) -> Line:
    phone, lead_id, list_text = outcome.phone_number, outcome.lead_id, outcome.list_text
    reason = f"add_lead {CUSTOM_FIELDS_TEXT[custom.result]}"
    if custom.result is CustomFieldsResult.ADDED:
        data = _join(phone, lead_id, list_text)
        if profile != DOCUMENTED:
            data = _join(data, custom.entry_list_changed)
        return _line("NOTICE", reason, data, _join(phone, lead_id, list_text))
    if custom.result is CustomFieldsResult.DISABLED:
        full = _join(phone, lead_id, "Y", 0)
        data = _join(phone, "Y", 0) if profile == DOCUMENTED else full
        return _line("NOTICE", reason, data, full)
    return _line("NOTICE", reason, _join(phone, lead_id, list_text))


def _callback_line(callback: CallbackOutcome, lead_id: int, profile: str) -> Line:
    reason = f"add_lead {CALLBACK_TEXT[callback.result]}"
    campaign = callback.campaign_id
    if callback.result is CallbackResult.ADDED:
        if profile == DOCUMENTED:
            data = _join(
                lead_id,
                callback.time_text,
                campaign,
                callback.callback_user,
                callback.recipient,
                callback.status,
            )
        else:
            data = _join(
                lead_id,
                campaign,
                callback.time_text,
                callback.recipient,
                callback.callback_user,
                callback.status,
            )
        return _line("NOTICE", reason, data)
    if callback.result is CallbackResult.CAMPAIGN_NOT_VALID:
        return _line("NOTICE", reason, _join(lead_id, campaign))
    if callback.result is CallbackResult.USER_NOT_VALID:
        if profile == DOCUMENTED:
            data = _join(lead_id, campaign, callback.callback_user, "")
        else:
            data = _join(lead_id, campaign, callback.callback_user, "USERONLY")
        return _line("NOTICE", reason, data)
    # D12: one line naming the datetime that could not be read.
    return _line("NOTICE", reason, _join(lead_id, callback.time_text))
