from django.contrib import admin

from .models import (
    AltPhone,
    ApiLogEntry,
    ApiUserProfile,
    CustomFieldDefinition,
    DncNumber,
    IpList,
    IpListEntry,
    Lead,
    LeadList,
    NanpaPrefix,
    PhoneCode,
    PostalCode,
    SystemSettings,
    UserGroup,
)


class AltPhoneInline(admin.TabularInline):
    model = AltPhone
    extra = 0


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = (
        "lead_id",
        "phone_number",
        "first_name",
        "last_name",
        "list_id",
        "status",
        "gmt_offset_now",
        "state",
        "entry_date",
        "user",
    )
    list_filter = ("status", "list", "gender", "entry_date", "gmt_offset_now")
    search_fields = (
        "=lead_id",
        "phone_number",
        "alt_phone",
        "first_name",
        "last_name",
        "vendor_lead_code",
        "email",
    )
    date_hierarchy = "entry_date"
    raw_id_fields = ("list",)
    readonly_fields = ("lead_id", "entry_date", "modify_date")
    inlines = [AltPhoneInline]
    list_select_related = False
    show_full_result_count = False


@admin.register(LeadList)
class LeadListAdmin(admin.ModelAdmin):
    list_display = ("list_id", "list_name", "campaign_id", "active", "local_call_time")
    list_filter = ("active", "campaign")
    search_fields = ("=list_id", "list_name")


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ("list_id", "field_label", "field_name", "field_type", "field_rank")
    list_filter = ("field_type",)
    search_fields = ("field_label", "field_name", "=list__list_id")


@admin.register(DncNumber)
class DncNumberAdmin(admin.ModelAdmin):
    list_display = ("phone_number", "created_at")
    search_fields = ("phone_number",)


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
    list_filter = ("result", "function", "api_date")
    search_fields = ("user", "data", "result_reason")
    date_hierarchy = "api_date"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
