from django.contrib import admin

from .models import CallTime, Campaign, CampaignDnc, HopperEntry, StateCallTime


@admin.register(CallTime)
class CallTimeAdmin(admin.ModelAdmin):
    list_display = ("call_time_id", "name", "default_start", "default_stop")
    search_fields = ("call_time_id", "name")
    filter_horizontal = ("state_rules",)


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
        "local_call_time_id",
        "use_other_campaign_dnc_id",
    )
    list_filter = ("active",)
    search_fields = ("campaign_id", "campaign_name")


@admin.register(CampaignDnc)
class CampaignDncAdmin(admin.ModelAdmin):
    list_display = ("campaign_id", "phone_number")
    list_filter = ("campaign",)
    search_fields = ("phone_number",)


@admin.register(HopperEntry)
class HopperEntryAdmin(admin.ModelAdmin):
    list_display = (
        "hopper_id",
        "lead_id",
        "campaign_id",
        "list_id",
        "status",
        "priority",
        "gmt_offset_now",
        "state",
    )
    list_filter = ("status", "campaign_id")
    search_fields = ("=lead__lead_id", "vendor_lead_code")
    raw_id_fields = ("lead",)
