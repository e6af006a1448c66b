"""The legacy add_lead parameters read into the pipeline's typed request (contract §1.4, §3).

Every quirk of the legacy dialect lives here and nowhere below: "Y" flags after their filter,
substring matching of duplicate checks and day windows, NANPA and POSTAL found anywhere in
``tz_method``, ``list_exists_check`` on when it contains a Y, ``remove_from_hopper``, the
misspelt ``campaing`` (D16), the alt-phone record syntax.
"""

from collections.abc import Mapping
from functools import lru_cache

from ..outcomes import DAY_WINDOWS, DuplicateCheck
from ..rules import (
    LEAD_TEXT_FIELDS,
    clamp_hopper_priority,
    clamp_int,
    parse_date_of_birth,
    rank_parse,
)
from ..rules import clean_value as _clean
from ..services.request import (
    AddOptions,
    AltPhoneEntry,
    CallbackRequest,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    LeadFields,
    LeadRequest,
    PhoneChecks,
    TimeZoneMethod,
)
from ..wording import DUPLICATE_CHECK_CODES
from .params import is_password_name

# The duplicate_check tokens, in the order the checks run: the dialer's names of the checks,
# which supervisors know too, so they are declared once, with the supervisor wording.
DUPLICATE_CHECK_TOKENS: dict[DuplicateCheck, str] = DUPLICATE_CHECK_CODES
# The dnc_check and campaign_dnc_check tokens (any other value is off).
DNC_MODE_TOKENS = {"Y": DncMode.NUMBER, "AREACODE": DncMode.AREACODE}
# multi_alt_phones shorter than this is ignored.
MULTI_ALT_MIN_LENGTH = 6


def lead_request_parse(params: Mapping[str, str], *, non_latin: bool) -> LeadRequest:
    """The request of add_lead's parameters, each cleaned by its filter (``rules``); absent
    parameters are empty, which every filter keeps empty."""

    def text(name: str) -> str:
        value = params.get(name)
        return "" if value is None else _clean(name, value, non_latin=non_latin)

    def flag(name: str) -> bool:
        # A Y/N setting is on only when it is exactly "Y" after its filter (contract §1.4).
        return text(name) == "Y"

    # Callers send few distinct settings: their options are built once per distinct set.
    options = _options(tuple(map(params.get, _OPTION_PARAMETERS)), non_latin)
    campaign_id = options.campaign_id
    callback = None
    if flag("callback"):
        callback = CallbackRequest(
            campaign_id=campaign_id,
            when=text("callback_datetime"),
            user_only=text("callback_type") == "USERONLY",
            user=text("callback_user"),
            status=text("callback_status"),
            comments=text("callback_comments"),
        )
    return LeadRequest(
        fields=_lead_fields(params, non_latin),
        list_id=text("list_id"),
        options=options,
        date_of_birth=parse_date_of_birth(text("date_of_birth")),
        rank=rank_parse(text("rank")),
        entry_list_id=clamp_int(text("entry_list_id"), default=0),
        alt_phones=alt_phones_parse(text("multi_alt_phones")),
        # Custom values are read by label from the unfiltered parameters, never from the
        # password's (a custom field labelled "pass" must not store it, D6).
        custom_values=_custom_values(params) if text("custom_fields") == "Y" else None,
        callback=callback,
    )


_LEAD_TEXT_NAMES = frozenset(LEAD_TEXT_FIELDS)


def _lead_fields(params: Mapping[str, str], non_latin: bool) -> LeadFields:
    # A caller sends a few of the ~30 lead columns: only those are filtered.
    values = dict.fromkeys(LEAD_TEXT_FIELDS, "")
    for name, value in params.items():
        if name in _LEAD_TEXT_NAMES:
            values[name] = _clean(name, value, non_latin=non_latin)
    return LeadFields._make(values.values())


# The parameters the options are read from (None: absent), in _options' order.
_OPTION_PARAMETERS = (
    "campaign_id",
    "campaing",
    "add_to_hopper",
    "remove_from_hopper",
    "hopper_priority",
    "hopper_local_call_time_check",
    "list_exists_check",
    "usacan_prefix_check",
    "usacan_areacode_check",
    "nanpa_ac_prefix_check",
    "lookup_state",
    "dnc_check",
    "campaign_dnc_check",
    "duplicate_check",
    "tz_method",
)


