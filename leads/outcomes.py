"""Typed outcomes of the lead pipeline (``services.lead_add``); its input is
``services.request.LeadRequest``.

The pipeline never formats text, and no enum value here is a text anyone reads: doors turn
these values into their own answers (the legacy API's lines in ``leads.api.formatting``, the
supervisor's words in ``leads.wording``).
"""

import enum
from dataclasses import dataclass, field

from .phones import PhoneProblem
from .timezones import GmtOffset


class DuplicateCheck(enum.Enum):
    """The 12 duplicate checks, in the fixed order they run (contract §3.11). A value is
    "<what is compared>:<where>"; stored in ``DuplicateReview.duplicate_check``."""

    LIST = "phone:list"
    CAMP = "phone:campaign"
    SYS = "phone:system"
    PHONE_ALT_LIST = "phone_alt:list"
    PHONE_ALT_CAMP = "phone_alt:campaign"
    PHONE_ALT_SYS = "phone_alt:system"
    TITLE_ALT_LIST = "title_alt:list"
    TITLE_ALT_CAMP = "title_alt:campaign"
    TITLE_ALT_SYS = "title_alt:system"
    NAME_PHONE_LIST = "name_phone:list"
    NAME_PHONE_CAMP = "name_phone:campaign"
    NAME_PHONE_SYS = "name_phone:system"

    @property
    def scope(self) -> str:
        """LIST, CAMP or SYS: the lists searched."""
        return _SCOPES[self.value.partition(":")[2]]

    @property
    def kind(self) -> str:
        """PHONE, PHONE_ALT, TITLE_ALT or NAME_PHONE: what is compared."""
        return self.value.partition(":")[0].upper()


_SCOPES = {"list": "LIST", "campaign": "CAMP", "system": "SYS"}
# The day windows a duplicate check may be limited to (contract §3.11).
DAY_WINDOWS = (1, 2, 3, 7, 14, 15, 21, 28, 30, 60, 90, 180, 360)


class DuplicateMatch(enum.Enum):
    """Which value of the existing lead a phone-or-alt-phone check matched."""

    PHONE = "phone"
    ALT = "alt_phone"


@dataclass(frozen=True)
class DuplicateHit:
    check: DuplicateCheck
    lead_id: int
    list_id: int
    # For the PHONE_ALT checks: which of the existing lead's numbers matched.
    matched: DuplicateMatch = DuplicateMatch.PHONE


class Rejection(enum.Enum):
    NOT_ALLOWED_LIST = "not_allowed_list"
    NOT_DEFINED_LIST = "not_defined_list"
    INVALID_PHONE = "invalid_phone"
    DNC = "dnc"
    CAMPAIGN_DNC = "campaign_dnc"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class LeadRejected:
    reason: Rejection
    phone_problem: PhoneProblem | None = None
    duplicate: DuplicateHit | None = None


class CustomFieldsResult(enum.Enum):
    ADDED = "added"
    DISABLED = "disabled"
    NO_STORAGE = "no_storage"
    NO_FIELDS = "no_fields"


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
    ADDED = "added"
    CAMPAIGN_NOT_VALID = "campaign_not_valid"
    USER_NOT_VALID = "user_not_valid"
    INVALID_DATETIME = "invalid_datetime"


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
