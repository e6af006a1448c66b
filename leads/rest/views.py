"""The JSON door's lead views: add one, add a batch, read one, search (cursor pages)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from ..models import AltPhone, Lead
from ..rules import BIGINT_MAX
from ..selectors import system_settings_get
from . import schema
from .adding import lead_actor, lead_add_answer, lead_batch_answer
from .auth import allowed_list_ids, request_profile
from .base import ApiView, dry_run_requested
from .bodies import lead_add_validated
from .idempotency import idempotent
from .outputs import LeadDetailSerializer, LeadSerializer
from .problems import PROBLEM_CONTENT_TYPE
from .serializers import (
    BatchEnvelopeSerializer,
    LeadAddSerializer,
    LeadBatchSerializer,
    lead_request_build,
)


def _restricted(leads, profile):
    allowed = allowed_list_ids(profile)
    if allowed is None:
        return leads
    return leads.filter(list_id__in=[int(list_id) for list_id in allowed])


class LeadPages(CursorPagination):
    ordering = "-lead_id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class LeadPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    results = LeadSerializer(many=True, help_text="Leads, newest first.")


class LeadSearchSerializer(serializers.Serializer):
    phone_number = serializers.CharField(
        required=False, max_length=18, help_text="Leads with exactly this phone number."
    )
    list_id = serializers.IntegerField(
        required=False, min_value=0, max_value=BIGINT_MAX, help_text="Leads of this list."
    )
    status = serializers.CharField(required=False, max_length=6, help_text="Leads in this status.")
    updated_since = serializers.DateTimeField(
        required=False, help_text="Leads changed at or after this time (ISO 8601)."
    )


class LeadCollectionView(ApiView):
    api_functions = {"POST": "add_lead", "GET": "lead_search"}
    writes = True

    @extend_schema(
        operation_id="leads_add",
        summary="Add a lead",
        description=schema.ADD_DESCRIPTION,
        request=LeadAddSerializer,
        parameters=[schema.DRY_RUN, schema.IDEMPOTENCY_KEY],
        responses=schema.add_responses(),
        examples=schema.ADD_EXAMPLES,
    )
    def post(self, request) -> Response:
        return idempotent(request, lambda: self._add(request))

    def _add(self, request) -> Response:
        data = lead_add_validated(request.data)
        profile = request_profile(request)
        actor = lead_actor(profile, allowed_list_ids(profile))
        lead_request = lead_request_build(data, non_latin=system_settings_get().use_non_latin)
        answer = lead_add_answer(
            lead_request, actor=actor, dry_run=dry_run_requested(request), now=timezone.now()
        )
        headers = {}
        content_type = PROBLEM_CONTENT_TYPE if answer.status >= 400 else None
        if answer.status == 201:
            headers["Location"] = f"/api/v1/leads/{answer.body['lead']['lead_id']}/"
        return Response(
            answer.body, status=answer.status, content_type=content_type, headers=headers
        )

    @extend_schema(
        operation_id="leads_search",
        summary="Search leads",
        description="Leads, newest first, in cursor pages (follow `next`).",
        parameters=[LeadSearchSerializer, schema.PAGE_SIZE],
        responses={200: LeadPageSerializer, **schema.read_problems()},
    )
    def get(self, request) -> Response:
        search = LeadSearchSerializer(data=request.query_params)
        search.is_valid(raise_exception=True)
        wanted = search.validated_data
        leads = _restricted(Lead.objects.all(), request_profile(request))
        if "phone_number" in wanted:
            leads = leads.filter(phone_number=wanted["phone_number"])
        if "list_id" in wanted:
            leads = leads.filter(list_id=wanted["list_id"])
        if "status" in wanted:
            leads = leads.filter(status=wanted["status"])
        if "updated_since" in wanted:
            leads = leads.filter(modify_date__gte=wanted["updated_since"])
        pages = LeadPages()
        page = pages.paginate_queryset(leads, request, view=self)
        return pages.get_paginated_response(LeadSerializer(page, many=True).data)


class LeadDetailView(ApiView):
    api_function = "lead_search"

    @extend_schema(
        operation_id="leads_read",
        summary="Read a lead",
        responses={200: LeadDetailSerializer, **schema.read_problems(not_found=True)},
    )
    def get(self, request, lead_id: int) -> Response:
        leads = _restricted(Lead.objects.all(), request_profile(request)).prefetch_related(
            Prefetch("alt_phones", queryset=AltPhone.objects.order_by("alt_phone_count"))
        )
        return Response(LeadDetailSerializer(get_object_or_404(leads, pk=lead_id)).data)


class LeadBatchView(ApiView):
    api_function = "add_lead"
    writes = True

    @extend_schema(
        operation_id="leads_add_batch",
        summary="Add up to 1,000 leads",
        description=schema.BATCH_DESCRIPTION,
        request=LeadBatchSerializer,
        parameters=[schema.DRY_RUN, schema.IDEMPOTENCY_KEY],
        responses=schema.batch_responses(),
    )
    def post(self, request) -> Response:
        return idempotent(request, lambda: self._add(request))

    def _add(self, request) -> Response:
        serializer = BatchEnvelopeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = request_profile(request)
        body = lead_batch_answer(
            serializer.validated_data,
            actor=lead_actor(profile, allowed_list_ids(profile)),
            dry_run=dry_run_requested(request),
            atomic=serializer.validated_data["atomic"],
            now=timezone.now(),
        )
        return Response(body)
