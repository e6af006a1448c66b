from django.core.validators import RegexValidator
from django.db import models

from ..rules import STANDARD_LEAD_COLUMNS

list_id_validator = RegexValidator(r"^[0-9]{3,12}$", "A list id is a number of 3 to 12 digits.")


class LeadList(models.Model):
    """A list of leads; leads are dialled by the campaign the list belongs to."""

    list_id = models.BigIntegerField(primary_key=True, validators=[list_id_validator])
    list_name = models.CharField(max_length=30, blank=True)
    list_description = models.CharField(max_length=255, blank=True)
    # No campaign is allowed (list 999, the default list, has none).
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="lists",
    )
    active = models.BooleanField(default=True)
    # "campaign" (use the campaign's call time) or a call time id that overrides it.
    local_call_time = models.CharField(max_length=10, default="campaign")
    # Whether the list keeps custom field values (the original's custom_<list> table).
    keeps_custom_fields = models.BooleanField(
        default=False,
        help_text=(
            "Store values of this list's custom fields with its leads: uploads offer them "
            "in the column mapping, and the API stores them with custom_fields=Y. The fields "
            "themselves are defined under Custom fields."
        ),
    )
    # Keep duplicates the API rejects for this list in the duplicate review queue.
    review_api_duplicates = models.BooleanField(default=False, verbose_name="review API duplicates")
    # Contract §3.14e / D19: replaces the system's new-lead URL for this list;
    # ---DISABLED--- switches it off for this list.
    new_lead_url = models.TextField(
        "new-lead URL",
        blank=True,
        help_text="Used instead of the system's new-lead URL; ---DISABLED--- sends none.",
    )

    class Meta:
        verbose_name = "list"
        ordering = ["list_id"]

    def __str__(self) -> str:
        return f"{self.list_id} {self.list_name}".strip()

    def clean(self) -> None:
        list_id_validator(str(self.list_id))


class CustomFieldDefinition(models.Model):
    """A custom field defined for one list; its values live in Lead.custom_values."""

    class FieldType(models.TextChoices):
        TEXT = "TEXT"
        AREA = "AREA"
        SELECT = "SELECT"
        MULTI = "MULTI"
        RADIO = "RADIO"
        CHECKBOX = "CHECKBOX"
        DATE = "DATE"
        TIME = "TIME"
        DISPLAY = "DISPLAY"
        SCRIPT = "SCRIPT"
        HIDDEN = "HIDDEN"
        READONLY = "READONLY"
        HIDEBLOB = "HIDEBLOB"
        SWITCH = "SWITCH"
        BUTTON = "BUTTON"

    # Types that show text to the agent but hold no value.
    NON_STORING_TYPES = frozenset({"DISPLAY", "SCRIPT", "BUTTON", "SWITCH"})

    list = models.ForeignKey(
        LeadList, on_delete=models.CASCADE, db_constraint=False, related_name="custom_fields"
    )
    field_label = models.CharField(max_length=50)
    field_name = models.CharField(max_length=5000, blank=True)
    field_type = models.CharField(max_length=10, choices=FieldType.choices, default="TEXT")
    field_rank = models.PositiveSmallIntegerField(default=1)
    field_order = models.PositiveSmallIntegerField(default=1)
    field_size = models.PositiveSmallIntegerField(null=True, blank=True)
    field_max = models.PositiveSmallIntegerField(null=True, blank=True)
    # NULL: no default (the original's 'NULL' marker).
    field_default = models.CharField(max_length=255, null=True, blank=True)
    field_options = models.TextField(null=True, blank=True)

    class Meta:
        verbose_name = "custom field"
        ordering = ["list", "field_rank", "field_order", "field_label"]
        constraints = [
            models.UniqueConstraint(fields=["list", "field_label"], name="uniq_list_field")
        ]

    def __str__(self) -> str:
        return f"{self.list_id}:{self.field_label}"

    @property
    def stores_value(self) -> bool:
        """Whether a lead keeps a value for this field: not a type that only shows text, and
        not labelled as a standard lead column (those are never custom, C13). The one
        declaration of the rule: the pipeline, the importer, the upload page and the exports
        ask it (``selectors.custom_fields_storing``)."""
        return (
            self.field_type not in self.NON_STORING_TYPES
            and self.field_label not in STANDARD_LEAD_COLUMNS
        )
