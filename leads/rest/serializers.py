"""The JSON door's request bodies: a lead with its options, as the pipeline's typed request.

Option names are the neutral names an import job stores its options under
(``services.request.options_to_json``), so a single add, a batch and an import job take the
same options. Text values pass the same character filters as the legacy door's parameters
(``rules.clean_value``) before they reach the pipeline.
"""

import enum
from functools import cache, lru_cache

from rest_framework import serializers

from ..outcomes import DAY_WINDOWS, DuplicateCheck
from ..rules import BIGINT_MAX, LEAD_TEXT_FIELDS, RANK_MAX, clean_value
from ..services.request import (
    AddOptions,
    AltPhoneEntry,
    CallbackRequest,
    DncMode,
    LeadFields,
    LeadRequest,
    options_from_json,
)

# The most leads one batch may carry.
BATCH_MAX = 1000

LEAD_FIELD_HELP = {
    "vendor_lead_code": "The caller's own id of the lead (20 characters are kept).",
    "source_id": "Where the lead came from (50 characters are kept).",
    "phone_code": "Country calling code; empty means 1.",
    "phone_number": "The number to call: digits (other characters are removed), 6 to 16 digits.",
    "title": "Title such as Mr (4 characters are kept).",
    "first_name": "First name.",
    "middle_initial": "Middle initial (1 character is kept).",
    "last_name": "Last name.",
    "address1": "Address line 1.",
    "address2": "Address line 2.",
    "address3": "Address line 3.",
    "city": "City.",
    "state": "State or region code (2 characters are kept).",
    "province": "Province.",
    "postal_code": "Postal code (10 characters are kept); may set the time zone.",
    "country_code": "Country code (3 characters are kept).",
    "gender": "M, F or U (empty: U; anything else is stored empty).",
    "alt_phone": "A second phone number (12 characters are kept).",
    "email": "E-mail address.",
    "security_phrase": "Security phrase.",
    "comments": "Comments (255 characters are kept).",
    "owner": "Owner; with time_zone tz_code, a time-zone code such as EST.",
}
assert set(LEAD_FIELD_HELP) == set(LEAD_TEXT_FIELDS)
TIME_ZONE_SOURCES = ("postal", "tz_code", "nanpa")


class EnumValueField(serializers.ChoiceField):
    """An enum by its value, read into the enum member and written from it."""

    def __init__(self, enum_class: type[enum.Enum], **kwargs) -> None:
        self.enum_class = enum_class
        super().__init__(choices=[(m.value, m.name) for m in enum_class], **kwargs)

    def to_internal_value(self, data):
        return self.enum_class(super().to_internal_value(data))

    def to_representation(self, value):
        return value.value if isinstance(value, enum.Enum) else value


class AddOptionsSerializer(serializers.Serializer):
    """How the lead is checked and what is added with it; every check is off by default."""

    list_exists_check = serializers.BooleanField(
        default=False, help_text="Refuse a list id that names no list."
    )
    usacan_prefix_check = serializers.BooleanField(
        default=False, help_text="USA/Canada: the 4th digit (first of the exchange) must be 2-9."
    )
    usacan_areacode_check = serializers.BooleanField(
        default=False, help_text="USA/Canada: 10 digits and an assigned area code."
    )
    nanpa_prefix_check = serializers.BooleanField(
        default=False,
        help_text="The NANPA table must hold the area code and exchange (off when not loaded).",
    )
    lookup_state = serializers.BooleanField(
        default=False, help_text="Fill an empty state from the area code."
    )
    dnc = EnumValueField(
        DncMode,
        default=DncMode.OFF,
        help_text="System DNC check: off, the exact number, or also its area-code wildcard.",
    )
    campaign_dnc = EnumValueField(
        DncMode,
        default=DncMode.OFF,
        help_text="Campaign DNC check (of campaign_id), as dnc.",
    )
    campaign_id = serializers.CharField(
        default="",
        allow_blank=True,
        max_length=20,
        help_text="The campaign of the campaign DNC check and of a callback.",
    )
    duplicate_checks = serializers.ListField(
        child=EnumValueField(DuplicateCheck),
        default=list,
        max_length=len(DuplicateCheck),
        help_text="Duplicate checks, '<compared>:<where>'; they run in a fixed order and the "
        "first that finds a lead refuses this one.",
    )
    duplicate_days = serializers.ChoiceField(
        choices=DAY_WINDOWS,
        default=None,
        allow_null=True,
        help_text="Only existing leads entered within this many days count (null: all).",
    )
    time_zone = serializers.ListField(
        child=serializers.ChoiceField(choices=TIME_ZONE_SOURCES),
        default=list,
        max_length=len(TIME_ZONE_SOURCES),
        help_text="Sources of the time zone tried before the country and area code: postal "
        "code, owner as time-zone code, NANPA prefix.",
    )
    add_to_hopper = serializers.BooleanField(
        default=False, help_text="Put the new lead in its campaign's hopper."
    )
    hopper_priority = serializers.IntegerField(
        default=0, min_value=-99, max_value=99, help_text="Hopper priority (-99..99)."
    )
    hopper_local_call_time_check = serializers.BooleanField(
        default=False,
        help_text="Add to the hopper only when the lead's local time is inside the list's "
        "call time.",
    )


