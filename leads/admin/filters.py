"""Changelist filters for big tables: none of them reads distinct values of a large table on
every page view (Django's default filters for plain columns do)."""

from decimal import Decimal, InvalidOperation

from django.contrib import admin

from ..models import ImportJob
from .search import api_log_functions, lead_statuses, leads_of_import_filter

# The leads changelist's parameter for the leads an import loaded (the import pages link it).
IMPORT_JOB_PARAMETER = "import_job"


class LeadStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, status or "(empty)") for status in lead_statuses()]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(status=value)


class TimeZoneFilter(admin.SimpleListFilter):
    """By the lead's current GMT offset. The choices are North America's; any offset works
    in the address (``?gmt=5.5``)."""

    title = "time zone (GMT offset now)"
    parameter_name = "gmt"
    OFFSETS = {
        "-3.5": "-3.5 Newfoundland",
        "-4": "-4 Atlantic, Eastern summer",
        "-5": "-5 Eastern, Central summer",
        "-6": "-6 Central, Mountain summer",
        "-7": "-7 Mountain, Pacific summer",
        "-8": "-8 Pacific, Alaska summer",
        "-9": "-9 Alaska",
        "-10": "-10 Hawaii",
    }

    def lookups(self, request, model_admin):
        return [*self.OFFSETS.items(), ("unknown", "Unknown")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == "unknown":
            return queryset.filter(gmt_offset_now__isnull=True)
        try:
            offset = Decimal(value)
        except InvalidOperation:
            return queryset.none()
        return queryset.filter(gmt_offset_now=offset) if offset.is_finite() else queryset.none()


class ApiResultFilter(admin.SimpleListFilter):
    title = "result"
    parameter_name = "result"

    def lookups(self, request, model_admin):
        return [("SUCCESS", "SUCCESS"), ("ERROR", "ERROR"), ("NOTICE", "NOTICE")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(result=value)


class ApiFunctionFilter(admin.SimpleListFilter):
    title = "function"
    parameter_name = "function"

    def lookups(self, request, model_admin):
        return [(name, name or "(none)") for name in api_log_functions()]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(function=value)


class ImportJobFilter(admin.SimpleListFilter):
    """The leads one import loaded (``?import_job=12``, linked from the import's page). Only
    the chosen import is listed as a choice: the jobs table may be long."""

    title = "import"
    parameter_name = IMPORT_JOB_PARAMETER

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isdigit()):
            return []
        job = ImportJob.objects.filter(pk=int(value)).only("pk", "original_name").first()
        return [(str(job.pk), f"{job.pk}: {job.original_name}")] if job else []

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        job = ImportJob.objects.filter(pk=int(value)).first() if value.isdigit() else None
        return queryset.none() if job is None else queryset.filter(leads_of_import_filter(job))
