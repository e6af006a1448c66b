"""The duplicate review queue in the admin: pending reviews with bulk discard / insert anyway,
and a page per review with the incoming and existing leads side by side."""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from ..models import DuplicateReview, Lead
from ..outcomes import DuplicateCheck
from ..review import (
    REVIEW_COPYABLE_FIELDS,
    DuplicateReviewRefused,
    ReviewAction,
    duplicate_review_resolve,
    duplicate_review_resolve_bulk,
)
from ..rules import clean_gender, fit_to_column, parse_date_of_birth
from ..services import CUSTOM_PREFIX
from ..wording import check_label, stored_check_code
from .search import typed_phone_number

# Refusals listed one by one after a bulk action; the rest are counted.
BULK_REFUSALS_SHOWN = 20


class ReviewStatusFilter(admin.SimpleListFilter):
    """Pending reviews unless asked otherwise: the queue is what is left to decide."""

    title = "status"
    parameter_name = "status"
    default = DuplicateReview.Status.PENDING

    def lookups(self, request, model_admin):
        return [*DuplicateReview.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        value = self.value() or self.default
        return queryset if value == "all" else queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or self.default
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@dataclass(frozen=True)
class ComparedField:
    name: str
    label: str
    incoming: str
    existing: str

    @property
    def differs(self) -> bool:
        return self.incoming != self.existing


def review_compared_fields(review: DuplicateReview, lead: Lead | None) -> list[ComparedField]:
    """Incoming and existing values field by field, the incoming ones as they would be stored."""
    incoming = review.incoming
    rows = []
    for name in REVIEW_COPYABLE_FIELDS:
        label = Lead._meta.get_field(name).verbose_name
        existing = "" if lead is None else getattr(lead, name)
        rows.append(
            ComparedField(name, label, _stored_form(name, incoming.get(name)), _text(existing))
        )
    custom_in = incoming.get("custom") if isinstance(incoming.get("custom"), dict) else {}
    custom_old = (lead.custom_values if lead is not None else None) or {}
    for label in sorted(set(custom_in) | set(custom_old)):
        rows.append(
            ComparedField(
                f"{CUSTOM_PREFIX}{label}",
                f"{label} (custom)",
                _text(custom_in.get(label)),
                _text(custom_old.get(label)),
            )
        )
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _stored_form(name: str, value: object) -> str:
    text = _text(value)
    if name == "gender":
        return clean_gender(text)
    if name == "phone_code":
        return text or "1"
    if name == "date_of_birth":
        return _text(parse_date_of_birth(text))
    return fit_to_column(name, text)[0]


class DuplicateCheckFilter(admin.SimpleListFilter):
    title = "duplicate check"
    parameter_name = "duplicate_check"

    def lookups(self, request, model_admin):
        return [(check.value, check_label(check)) for check in DuplicateCheck]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(duplicate_check=value) if value else queryset


@admin.register(DuplicateReview)
class DuplicateReviewAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "source",
        "list_id",
        "incoming_phone",
        "incoming_name",
        "existing",
        "check_name",
        "status",
        "origin",
    )
    list_filter = (ReviewStatusFilter, "source", "list_id", DuplicateCheckFilter)
    search_fields = ("=existing_lead__lead_id", "=list_id")
    search_help_text = (
        "Existing lead id, list id, or a phone number as you would write it "
        "(727-555-1234, +1 727 555 1234): the incoming or the existing lead's."
    )
    ordering = ("-created_at",)
    list_per_page = 50
    show_full_result_count = False
    actions = ["discard_selected", "insert_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        number = typed_phone_number(search_term)
        if number:
            by_phone = Q(existing_lead__phone_number=number) | Q(incoming__phone_number=number)
            found = found | queryset.filter(by_phone)
        return found, duplicates

    @admin.display(description="incoming phone")
    def incoming_phone(self, review: DuplicateReview) -> str:
        return review.incoming.get("phone_number", "")

    @admin.display(description="incoming name")
    def incoming_name(self, review: DuplicateReview) -> str:
        incoming = review.incoming
        return f"{incoming.get('first_name', '')} {incoming.get('last_name', '')}".strip()

    @admin.display(description="duplicate check", ordering="duplicate_check")
    def check_name(self, review: DuplicateReview) -> str:
        return stored_check_code(review.duplicate_check)

    @admin.display(description="existing lead", ordering="existing_lead")
    def existing(self, review: DuplicateReview) -> str:
        if review.existing_lead_id is None:
            return "(deleted)"
        url = reverse("admin:leads_lead_change", args=[review.existing_lead_id])
        return format_html('<a href="{}">{}</a>', url, review.existing_lead_id)

    @admin.display(description="from")
    def origin(self, review: DuplicateReview) -> str:
        if review.import_job_id:
            return f"import {review.import_job_id}, row {review.row_number}"
        return review.get_source_display()

    @admin.action(description="Discard the selected incoming leads", permissions=["change"])
    def discard_selected(self, request, queryset):
        self._resolve_bulk(request, queryset, ReviewAction.DISCARD, "discarded")

    @admin.action(description="Insert the selected incoming leads anyway", permissions=["change"])
    def insert_selected(self, request, queryset):
        self._resolve_bulk(request, queryset, ReviewAction.INSERT, "inserted")

    def _resolve_bulk(self, request, queryset, action: ReviewAction, done: str) -> None:
        result = duplicate_review_resolve_bulk(
            reviews=queryset.order_by("pk"), action=action, user=request.user
        )
        if result.resolved:
            count = len(result.resolved)
            messages.success(
                request,
                ngettext(
                    "%(count)d incoming lead %(done)s.", "%(count)d incoming leads %(done)s.", count
                )
                % {"count": count, "done": done},
            )
        refused = list(result.refused.items())
        for review_id, why in refused[:BULK_REFUSALS_SHOWN]:
            messages.warning(request, f"Review {review_id}: {why}")
        if len(refused) > BULK_REFUSALS_SHOWN:
            more = len(refused) - BULK_REFUSALS_SHOWN
            messages.warning(
                request,
                ngettext(
                    "%(count)d more review was not resolved.",
                    "%(count)d more reviews were not resolved.",
                    more,
                )
                % {"count": more},
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, unquote(object_id))
        if review is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, review):
            raise PermissionDenied
        if request.method == "POST":
            return self._resolve_one(request, review)
        lead = review.existing_lead
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Duplicate review {review.pk}",
            "review": review,
            "check_name": stored_check_code(review.duplicate_check),
            "lead": lead,
            "fields": review_compared_fields(review, lead),
            "pending": review.status == DuplicateReview.Status.PENDING,
            "can_resolve": self.has_change_permission(request, review),
            "preserved_filters": self.get_preserved_filters(request),
            "changelist_url": self._changelist_url(request),
        }
        return TemplateResponse(request, "admin/leads/duplicatereview/review.html", context)

    def _resolve_one(self, request, review: DuplicateReview):
        if not self.has_change_permission(request, review):
            raise PermissionDenied
        action = request.POST.get("action", "")
        try:
            resolved = duplicate_review_resolve(
                review=review,
                action=action,
                fields=request.POST.getlist("fields"),
                user=request.user,
            )
        except DuplicateReviewRefused as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(request.get_full_path())
        lead_id = resolved.resolved_lead_id
        outcome = {
            ReviewAction.DISCARD: "The incoming lead was discarded.",
            ReviewAction.INSERT: f"The incoming lead was inserted as lead {lead_id}.",
            ReviewAction.UPDATE: f"Lead {lead_id} was updated.",
        }[ReviewAction(action)]
        messages.success(request, f"Review {review.pk}: {outcome}")
        return HttpResponseRedirect(self._changelist_url(request))

    def _changelist_url(self, request) -> str:
        url = reverse("admin:leads_duplicatereview_changelist")
        filters = request.GET.get("_changelist_filters")
        return f"{url}?{filters}" if filters else url
