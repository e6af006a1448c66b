from django.contrib import admin

from ..models import (
    AltPhone,
    ApiLogEntry,
    ApiUserProfile,
    IpList,
    IpListEntry,
    NanpaPrefix,
    PhoneCode,
    PostalCode,
    SystemSettings,
    UserGroup,
)

# The supervisors' screens, each in its own module (they register their admins).
from . import api_keys, dnc, leads, lists, review  # noqa: F401
from .filters import ApiFunctionFilter, ApiResultFilter


@admin.register(AltPhone)
class AltPhoneAdmin(admin.ModelAdmin):
    list_display = ("lead_id", "alt_phone_count", "phone_code", "phone_number", "active")
    search_fields = ("phone_number", "=lead__lead_id")
    raw_id_fields = ("lead",)


@admin.register(PhoneCode)
class PhoneCodeAdmin(admin.ModelAdmin):
    list_display = (
        "country_code",
        "areacode",
        "state",
        "gmt_offset",
        "dst_range",
        "tz_code",
        "iana_zone",
    )
    list_filter = ("country_code", "dst_range")
    search_fields = ("=country_code", "=areacode", "state", "description")


@admin.register(PostalCode)
class PostalCodeAdmin(admin.ModelAdmin):
    list_display = ("postal_code", "state", "gmt_offset", "dst_range", "country_code")
    search_fields = ("postal_code", "state")


@admin.register(NanpaPrefix)
class NanpaPrefixAdmin(admin.ModelAdmin):
    list_display = ("areacode", "prefix", "gmt_offset", "dst", "city", "state")
    search_fields = ("=areacode", "city", "state")


class IpListEntryInline(admin.TabularInline):
    model = IpListEntry
    extra = 1


@admin.register(IpList)
class IpListAdmin(admin.ModelAdmin):
    list_display = ("ip_list_id", "ip_list_name", "active")
    inlines = [IpListEntryInline]


@admin.register(UserGroup)
class UserGroupAdmin(admin.ModelAdmin):
    list_display = ("user_group", "group_name", "allowed_campaigns", "api_ip_list")
    search_fields = ("user_group", "group_name")


@admin.register(ApiUserProfile)
class ApiUserProfileAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "user_level",
        "user_group_id",
        "api_access",
        "modify_leads",
        "api_list_restrict",
        "failed_login_count",
        "wire_profile",
    )
    list_filter = ("user_level", "api_access", "api_list_restrict", "wire_profile")
    search_fields = ("user__username", "full_name")
    raw_id_fields = ("user",)


@admin.register(SystemSettings)
class SystemSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "use_non_latin", "custom_fields_enabled", "allow_ip_lists")

    def has_add_permission(self, request) -> bool:
        return not SystemSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiLogEntry)
class ApiLogEntryAdmin(admin.ModelAdmin):
    list_display = ("api_date", "user", "function", "result", "result_reason", "data", "client_ip")
    # No date hierarchy and no distinct-value filters: each would scan the whole log.
    list_filter = (ApiResultFilter, ApiFunctionFilter, "api_date")
    search_fields = ("user", "data", "result_reason")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


from . import imports  # noqa: E402, F401  (import jobs, templates and the upload pages)
