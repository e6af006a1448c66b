from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import Callback


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    list_display = (
        "callback_id",
        "lead_link",
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
    # No date_hierarchy: it truncates dates in SQL, which MariaDB cannot do in the site's time
    # zone unless its time-zone tables are loaded.
    list_display_links = ("callback_id",)
    show_full_result_count = False

    @admin.display(description="lead", ordering="lead")
    def lead_link(self, obj: Callback) -> str:
        url = reverse("admin:leads_lead_change", args=[obj.lead_id])
        return format_html('<a href="{}">{}</a>', url, obj.lead_id)
