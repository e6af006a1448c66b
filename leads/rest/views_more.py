"""The JSON door's other resources: lists with lead counts, campaigns, and DNC numbers (add,
remove, check) on the system list or a campaign's."""

from django.db.models import Count
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from campaigns.models import Campaign
from campaigns.selectors import campaign_dnc_list_id, campaign_get

from ..dnc import dnc_entry_clean, dnc_numbers_apply
from ..models import LeadList
from ..pipeline.dnc import dnc_patterns
from ..selectors import dnc_numbers_present
from . import problems, schema
from .auth import allowed_list_ids, request_profile
from .base import ApiView
from .outputs import CampaignSerializer, LeadListSerializer
from .problems import Problem


class ListsView(ApiView):
    api_function = "list_info"

    @extend_schema(
        operation_id="lists",
        summary="Lists with their lead counts",
        description="The lists the user may use (all, unless restricted to its group's).",
        responses={200: LeadListSerializer(many=True), **schema.read_problems()},
    )
    def get(self, request) -> Response:
        lists = LeadList.objects.annotate(lead_count=Count("leads")).order_by("list_id")
        allowed = allowed_list_ids(request_profile(request))
        if allowed is not None:
            lists = lists.filter(list_id__in=[int(list_id) for list_id in allowed])
        return Response(LeadListSerializer(lists, many=True).data)


class CampaignsView(ApiView):
    api_function = "campaigns_list"

    @extend_schema(
        operation_id="campaigns",
        summary="Campaigns",
        responses={200: CampaignSerializer(many=True), **schema.read_problems()},
    )
    def get(self, request) -> Response:
        return Response(
            CampaignSerializer(Campaign.objects.order_by("campaign_id"), many=True).data
        )


# --- DNC -------------------------------------------------------------------------------------


class DncEntrySerializer(serializers.Serializer):
    phone_number = serializers.CharField(
        max_length=30,
        help_text="A number, or an area-code wildcard such as 727XXXXXXX (punctuation is removed).",
    )
    campaign_id = serializers.CharField(
        default=None,
        allow_null=True,
        max_length=8,
        help_text="The campaign whose own DNC list is meant; null: the system list.",
    )


class DncChangeSerializer(serializers.Serializer):
    phone_number = serializers.CharField(help_text="The entry as stored.")
    campaign_id = serializers.CharField(allow_null=True, help_text="Its campaign, or null.")
    changed = serializers.BooleanField(
        help_text="False when the entry was already on the list (add) or not on it (remove)."
    )


class DncCheckSerializer(serializers.Serializer):
    phone_number = serializers.CharField(help_text="The number checked.")
    blocked = serializers.BooleanField(help_text="Whether any entry blocks it.")
    system = serializers.ListField(
        child=serializers.CharField(), help_text="System DNC entries that block it."
    )
    campaign = serializers.ListField(
        child=serializers.CharField(),
        help_text="Entries of the campaign's DNC list (or the list it borrows) that block it.",
    )


CAMPAIGN_PARAMETER = OpenApiParameter(
    "campaign_id",
    str,
    OpenApiParameter.QUERY,
    description="The campaign whose DNC list is meant; absent: the system list only.",
)


def _entry(text: str) -> str:
    entry = dnc_entry_clean(text)
    if entry is None:
        raise Problem(
            problems.VALIDATION,
            "Not a DNC entry.",
            errors={"phone_number": ["A number of digits, or 3 digits and XXXXXXX."]},
        )
    return entry


def _campaign(campaign_id: str | None) -> Campaign | None:
    if not campaign_id:
        return None
    campaign = campaign_get(campaign_id)
    if campaign is None:
        raise Problem(problems.NOT_FOUND, f"Campaign {campaign_id} does not exist.")
    return campaign


class DncCollectionView(ApiView):
    api_function = "add_dnc_phone"
    writes = True

    @extend_schema(
        operation_id="dnc_add",
        summary="Add a DNC entry",
        request=DncEntrySerializer,
        responses={
            201: DncChangeSerializer,
            200: DncChangeSerializer,
            **schema.write_problems(),
            **schema.not_found("not-found: no such campaign"),
        },
    )
    def post(self, request) -> Response:
        wanted = DncEntrySerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        entry = _entry(wanted.validated_data["phone_number"])
        campaign = _campaign(wanted.validated_data["campaign_id"])
        campaign_id = campaign.campaign_id if campaign else None
        result = dnc_numbers_apply(entries=[entry], remove=False, campaign_id=campaign_id)
        body = {"phone_number": entry, "campaign_id": campaign_id, "changed": bool(result.added)}
        return Response(
            body, status=status.HTTP_201_CREATED if result.added else status.HTTP_200_OK
        )


class DncEntryView(ApiView):
    api_functions = {"DELETE": "delete_dnc_phone", "GET": "dnc_check"}
    writes = True

    @extend_schema(
        operation_id="dnc_check",
        summary="Check a number against the DNC lists",
        description="The system list, and with campaign_id the campaign's list (or the one it "
        "borrows), exact numbers and area-code wildcards.",
        parameters=[CAMPAIGN_PARAMETER],
        responses={
            200: DncCheckSerializer,
            **schema.read_problems(),
            **schema.not_found("not-found: no such campaign"),
        },
    )
    def get(self, request, phone_number: str) -> Response:
        number = _entry(phone_number)
        campaign = _campaign(request.query_params.get("campaign_id"))
        patterns = dnc_patterns(number, match_areacode=True)
        system = sorted(dnc_numbers_present(patterns))
        on_campaign = []
        if campaign is not None:
            list_owner = campaign_dnc_list_id(campaign)
            on_campaign = sorted(dnc_numbers_present(patterns, campaign_id=list_owner))
        return Response(
            {
                "phone_number": number,
                "blocked": bool(system or on_campaign),
                "system": system,
                "campaign": on_campaign,
            }
        )

    @extend_schema(
        operation_id="dnc_remove",
        summary="Remove a DNC entry",
        parameters=[CAMPAIGN_PARAMETER],
        responses={
            200: DncChangeSerializer,
            **schema.write_problems(),
            **schema.not_found("not-found: no such campaign"),
        },
    )
    def delete(self, request, phone_number: str) -> Response:
        entry = _entry(phone_number)
        campaign = _campaign(request.query_params.get("campaign_id"))
        campaign_id = campaign.campaign_id if campaign else None
        result = dnc_numbers_apply(entries=[entry], remove=True, campaign_id=campaign_id)
        return Response(
            {"phone_number": entry, "campaign_id": campaign_id, "changed": bool(result.removed)}
        )