class AltPhoneSerializer(serializers.Serializer):
    number = serializers.CharField(allow_blank=True, max_length=100, help_text="Phone number.")
    code = serializers.CharField(
        default="", allow_blank=True, max_length=10, help_text="Country calling code."
    )
    note = serializers.CharField(default="", allow_blank=True, max_length=100, help_text="Note.")


class CallbackSerializer(serializers.Serializer):
    """A callback to schedule; the lead is added even when the callback is refused."""

    when = serializers.CharField(
        max_length=40,
        allow_blank=True,
        help_text="YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, NOW, or <N>DAYS (N days from now).",
    )
    campaign_id = serializers.CharField(
        default=None,
        allow_null=True,
        allow_blank=True,
        max_length=20,
        help_text="The callback's campaign; null: options.campaign_id.",
    )
    user_only = serializers.BooleanField(
        default=False, help_text="Only `user` gets the callback (else anyone)."
    )
    user = serializers.CharField(
        default="", allow_blank=True, max_length=20, help_text="The agent of a user-only callback."
    )
    status = serializers.CharField(
        default="",
        allow_blank=True,
        max_length=100,
        help_text="Callback status (empty: CALLBK; 6 characters are kept).",
    )
    comments = serializers.CharField(
        default="", allow_blank=True, max_length=255, help_text="Callback comments."
    )


def _text_field(name: str) -> serializers.CharField:
    return serializers.CharField(
        required=name == "phone_number",
        default="" if name != "phone_number" else serializers.empty,
        allow_blank=True,
        max_length=1000,
        trim_whitespace=False,
        help_text=LEAD_FIELD_HELP[name],
    )


# The lead's text fields, declared from the rules' field list.
LeadTextSerializer = type(
    "LeadTextSerializer",
    (serializers.Serializer,),
    {name: _text_field(name) for name in LEAD_TEXT_FIELDS},
)


class LeadAddSerializer(LeadTextSerializer):
    """One lead to add. Values longer than their column are cut (`truncated_fields` of the
    outcome names them), as the legacy door does."""

    list_id = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=BIGINT_MAX,
        help_text="The list; absent or below 100 means the default list 999.",
    )
    date_of_birth = serializers.DateField(
        default=None, allow_null=True, help_text="Date of birth (YYYY-MM-DD)."
    )
    rank = serializers.IntegerField(
        default=0, min_value=0, max_value=RANK_MAX, help_text="Rank (0..32767)."
    )
    entry_list_id = serializers.IntegerField(
        default=0, min_value=0, max_value=BIGINT_MAX, help_text="Entry list id (0: none)."
    )
    alt_phones = AltPhoneSerializer(
        many=True, required=False, max_length=100, help_text="Further numbers, in order."
    )
    custom_fields = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10_000),
        default=None,
        allow_null=True,
        help_text="Custom field values by label (labels the list lacks are ignored, labels "
        "not sent take their default); null: custom fields are not stored.",
    )
    options = AddOptionsSerializer(required=False, help_text="Checks and additions.")
    callback = CallbackSerializer(
        default=None, allow_null=True, help_text="A callback to schedule for the new lead."
    )


class LeadBatchSerializer(serializers.Serializer):
    leads = LeadAddSerializer(
        many=True, min_length=1, max_length=BATCH_MAX, help_text="Up to 1,000 leads."
    )
    options = AddOptionsSerializer(
        required=False, help_text="Options of every lead that does not send its own."
    )
    atomic = serializers.BooleanField(
        default=False,
        help_text="One transaction for the whole batch: any refused lead rolls every lead "
        "back. Else each lead is added or refused by itself.",
    )


