"""What the JSON door answers: stored leads, the pipeline's outcome, lists, campaigns."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

from campaigns.models import Campaign

from ..models import AltPhone, Lead, LeadList
from ..outcomes import CallbackResult, CustomFieldsResult, DuplicateCheck, DuplicateMatch
from ..phones import PhoneProblem
from .serializers import EnumValueField


class AltPhoneOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = AltPhone
        fields = ["alt_phone_count", "phone_code", "phone_number", "alt_phone_note", "active"]


class LeadSerializer(serializers.ModelSerializer):
    """A stored lead, every column as stored."""

    lead_id = serializers.IntegerField(
        allow_null=True, help_text="The lead's id (null when not kept: a dry run)."
    )
    list_id = serializers.IntegerField(help_text="The lead's list.")
    custom_fields = serializers.JSONField(
        source="custom_values",
        allow_null=True,
        help_text="Custom field values by label; null when none were stored.",
    )

    class Meta:
        model = Lead
        exclude = ["list", "custom_values"]


class LeadDetailSerializer(LeadSerializer):
    alt_phones = AltPhoneOutSerializer(many=True, help_text="The lead's further numbers.")


class AltPhonesOutcomeSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Alt phones stored.")


class CustomFieldsOutcomeSerializer(serializers.Serializer):
    result = EnumValueField(
        CustomFieldsResult,
        help_text="added; disabled (custom fields are off system-wide); no_storage; "
        "no_fields (the list has none).",
    )
    values = serializers.DictField(
        child=serializers.CharField(), help_text="The values stored, by label."
    )
    entry_list_changed = serializers.IntegerField(
        help_text="1 when storing them set entry_list_id to the list."
    )


class HopperOutcomeSerializer(serializers.Serializer):
    added = serializers.BooleanField(help_text="Whether the lead went into the hopper.")
    hopper_id = serializers.IntegerField(allow_null=True, help_text="The hopper row.")


class CallbackOutcomeSerializer(serializers.Serializer):
    result = EnumValueField(CallbackResult, help_text="Scheduled, or why not.")
    campaign_id = serializers.CharField(help_text="The callback's campaign.")
    callback_user = serializers.CharField(help_text="Its agent for a user-only callback.")
    recipient = serializers.CharField(help_text="ANYONE or USERONLY.")
    time_text = serializers.CharField(help_text="The callback time.")
    status = serializers.CharField(help_text="The callback's status.")


@extend_schema_field({"type": "number", "nullable": True})
class GmtField(serializers.Field):
    def to_representation(self, value):
        return None if value is None or value.hours is None else float(value.hours)


class OutcomeSerializer(serializers.Serializer):
    """What the pipeline did with the lead."""

    added = serializers.BooleanField(
        help_text="Whether the lead was (or, in a dry run, would be) added."
    )
    lead_id = serializers.IntegerField(
        allow_null=True, help_text="The new lead's id (null when refused or in a dry run)."
    )
    list_id = serializers.IntegerField(allow_null=True, help_text="The list it went to.")
    phone_number = serializers.CharField(help_text="The phone number as checked.")
    gmt_offset = GmtField(
        source="gmt", allow_null=True, help_text="Its UTC offset now, in hours (null: unknown)."
    )
    state = serializers.CharField(help_text="The state stored (may come from the area code).")
    truncated_fields = serializers.ListField(
        child=serializers.CharField(), help_text="Fields cut to their column's width."
    )
    nanpa_rows_when_disabled = serializers.IntegerField(
        allow_null=True,
        help_text="Set when a NANPA option was ignored because the NANPA table holds only "
        "this many rows.",
    )
    alt_phones = AltPhonesOutcomeSerializer(allow_null=True)
    custom_fields = CustomFieldsOutcomeSerializer(allow_null=True)
    hopper = HopperOutcomeSerializer(allow_null=True)
    callback = CallbackOutcomeSerializer(allow_null=True)


class LeadAddedSerializer(serializers.Serializer):
    """The answer to an added lead."""

    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    lead = LeadSerializer(allow_null=True, help_text="The stored lead (null in a dry run).")
    outcome = OutcomeSerializer()


class DuplicateSerializer(serializers.Serializer):
    lead_id = serializers.IntegerField(help_text="The existing lead.")
    list_id = serializers.IntegerField(help_text="Its list.")
    check = EnumValueField(DuplicateCheck, help_text="The check that found it.")
    check_code = serializers.CharField(help_text="The check's short name, e.g. DUPLIST.")
    matched = EnumValueField(DuplicateMatch, help_text="Which of its numbers matched.")


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document (application/problem+json)."""

    type = serializers.CharField(help_text="The reason's stable URI; branch on this.")
    title = serializers.CharField(help_text="The reason in a few words.")
    status = serializers.IntegerField(help_text="The HTTP status.")
    detail = serializers.CharField(help_text="This occurrence, for people.")
    reason = serializers.CharField(
        required=False, help_text="A refused lead: the pipeline's rejection."
    )
    phone_problem = EnumValueField(
        PhoneProblem, required=False, help_text="invalid-phone: which check failed."
    )
    duplicate = DuplicateSerializer(required=False, help_text="duplicate: the existing lead.")
    errors = serializers.DictField(required=False, help_text="validation-error: messages by field.")
    function = serializers.CharField(
        required=False, help_text="function-not-allowed: the legacy function name."
    )
    dry_run = serializers.BooleanField(required=False, help_text="A refusal in a dry run.")
    earlier_item = serializers.IntegerField(
        required=False, help_text="Batch: the earlier item this lead duplicates."
    )


