from django.contrib import admin

from .models import Callback


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = (
        "callback_id",
        "lead_id",
        "campaign_id",
        "callback_time",
        "recipient",
        "user",
        "status",
        "lead_status",
    )
    list_filter = ("status", "recipient", "campaign_id", "callback_time")
    search_fields = ("=lead__lead_id", "user", "comments")
    raw_id_fields = ("lead",)
    date_hierarchy = "callback_time"
