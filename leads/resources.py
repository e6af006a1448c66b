"""Spreadsheet export of leads (django-import-export), safe to open in Excel or LibreOffice."""

from django.db import models
from import_export import fields, resources

from .models import Lead

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP "CSV
# injection"); a leading apostrophe makes it text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """Text that cannot run as a spreadsheet formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


class LeadResource(resources.ModelResource):
    """Leads with their list, in the standard layout order. Every text column comes from
    callers (API, files, agents), so text cells are neutralised; numbers and dates stay
    numbers and dates."""

    # The id itself: following the relation would load each lead's list.
    list_id = fields.Field(attribute="list_id", column_name="list_id")

    class Meta:
        model = Lead
        fields = (
            "lead_id",
            "list_id",
            "status",
            "entry_date",
            "modify_date",
            "door",
            "user",
            "vendor_lead_code",
            "source_id",
            "gmt_offset_now",
            "phone_code",
            "phone_number",
            "title",
            "first_name",
            "middle_initial",
            "last_name",
            "address1",
            "address2",
            "address3",
            "city",
            "state",
            "province",
            "postal_code",
            "country_code",
            "gender",
            "date_of_birth",
            "alt_phone",
            "email",
            "security_phrase",
            "comments",
            "called_count",
            "rank",
            "owner",
            "entry_list_id",
        )
        export_order = fields
        chunk_size = 2000

    _text_columns = frozenset(
        field.name
        for field in Lead._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
    )

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if field.attribute in self._text_columns:
            return spreadsheet_text(value)
        return value