class LeadListSerializer(serializers.ModelSerializer):
    lead_count = serializers.IntegerField(help_text="Leads in the list.")

    class Meta:
        model = LeadList
        fields = ["list_id", "list_name", "campaign_id", "active", "lead_count"]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["campaign_id", "campaign_name", "active"]


# Fields whose values repeat across a batch's leads (its clock, offsets, dates) and whose
# representation depends on the value alone (the project never activates another time zone).
_FEW_VALUES = (serializers.DateTimeField, serializers.DateField, serializers.DecimalField)


def _remembered(represent):
    shown: dict = {}

    def remembered(value):
        text = shown.get(value)
        if text is None:
            if len(shown) > 1000:
                shown.clear()
            text = shown[value] = represent(value)
        return text

    return remembered


# Fields whose own to_representation gives back a value of this type unchanged (str(text),
# int(number), the bool itself).
_AS_IS = (
    (serializers.CharField, str),
    (serializers.IntegerField, int),
    (serializers.BooleanField, bool),
)


def _shown_as_is(field) -> type | None:
    """The type of values ``field`` shows unchanged, or None."""
    for kind, value_type in _AS_IS:
        if isinstance(field, kind):
            declared = kind.to_representation
            return value_type if type(field).to_representation is declared else None
    return None


_MAPPING_TYPES: dict[type, bool] = {}


def _is_mapping(value) -> bool:
    """``isinstance(value, Mapping)``, remembered by type (an abstract class check costs
    more than the lookup it chooses)."""
    kind = type(value)
    answer = _MAPPING_TYPES.get(kind)
    if answer is None:
        answer = _MAPPING_TYPES[kind] = isinstance(value, Mapping)
    return answer


def _representer(serializer: serializers.Serializer):
    """``serializer.to_representation`` without DRF's per-field call layers (a batch shows
    1,000 leads of 37 columns): the same fields, the same ``to_representation`` of each and
    DRF's None rule. A field with its own ``get_attribute``, or a value DRF would treat
    specially (missing, callable), goes through DRF's own lookup; a test compares the two."""
    plan = []
    for field in serializer._readable_fields:
        if type(field).get_attribute is not Field.get_attribute:
            attrs = None
        else:
            attrs = tuple(field.source_attrs)
        represent = field.to_representation
        if isinstance(field, serializers.Serializer):  # nested, not many=True
            represent = _representer(field)
        elif isinstance(field, _FEW_VALUES):
            represent = _remembered(represent)
        plan.append((field.field_name, field, attrs, represent, _shown_as_is(field)))

    # A dict of values (a stored lead as a query gives it) in one lookup per field, when
    # every field reads one key; a missing key or a callable value goes the general way.
    keyed = [(p[0], p[2][0], *p[3:]) for p in plan if p[2] is not None and len(p[2]) == 1]
    if len(keyed) != len(plan):
        keyed = None

    def dict_representation(instance: dict) -> dict | None:
        out = {}
        for name, key, represent, as_is in keyed:
            value = instance.get(key, instance)
            if type(value) is as_is:
                out[name] = value
            elif value is None:
                out[name] = None
            elif value is instance or callable(value):
                return None
            else:
                out[name] = represent(value)
        return out

    def to_representation(instance) -> dict:
        if keyed is not None and type(instance) is dict:
            out = dict_representation(instance)
            if out is not None:
                return out
        out = {}
        for name, field, attrs, represent, as_is in plan:
            value = instance
            try:
                for attr in attrs:
                    value = value[attr] if _is_mapping(value) else getattr(value, attr)
                if callable(value):
                    raise AttributeError
            except (TypeError, KeyError, AttributeError):  # TypeError: attrs is None
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject):
                    value = value if value.pk is not None else None
            if type(value) is as_is:
                out[name] = value
            else:
                out[name] = None if value is None else represent(value)
        return out

    return to_representation


# Built once, as ``bodies.lead_add_validated`` explains.
_LEAD = LeadSerializer()
# The columns ``lead_json`` reads, for a query of them as a dict.
STORED_COLUMNS = tuple(
    field.source if field.source != "*" else name for name, field in _LEAD.fields.items()
)
_OUTCOME = OutcomeSerializer()
_LEAD_JSON = _representer(_LEAD)
_OUTCOME_JSON = _representer(_OUTCOME)


def lead_json(lead: Lead) -> dict:
    return _LEAD_JSON(lead)


def outcome_json(outcome) -> dict:
    return _OUTCOME_JSON(outcome)
