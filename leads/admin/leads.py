"""The supervisors' lead screen: filters, index-friendly search, export to CSV/XLSX in the
background (``admin.exports``), and manual entry and editing through the lead pipeline
(``forms.LeadAddForm``, ``services.lead_update``).

Built for tables of millions of leads: no exact count past 10,000 leads nor per filter choice,
searches that use indexes, no join that would hide leads of undefined lists, and every column
of a page read in the page's one query (about 100-200 ms a page with 1M leads on PostgreSQL).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join

from ..forms import MANUAL_ENTRY_OPTIONS, LeadAddForm, LeadChangeForm, on_duplicate_choices
from ..models import AltPhone, DuplicateReview, Lead, LeadList
from ..services import lead_update
from .dashboard import dashboard_view
from .exports import lead_export_page
from .filters import ImportJobFilter, LeadStatusFilter, TimeZoneFilter
from .paging import EstimatedCountPaginator
from .search import lead_search_filter


class AltPhoneInline(admin.TabularInline):
    model = AltPhone
    extra = 0


ADD_FIELDSETS = (
    (None, {"fields": ("list", ("phone_code", "phone_number"), "vendor_lead_code", "source_id")}),
    (
        "Name",
        {"fields": (("title", "first_name", "middle_initial", "last_name"), "gender")},
    ),
    (
        "Address",
        {
            "fields": (
                "address1",
                "address2",
                "address3",
                ("city", "state", "postal_code"),
                "province",
                "country_code",
            )
        },
    ),
    (
        "Other",
        {
            "fields": (
                "alt_phone",
                "email",
                "date_of_birth",
                "security_phrase",
                "comments",
                "owner",
                "rank",
            )
        },
    ),
)
CHECKS_FIELDSET = (
    "Checks",
    {
        "fields": MANUAL_ENTRY_OPTIONS,
        "description": "The checks of the add_lead API, run before the lead is stored.",
    },
)
CHANGE_READONLY = (
    "lead_id",
    "entry_date",
    "modify_date",
    "door",
    "user",
    "gmt_offset_now",
    "called_count",
    "last_local_call_time",
    "entry_list_id",
    "custom_values_table",
    "webhook_deliveries",
)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    change_list_template = "admin/leads/lead/change_list.html"
    list_display = (
        "lead_id",
        "phone_number",
        "first_name",
        "last_name",
        "list_id",
        "campaign",
        "status",
        "gmt_offset_now",
        "state",
        "door",
        "entered",
    )
    list_filter = (
        "list",
        ("list__campaign", admin.RelatedFieldListFilter),
        LeadStatusFilter,
        "door",
        "entry_date",
        TimeZoneFilter,
        ImportJobFilter,
    )
    # The box searches with lead_search_filter (see get_search_results).
    search_fields = ("phone_number",)
    search_help_text = (
        "A phone number as you would write it (727-555-1000, +1 727 555 1000, or 555-1000 "
        "for every area code), an alt phone, lead id or vendor code; or words that start a "
        "first name, last name or vendor code (words with a digit: vendor codes only)."
    )
    ordering = ("-lead_id",)
    show_full_result_count = False
    # The count under the page links: PostgreSQL's estimate past 10,000 leads.
    paginator = EstimatedCountPaginator
    # Counts per filter choice would each scan the table.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_queryset(self, request):
        # A subquery, not a join: leads may belong to lists that were never defined.
        campaign = LeadList.objects.filter(list_id=OuterRef("list_id")).values("campaign_id")
        return super().get_queryset(request).annotate(list_campaign=Subquery(campaign[:1]))

    @admin.display(description="entry date", ordering="entry_date")
    def entered(self, obj: Lead) -> str:
        # Short and sortable, so the list's columns fit a 1366 px screen.
        return date_format(timezone.localtime(obj.entry_date), "Y-m-d H:i")

    @admin.display(description="campaign", ordering="list_campaign")
    def campaign(self, obj: Lead) -> str:
        return obj.list_campaign or ""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(lead_search_filter(search_term)), False

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            if len(on_duplicate_choices(request.user)) > 1:
                name, options = CHECKS_FIELDSET
                fields = (*options["fields"], "on_duplicate")
                return (*ADD_FIELDSETS, (name, {**options, "fields": fields}))
            return (*ADD_FIELDSETS, CHECKS_FIELDSET)
        first, *rest = ADD_FIELDSETS
        main = (None, {"fields": ("list", "status", *first[1]["fields"][1:])})
        return (main, *rest, ("Record", {"fields": CHANGE_READONLY}))

    def get_readonly_fields(self, request, obj=None):
        return CHANGE_READONLY if obj is not None else ()

    def get_inlines(self, request, obj):
        return [AltPhoneInline] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = LeadChangeForm if obj is not None else LeadAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        # modelform_factory made a new class for this request: safe to set.
        form.actor_username = request.user.get_username()
        if obj is None:
            form.duplicate_choices = on_duplicate_choices(request.user)
            form.base_fields["on_duplicate"].choices = form.duplicate_choices
        return form

    def response_add(self, request, obj, post_url_continue=None):
        if isinstance(obj, DuplicateReview):
            # Manual entry sent a duplicate to the review queue (LeadAddForm.full_clean).
            url = reverse("admin:leads_duplicatereview_change", args=[obj.pk])
            messages.success(
                request,
                format_html(
                    'The lead was not added: it waits in the review queue as <a href="{}">'
                    "review {}</a>, beside lead {}.",
                    url,
                    obj.pk,
                    obj.existing_lead_id,
                ),
            )
            return HttpResponseRedirect(url)
        return super().response_add(request, obj, post_url_continue)

    def save_model(self, request, obj, form, change):
        if change:
            lead_update(lead=obj, changes=form.lead_changes, user=request.user)
        # A new lead was stored by the pipeline when the form was validated.

    @admin.display(description="custom values")
    def custom_values_table(self, obj: Lead) -> str:
        values = obj.custom_values or {}
        if not values:
            return "-"
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", sorted(values.items()))

    @admin.display(description="webhooks")
    def webhook_deliveries(self, obj: Lead) -> str:
        """The lead's delivery log (new-lead URL, lead.created), issue 12."""
        url = reverse("admin:webhooks_delivery_changelist") + f"?lead_id={obj.pk}"
        return format_html('<a href="{}">delivery log</a>', url)

    def get_urls(self):
        dashboard = self.admin_site.admin_view(self.dashboard)
        export = self.admin_site.admin_view(self.export)
        return [
            path("dashboard/", dashboard, name="leads_dashboard"),
            path("export/", export, name="leads_lead_export"),
            *super().get_urls(),
        ]

    def export(self, request):
        return lead_export_page(request, self)

    def dashboard(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return dashboard_view(request, self.admin_site)
