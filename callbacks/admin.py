from django import forms
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Callback

# Filled from the lead and the clock when left empty (``CallbackForm.clean``).
FROM_THE_LEAD = ("list_id", "campaign_id", "entry_time")


class CallbackForm(forms.ModelForm):
    """A callback needs only its lead: the list and campaign are the lead's, the entry time
    is now, unless given."""

    class Meta:
        model = Callback
        fields = (
            "lead",
            "list_id",
            "campaign_id",
            "status",
            "entry_time",
            "callback_time",
            "user",
            "recipient",
            "comments",
            "user_group",
            "lead_status",
        )
        help_texts = {
            "list_id": "Empty: the lead's list.",
            "campaign_id": "Empty: the campaign of the lead's list.",
            "entry_time": "Empty: now.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in FROM_THE_LEAD:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        lead = data.get("lead")
        if lead is not None:
            if data.get("list_id") is None:
                data["list_id"] = lead.list_id
            if not data.get("campaign_id"):
                try:
                    data["campaign_id"] = lead.list.campaign_id or ""
                except ObjectDoesNotExist:  # a lead of a list that was never defined
                    data["campaign_id"] = ""
        if data.get("entry_time") is None:
            data["entry_time"] = timezone.now()
        return data


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin):
    form = CallbackForm
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
