"""Typed input and outcomes of the lead pipeline (``services.lead_add``).

The pipeline never formats text: doors turn these values into their own answers (the legacy
API's lines live in ``leads.api.formatting``; the admin and the importer show messages).
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from .phones import PhoneProblem
from .rules import FIELD_RULES, LEAD_TEXT_FIELDS, clean_value
from .timezones import GmtOffset

SETTING_NAMES = (
    "list_id",
    "date_of_birth",
    "rank",
    "entry_list_id",
    "multi_alt_phones",
    "dnc_check",
    "campaign_dnc_check",
    "campaign_id",
    "add_to_hopper",
    "remove_from_hopper",
    "hopper_priority",
    "hopper_local_call_time_check",
    "duplicate_check",
    "usacan_prefix_check",
    "usacan_areacode_check",
    "nanpa_ac_prefix_check",
    "custom_fields",
    "tz_method",
    "callback",
    "callback_status",
    "callback_datetime",
    "callback_type",
    "callback_user",
    "callback_comments",
    "lookup_state",
    "list_exists_check",
    "lead_id",
)
INPUT_NAMES = (*LEAD_TEXT_FIELDS, *SETTING_NAMES)


@dataclass
class LeadInput:
    """A lead and its add_lead settings, every value already cleaned by ``rules``.

    ``raw`` keeps the unfiltered parameters: custom field values are read from it by label.
    """

    values: dict[str, str]
    raw: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, non_latin: bool) -> "LeadInput":
        # Absent parameters are empty, which every filter keeps empty.
        values = {
            name: clean_value(name, params[name], non_latin=non_latin) if name in params else ""
            for name in INPUT_NAMES
        }
        # D16: the product sheet's misspelt "campaing" stands in for an absent campaign_id.
        if "campaign_id" not in params and "campaing" in params:
            values["campaign_id"] = clean_value("campaing", params["campaing"], non_latin=non_latin)
        return cls(values=values, raw=params)

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")

    def flag(self, name: str) -> bool:
        """A Y/N setting is on only when it is exactly "Y" after its filter (contract §1.4)."""
        return self.values.get(name, "") == "Y"


assert all(name in FIELD_RULES for name in SETTING_NAMES)


class DuplicateCheck(enum.Enum):
    """The 12 duplicate checks, in the fixed order they run (contract §3.11)."""

    LIST = "DUPLIST"
    CAMP = "DUPCAMP"
    SYS = "DUPSYS"
    PHONE_ALT_LIST = "DUPPHONEALTLIST"
    PHONE_ALT_CAMP = "DUPPHONEALTCAMP"
    PHONE_ALT_SYS = "DUPPHONEALTSYS"
    TITLE_ALT_LIST = "DUPTITLEALTPHONELIST"
    TITLE_ALT_CAMP = "DUPTITLEALTPHONECAMP"
    TITLE_ALT_SYS = "DUPTITLEALTPHONESYS"
    NAME_PHONE_LIST = "DUPNAMEPHONELIST"
    NAME_PHONE_CAMP = "DUPNAMEPHONECAMP"
    NAME_PHONE_SYS = "DUPNAMEPHONESYS"

    @property
    def scope(self) -> str:
        return next(scope for scope in ("LIST", "CAMP", "SYS") if self.value.endswith(scope))

    @property
    def kind(self) -> str:
        """PHONE, PHONE_ALT, TITLE_ALT or NAME_PHONE."""
        return {
            "DUP": "PHONE",
            "DUPPHONEALT": "PHONE_ALT",
            "DUPTITLEALTPHONE": "TITLE_ALT",
            "DUPNAMEPHONE": "NAME_PHONE",
        }[self.value.removesuffix("LIST").removesuffix("CAMP").removesuffix("SYS")]


DAY_WINDOWS = (1, 2, 3, 7, 14, 15, 21, 28, 30, 60, 90, 180, 360)


@dataclass(frozen=True)
class DuplicatePolicy:
    """Which duplicate checks run and over how many days of entry_date (None: all time)."""

    checks: tuple[DuplicateCheck, ...]
    days: int | None

    @classmethod
    @lru_cache(maxsize=256)
    def parse(cls, text: str) -> "DuplicatePolicy":
        """Options and day windows are found as case-insensitive substrings, as the original
        does: "11DAY" counts as 1DAY (U20), "5DAY" matches no window (U21); the largest window
        found applies to every check (U22). Remembered per text (callers send few)."""
        upper = text.upper()
        checks = tuple(check for check in DuplicateCheck if check.value in upper)
        windows = [days for days in DAY_WINDOWS if f"{days}DAY" in upper]
        return cls(checks=checks, days=max(windows) if windows else None)


@dataclass(frozen=True)
class DuplicateHit:
    check: DuplicateCheck
    lead_id: int
    list_id: int
    # For the PHONE_ALT checks: "PHONE" when the existing phone matched, else "ALT".
    matched: str = "PHONE"


class Rejection(enum.Enum):
    NOT_ALLOWED_LIST = "NOT AN ALLOWED LIST ID"
    NOT_DEFINED_LIST = "NOT A DEFINED LIST ID, LIST EXISTS CHECK ENABLED"
    INVALID_PHONE = "INVALID PHONE"
    DNC = "PHONE NUMBER IN DNC"
    CAMPAIGN_DNC = "PHONE NUMBER IN CAMPAIGN DNC"
    DUPLICATE = "DUPLICATE"


@dataclass(frozen=True)
class LeadRejected:
    reason: Rejection
    phone_problem: PhoneProblem | None = None
    duplicate: DuplicateHit | None = None


class CustomFieldsResult(enum.Enum):
    ADDED = "CUSTOM FIELDS VALUES ADDED"
    DISABLED = "CUSTOM FIELDS NOT ADDED, CUSTOM FIELDS DISABLED"
    NO_STORAGE = "CUSTOM FIELDS NOT ADDED, NO CUSTOM FIELDS DEFINED FOR THIS LIST"
    NO_FIELDS = "CUSTOM FIELDS NOT ADDED, NO FIELDS DEFINED"


@dataclass(frozen=True)
class CustomFieldsOutcome:
    result: CustomFieldsResult
    values: dict[str, str] = field(default_factory=dict)
    # 1 when storing the values moved entry_list_id to the list, else 0 (contract §3.14b.5).
    entry_list_changed: int = 0


@dataclass(frozen=True)
class AltPhonesOutcome:
    count: int


@dataclass(frozen=True)
class HopperOutcome:
    added: bool
    hopper_id: int | None = None


class CallbackResult(enum.Enum):
    ADDED = "SCHEDULED CALLBACK ADDED"
    CAMPAIGN_NOT_VALID = "SCHEDULED CALLBACK NOT ADDED, CAMPAIGN NOT VALID"
    USER_NOT_VALID = "SCHEDULED CALLBACK NOT ADDED, USER NOT VALID"
    INVALID_DATETIME = "SCHEDULED CALLBACK NOT ADDED, INVALID CALLBACK DATETIME"


@dataclass(frozen=True)
class CallbackOutcome:
    result: CallbackResult
    campaign_id: str
    callback_user: str = ""
    recipient: str = "ANYONE"
    # As echoed: the resolved time for NOW / <N>DAYS, else the caller's text.
    time_text: str = ""
    status: str = "CALLBK"


@dataclass
class LeadAddOutcome:
    """What happened to one lead, in the order the legacy API reports it."""

    # Shown values: the cleaned phone, the list id as the caller wrote it (after defaults).
    phone_number: str
    list_text: str
    nanpa_rows_when_disabled: int | None = None
    rejected: LeadRejected | None = None
    lead_id: int | None = None
    list_id: int | None = None
    gmt: GmtOffset | None = None
    state: str = ""
    alt_phones: AltPhonesOutcome | None = None
    custom_fields: CustomFieldsOutcome | None = None
    hopper: HopperOutcome | None = None
    callback: CallbackOutcome | None = None
    truncated_fields: list[str] = field(default_factory=list)

    @property
    def added(self) -> bool:
        return self.lead_id is not None
