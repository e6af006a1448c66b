"""Lists with their lead counts, and custom field definitions per list with a preview of the
form they give agents."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..custom_field_preview import custom_field_preview_rows
from ..models import CustomFieldDefinition, LeadList
from ..statistics import lead_lists_with_counts


class CustomFieldInline(admin.TabularInline):
    model = CustomFieldDefinition
    extra = 0
    fields = (
        "field_label",
        "field_name",
        "field_type",
        "field_rank",
        "field_order",
        "field_size",
        "field_max",
        "field_default",
        "field_options",
    )


def _preview_link(list_id: int, count: int | None = None) -> str:
    url = reverse("admin:leads_leadlist_custom_fields_preview", args=[list_id])
    text = "preview the form" if count is None else f"{count} fields: preview"
    return format_html('<a href="{}">{}</a>', url, text)


@admin.register(LeadList)
class LeadListAdmin(admin.ModelAdmin):
    list_display = (
        "list_id",
        "list_name",
        "campaign_id",
        "active",
        "lead_count",
        "new_lead_count",
        "custom_fields",
        "review_api_duplicates",
    )
    list_filter = ("active", "campaign", "keeps_custom_fields", "review_api_duplicates")
    search_fields = ("=list_id", "list_name")
    readonly_fields = ("custom_fields_preview",)
    inlines = [CustomFieldInline]

    def get_queryset(self, request):
        return lead_lists_with_counts(super().get_queryset(request))

    @admin.display(description="leads", ordering="lead_count")
    def lead_count(self, obj: LeadList) -> int:
        return obj.lead_count

    @admin.display(description="new leads", ordering="new_lead_count")
    def new_lead_count(self, obj: LeadList) -> int:
        return obj.new_lead_count

    @admin.display(description="custom fields", ordering="custom_field_count")
    def custom_fields(self, obj: LeadList) -> str:
        if not obj.custom_field_count:
            return "-"
        return _preview_link(obj.list_id, obj.custom_field_count)

    @admin.display(description="custom field form")
    def custom_fields_preview(self, obj: LeadList) -> str:
        return _preview_link(obj.list_id) if obj.pk else "-"

    def get_urls(self):
        preview = self.admin_site.admin_view(self.custom_fields_preview_view)
        return [
            path(
                "<path:object_id>/custom-fields-preview/",
                preview,
                name="leads_leadlist_custom_fields_preview",
            ),
            *super().get_urls(),
        ]

    def custom_fields_preview_view(self, request, object_id):
        lead_list = self.get_object(request, unquote(object_id))
        if lead_list is None:
            raise Http404("No such list")
        if not self.has_view_permission(request, lead_list):
            raise PermissionDenied
        definitions = list(CustomFieldDefinition.objects.filter(list_id=lead_list.list_id))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Custom fields of list {lead_list}",
            "lead_list": lead_list,
            "rows": custom_field_preview_rows(definitions),
        }
        return TemplateResponse(request, "admin/leads/leadlist/custom_fields_preview.html", context)


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = (
        "list_id",
        "field_label",
        "field_name",
        "field_type",
        "field_rank",
        "field_order",
        "preview",
    )
    list_filter = ("list", "field_type")
    search_fields = ("field_label", "field_name", "=list__list_id")

    @admin.display(description="form")
    def preview(self, obj: CustomFieldDefinition) -> str:
        return _preview_link(obj.list_id)
