"""API keys of the JSON door: created here (the key is shown once), revoked here."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from ..models import ApiKey

# The package's own key model is not used: LeadHub's keys belong to API users.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    """Saving a new key shows it once in a message; only its hash is kept. The prefix (the
    key's first 8 characters) identifies it afterwards."""

    list_display = (
        "prefix",
        "name",
        "profile",
        "throttle_rate",
        "created",
        "expiry_date",
        "_has_expired",
        "revoked",
    )
    list_filter = ("revoked", "created")
    search_fields = ("name", "prefix", "profile__user__username")
    autocomplete_fields = ("profile",)
    fields = ("name", "profile", "throttle_rate", "expiry_date", "revoked", "prefix")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "profile") if obj is not None else fields
