"""Spreadsheet export of leads (django-import-export), safe to open in Excel or LibreOffice."""

from django.db import models
from import_export import fields, resources

from .models import Lead
from .rules import STANDARD_LAYOUT

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
        # Bookkeeping columns first, then the fields in the standard layout's order.
        fields = (
            "lead_id",
            "list_id",
            "status",
            "entry_date",
            "modify_date",
            "door",
            "user",
            "gmt_offset_now",
            *(name for name in STANDARD_LAYOUT if name != "list_id"),
            "called_count",
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