@lru_cache(maxsize=512)
def _options(values: tuple[str | None, ...], non_latin: bool) -> AddOptions:
    params = {
        name: value
        for name, value in zip(_OPTION_PARAMETERS, values, strict=True)
        if value is not None
    }

    def text(name: str) -> str:
        value = params.get(name)
        return "" if value is None else _clean(name, value, non_latin=non_latin)

    def flag(name: str) -> bool:
        return text(name) == "Y"

    campaign_id = text("campaign_id")
    if "campaign_id" not in params and "campaing" in params:
        # D16: the product sheet's misspelt "campaing" stands in for an absent campaign_id.
        campaign_id = text("campaing")
    hopper = None
    if flag("add_to_hopper") and text("remove_from_hopper") != "Y":
        hopper = HopperRequest(
            priority=clamp_hopper_priority(text("hopper_priority")),
            local_call_time_check=flag("hopper_local_call_time_check"),
        )
    return AddOptions(
        list_exists_check="Y" in text("list_exists_check").upper(),
        phone_checks=PhoneChecks(
            usacan_prefix=flag("usacan_prefix_check"),
            usacan_areacode=flag("usacan_areacode_check"),
            nanpa_prefix=flag("nanpa_ac_prefix_check"),
        ),
        lookup_state=flag("lookup_state"),
        dnc=DNC_MODE_TOKENS.get(text("dnc_check"), DncMode.OFF),
        campaign_dnc=DNC_MODE_TOKENS.get(text("campaign_dnc_check"), DncMode.OFF),
        campaign_id=campaign_id,
        duplicates=duplicate_policy_parse(text("duplicate_check")),
        time_zone=time_zone_method_parse(text("tz_method")),
        hopper=hopper,
    )


@lru_cache(maxsize=256)
def duplicate_policy_parse(text: str) -> DuplicatePolicy:
    """Checks and day windows are found as case-insensitive substrings, as the original
    does: "11DAY" counts as 1DAY (U20), "5DAY" matches no window (U21); the largest window
    found applies to every check (U22). Remembered per text (callers send few)."""
    upper = text.upper()
    checks = tuple(check for check, token in DUPLICATE_CHECK_TOKENS.items() if token in upper)
    windows = [days for days in DAY_WINDOWS if f"{days}DAY" in upper]
    return DuplicatePolicy(checks=checks, days=max(windows) if windows else None)


@lru_cache(maxsize=64)
def time_zone_method_parse(text: str) -> TimeZoneMethod:
    """POSTAL and NANPA anywhere in any case, TZCODE only as the whole text. Without NANPA
    data the original removes "NANPA" (upper case only) from the text and reads it again: a
    lower-case "nanpa" stays on, and "TZCODENANPA" becomes TZCODE (§3.7)."""
    method = _time_zone_sources(text)
    if method.nanpa:
        without = _time_zone_sources(text.replace("NANPA", ""))
        return TimeZoneMethod(
            postal=method.postal,
            tz_code=method.tz_code,
            nanpa=True,
            without_nanpa_data=without,
        )
    return method


def _time_zone_sources(text: str) -> TimeZoneMethod:
    upper = text.upper()
    return TimeZoneMethod(
        postal="POSTAL" in upper, tz_code=text == "TZCODE", nanpa="NANPA" in upper
    )


def alt_phones_parse(text: str) -> tuple[AltPhoneEntry, ...]:
    """Records are separated by '!', their number, code and note by '_'; further parts are
    dropped (M09); an empty record still takes a position (M05)."""
    if len(text) < MULTI_ALT_MIN_LENGTH:
        return ()
    entries = []
    for record in text.split("!"):
        number, code, note = ([*record.split("_"), "", ""])[:3]
        entries.append(AltPhoneEntry(number=number, code=code, note=note))
    return tuple(entries)


def _custom_values(params: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in params.items() if not is_password_name(name)}