class LeadObjectField(serializers.DictField):
    """A JSON object, as DictField reads it: a parsed object's keys are strings and its
    values stay as they are, so DictField's per-value layers are skipped (1,000 leads per
    batch); anything else is DictField's (its errors)."""

    def to_internal_value(self, data):
        if type(data) is dict and (data or self.allow_empty):
            return dict(data)
        return super().to_internal_value(data)


class BatchEnvelopeSerializer(serializers.Serializer):
    """The batch as read: each lead is validated by itself, so that one invalid lead is
    that item's problem, not the batch's (``LeadBatchSerializer`` documents the body)."""

    leads = serializers.ListField(child=LeadObjectField(), min_length=1, max_length=BATCH_MAX)
    options = AddOptionsSerializer(required=False)
    atomic = serializers.BooleanField(default=False)


@cache
def default_option_data() -> dict:
    """The validated form of an empty options object (every check off)."""
    serializer = AddOptionsSerializer(data={})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


@lru_cache(maxsize=256)
def _add_options(option_items: tuple, non_latin: bool) -> tuple[AddOptions, str]:
    """The pipeline's options of validated ``AddOptionsSerializer`` data (as items), and the
    cleaned campaign id; made once for a batch's leads that share them."""
    option_data = dict(option_items)
    campaign_id = clean_value("campaign_id", option_data["campaign_id"], non_latin=non_latin)
    option_data["campaign_id"] = campaign_id
    option_data["dnc"] = option_data["dnc"].value
    option_data["campaign_dnc"] = option_data["campaign_dnc"].value
    option_data["duplicate_checks"] = [check.value for check in option_data["duplicate_checks"]]
    return options_from_json(option_data), campaign_id


def add_options_build(option_data: dict | None, *, non_latin: bool) -> tuple[AddOptions, str]:
    """The pipeline's options of validated ``AddOptionsSerializer`` data (None: the
    defaults), and the cleaned campaign id."""
    option_data = option_data or default_option_data()
    return _add_options(
        tuple((name, _hashable(value)) for name, value in option_data.items()), non_latin
    )


def lead_request_build(
    data: dict, *, non_latin: bool, batch_options: tuple[AddOptions, str] | None = None
) -> LeadRequest:
    """The pipeline's request of a validated ``LeadAddSerializer`` body (``batch_options``:
    the batch's ``add_options_build``, for a lead without options of its own)."""

    def clean(name: str, value: str) -> str:
        return clean_value(name, value, non_latin=non_latin)

    own = data.get("options")
    if own is None and batch_options is not None:
        add_options, campaign_id = batch_options
    else:
        add_options, campaign_id = add_options_build(own, non_latin=non_latin)
    callback = None
    if (wanted := data.get("callback")) is not None:
        callback_campaign = wanted["campaign_id"]
        callback = CallbackRequest(
            campaign_id=campaign_id
            if callback_campaign is None
            else clean("campaign_id", callback_campaign),
            when=clean("callback_datetime", wanted["when"]),
            user_only=wanted["user_only"],
            user=clean("callback_user", wanted["user"]),
            status=clean("callback_status", wanted["status"]),
            comments=clean("callback_comments", wanted["comments"]),
        )
    list_id = data.get("list_id")
    return LeadRequest(
        # Filters only remove characters: an empty value stays empty.
        fields=LeadFields._make(
            [clean(name, value) if (value := data.get(name)) else "" for name in LEAD_TEXT_FIELDS]
        ),
        list_id="" if list_id is None else str(list_id),
        options=add_options,
        date_of_birth=data.get("date_of_birth"),
        rank=data.get("rank", 0),
        entry_list_id=data.get("entry_list_id", 0),
        alt_phones=tuple(
            AltPhoneEntry(
                # Cleaned as the legacy door cleans its multi_alt_phones records.
                number=clean("multi_alt_phones", entry["number"]),
                code=clean("multi_alt_phones", entry["code"]),
                note=clean("multi_alt_phones", entry["note"]),
            )
            for entry in data.get("alt_phones") or ()
        ),
        custom_values=data.get("custom_fields"),
        callback=callback,
    )
