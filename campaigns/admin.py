from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import WEEKDAYS, CallTime, Campaign, HopperEntry, StateCallTime


def _hhmm(value: int) -> str:
    return f"{value // 100:02d}:{value % 100:02d}"


def call_time_summary(call_time: CallTime | None) -> str:
    """ "ct1 09:00-21:00; Sat 10:00-14:00; state rules FL, TX" (state rules prefetched)."""
    if call_time is None:
        return "-"
    parts = [
        f"{call_time.call_time_id} {_hhmm(call_time.default_start)}-{_hhmm(call_time.default_stop)}"
    ]
    for day in WEEKDAYS:
        start, stop = getattr(call_time, f"{day}_start"), getattr(call_time, f"{day}_stop")
        if start or stop:
            parts.append(f"{day[:3].title()} {_hhmm(start)}-{_hhmm(stop)}")
    states = sorted(rule.state for rule in call_time.state_rules.all())
    if states:
        parts.append(f"state rules {', '.join(states)}")
    return "; ".join(parts)


@admin.register(CallTime)
class CallTimeAdmin(admin.ModelAdmin):
    list_display = ("call_time_id", "name", "windows")
    search_fields = ("call_time_id", "name")
    filter_horizontal = ("state_rules",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("state_rules")

    @admin.display(description="windows")
    def windows(self, obj: CallTime) -> str:
        return call_time_summary(obj)


@admin.register(StateCallTime)
class StateCallTimeAdmin(admin.ModelAdmin):
    list_display = ("state_call_time_id", "state", "name", "default_start", "default_stop")
    list_filter = ("state",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = (
        "campaign_id",
        "campaign_name",
        "active",
        "call_time",
        "use_other_campaign_dnc_id",
    )
    list_filter = ("active",)
    search_fields = ("campaign_id", "campaign_name")
    readonly_fields = ("call_time",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("local_call_time")
            .prefetch_related("local_call_time__state_rules")
        )

    @admin.display(description="call time")
    def call_time(self, obj: Campaign) -> str:
        if obj.local_call_time is None:
            return "-"
        url = reverse("admin:campaigns_calltime_change", args=[obj.local_call_time_id])
        return format_html('<a href="{}">{}</a>', url, call_time_summary(obj.local_call_time))


@admin.register(HopperEntry)
class HopperEntryAdmin(admin.ModelAdmin):
    list_display = (
        "hopper_id",
        "lead_link",
        "campaign_id",
        "list_id",
        "status",
        "priority",
        "gmt_offset_now",
        "state",
    )
    list_filter = ("status", "campaign_id", "source")
    search_fields = ("=lead__lead_id", "vendor_lead_code")
    raw_id_fields = ("lead",)
    list_display_links = ("hopper_id",)
    show_full_result_count = False

    @admin.display(description="lead", ordering="lead")
    def lead_link(self, obj: HopperEntry) -> str:
        url = reverse("admin:leads_lead_change", args=[obj.lead_id])
        return format_html('<a href="{}">{}</a>', url, obj.lead_id)
