"""Forms of the spreadsheet upload pages (``leads/views_imports.py``).

The options a supervisor picks are turned into the importer's typed options
(``leads.importing.options.ImportOptions``), and back again to pre-fill the page from a job
configured before or from a saved template.
"""

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.html import format_html

from campaigns.models import Campaign
from leads.importing.errors import UnreadableFile
from leads.importing.limits import upload_check_size
from leads.importing.mapping import STANDARD_LAYOUT, auto_map, standard_layout_map
from leads.importing.options import ImportOptions
from leads.models import ImportJob, ImportTemplate, LeadList
from leads.outcomes import DAY_WINDOWS, DuplicateCheck
from leads.rules import HOPPER_PRIORITY_MAX, HOPPER_PRIORITY_MIN
from leads.selectors import custom_fields_storing, list_get
from leads.services.request import (
    AddOptions,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    PhoneChecks,
    TimeZoneMethod,
)
from leads.wording import (
    DNC_MODE_CHOICES,
    DUPLICATE_CHECK_CHOICES,
    OPTION_LABELS,
    TIME_ZONE_LABELS,
)

FROM_COLUMN = "column"
UPLOAD_SUFFIXES = ".csv,.txt,.tsv,.tab,.psv,.xlsx,.xlsm,.xls,.ods"

DAY_CHOICES = [("", "all time")] + [(str(days), f"the last {days} days") for days in DAY_WINDOWS]
TZ_CHOICES = list(TIME_ZONE_LABELS.items())
# Pre-filled for a new upload: duplicates within the list (and within the file) and the
# system DNC list are what supervisors almost always want checked.
DEFAULT_OPTIONS = ImportOptions(
    add=AddOptions(duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)), dnc=DncMode.NUMBER)
)
PHONE_CHECK_FIELDS = {
    "usacan_prefix_check": "usacan_prefix",
    "usacan_areacode_check": "usacan_areacode",
    "nanpa_ac_prefix_check": "nanpa_prefix",
}

phone_code_validator = RegexValidator(r"^[0-9]{1,4}$", "A phone code is 1 to 4 digits.")


def list_choices() -> list[tuple[str, str]]:
    lists = [(str(item.list_id), str(item)) for item in LeadList.objects.order_by("list_id")]
    return [("", "---------"), *lists, (FROM_COLUMN, "From a column of the file (list_id)")]


def list_choice_value(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def custom_labels(list_id: int | None) -> list[str]:
    """Labels of the list's custom fields that an import can fill (as the pipeline stores)."""
    target = list_get(list_id) if list_id else None
    if target is None or not target.keeps_custom_fields:
        return []
    return [definition.field_label for definition in custom_fields_storing(list_id)]


def custom_fields_off_note(list_id: int | None) -> str:
    """Why a list's custom fields are not offered in the mapping: the list has some, but does
    not keep custom field values ("" when nothing needs saying)."""
    target = list_get(list_id) if list_id else None
    if target is None or target.keeps_custom_fields:
        return ""
    labels = [d.field_label for d in custom_fields_storing(list_id)]
    if not labels:
        return ""
    url = reverse("admin:leads_leadlist_change", args=[list_id])
    return format_html(
        "List {} has custom fields ({}) but does not keep their values, so they are not "
        'offered below. To load them, tick “Keeps custom fields” on <a href="{}">the '
        "list's page</a>, then come back to this page.",
        list_id,
        ", ".join(labels),
        url,
    )


def field_choices(list_id: int | None) -> list:
    lead_fields = [(name, name.replace("_", " ").capitalize()) for name in STANDARD_LAYOUT]
    choices: list = [("", "— not loaded —"), ("Lead fields", lead_fields)]
    if labels := custom_labels(list_id):
        choices.append((f"Custom fields of list {list_id}", [(label, label) for label in labels]))
    return choices


class UploadForm(forms.Form):
    file = forms.FileField(
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_SUFFIXES}),
        help_text="CSV or other delimited text (comma, semicolon, tab, |), XLSX, XLS or ODS.",
    )
    target_list = forms.ChoiceField(label="Target list")
    phone_code = forms.CharField(
        label="Default phone code",
        initial="1",
        max_length=4,
        validators=[phone_code_validator],
        help_text="Used for rows without a phone code (1 for USA and Canada).",
    )
    template = forms.ModelChoiceField(
        ImportTemplate.objects.all(),
        required=False,
        label="Saved template",
        empty_label="None: map the columns from their names",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_list"].choices = list_choices()
        limit = settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)
        self.fields["file"].help_text += f" Up to {limit:,} MB."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_check_size(upload.size)
        except UnreadableFile as error:
            raise forms.ValidationError(error.message) from None
        return upload


class MappingForm(forms.Form):
    target_list = forms.ChoiceField(label="Target list")
    phone_code = forms.CharField(
        label="Default phone code", max_length=4, validators=[phone_code_validator]
    )
    has_header = forms.BooleanField(required=False, label="The first row is a header")
    duplicate_check = forms.ChoiceField(choices=DUPLICATE_CHECK_CHOICES, required=False)
    duplicate_days = forms.ChoiceField(choices=DAY_CHOICES, required=False, label="Within")
    duplicate_statuses = forms.CharField(
        required=False,
        max_length=200,
        label="Only existing leads in statuses",
        help_text="Comma-separated, e.g. NEW, CALLBK. Blank: every status counts.",
    )
    review_duplicates = forms.BooleanField(
        required=False, label="Keep rejected duplicates in the review queue"
    )
    dnc_check = forms.ChoiceField(choices=DNC_MODE_CHOICES, required=False, label="System DNC")
    campaign_dnc_check = forms.ChoiceField(
        choices=DNC_MODE_CHOICES, required=False, label="Campaign DNC"
    )
    campaign_id = forms.ChoiceField(required=False, label="Campaign for the campaign DNC")
    usacan_prefix_check = forms.BooleanField(required=False, label=OPTION_LABELS["usacan_prefix"])
    usacan_areacode_check = forms.BooleanField(
        required=False, label=OPTION_LABELS["usacan_areacode"]
    )
    nanpa_ac_prefix_check = forms.BooleanField(required=False, label=OPTION_LABELS["nanpa_prefix"])
    tz_method = forms.ChoiceField(choices=TZ_CHOICES, required=False, label="Time zone from")
    lookup_state = forms.BooleanField(required=False, label=OPTION_LABELS["lookup_state"])
    add_to_hopper = forms.BooleanField(required=False, label=OPTION_LABELS["add_to_hopper"])
    hopper_priority = forms.IntegerField(
        min_value=HOPPER_PRIORITY_MIN, max_value=HOPPER_PRIORITY_MAX, initial=0
    )
    hopper_local_call_time_check = forms.BooleanField(
        required=False, label=OPTION_LABELS["hopper_local_call_time_check"]
    )
    save_as_template = forms.BooleanField(required=False, label="Save as a template")
    template_name = forms.CharField(required=False, max_length=100, label="Template name")

    option_field_names = (
        "duplicate_check",
        "duplicate_days",
        "duplicate_statuses",
        "review_duplicates",
        "dnc_check",
        "campaign_dnc_check",
        "campaign_id",
        "usacan_prefix_check",
        "usacan_areacode_check",
        "nanpa_ac_prefix_check",
        "tz_method",
        "lookup_state",
        "add_to_hopper",
        "hopper_priority",
        "hopper_local_call_time_check",
    )

    def __init__(self, *args, column_count: int, list_value: str | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.column_count = column_count
        self.fields["target_list"].choices = list_choices()
        campaigns = Campaign.objects.order_by("campaign_id").values_list("campaign_id", flat=True)
        self.fields["campaign_id"].choices = [("", "The list's campaign")] + [
            (campaign_id, campaign_id) for campaign_id in campaigns
        ]
        choices = field_choices(list_choice_value(list_value))
        for index in range(column_count):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                choices=choices, required=False, label=f"Column {index + 1}"
            )

    def clean(self) -> dict:
        data = super().clean()
        columns_of: dict[str, list[int]] = {}
        for index in range(self.column_count):
            if field := data.get(f"col_{index}"):
                columns_of.setdefault(field, []).append(index + 1)
        for field, columns in columns_of.items():
            if len(columns) > 1:
                numbers = ", ".join(str(number) for number in columns)
                self.add_error(None, f"“{field}” is chosen for more than one column ({numbers}).")
        if data.get("target_list") == FROM_COLUMN and "list_id" not in columns_of:
            self.add_error("target_list", "Map a column to “List id” to take lists from the file.")
        if data.get("save_as_template") and not data.get("template_name", "").strip():
            self.add_error("template_name", "Give the template a name.")
        return data

    def list_id(self) -> int | None:
        return list_choice_value(self.cleaned_data["target_list"])

    def mapping(self) -> dict[int, str]:
        return {
            index: field
            for index in range(self.column_count)
            if (field := self.cleaned_data.get(f"col_{index}"))
        }

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        check, days = data["duplicate_check"], data["duplicate_days"]
        statuses = data["duplicate_statuses"].replace(";", ",").split(",")
        tz = data["tz_method"]
        hopper = HopperRequest(
            priority=data["hopper_priority"] or 0,
            local_call_time_check=data["hopper_local_call_time_check"],
        )
        return ImportOptions(
            add=AddOptions(
                phone_checks=PhoneChecks(
                    **{name: data[field] for field, name in PHONE_CHECK_FIELDS.items()}
                ),
                lookup_state=data["lookup_state"],
                dnc=DncMode(data["dnc_check"] or DncMode.OFF.value),
                campaign_dnc=DncMode(data["campaign_dnc_check"] or DncMode.OFF.value),
                campaign_id=data["campaign_id"],
                duplicates=DuplicatePolicy(
                    checks=(DuplicateCheck(check),) if check else (),
                    days=int(days) if check and days else None,
                    statuses=frozenset(s.strip().upper() for s in statuses) - {""},
                ),
                time_zone=TimeZoneMethod(**{tz: True}) if tz else TimeZoneMethod(),
                hopper=hopper if data["add_to_hopper"] else None,
            ),
            phone_code=data["phone_code"],
            review_duplicates=data["review_duplicates"],
        )

    def standard_layout(self) -> list[str]:
        """The field of each column in the original's fixed layout, for the page's button."""
        layout = standard_layout_map(self.column_count)
        return [layout.get(index, "") for index in range(self.column_count)]

    def save_template(self, *, job: ImportJob, created_by) -> ImportTemplate:
        """Save (or replace) the named template: columns by header text when the file has a
        header, else by column number, so the template fits files of the same layout."""
        header = job.header if self.cleaned_data["has_header"] else []
        mapping = {
            header[index] if index < len(header) and header[index] else str(index): field
            for index, field in self.mapping().items()
        }
        template, _ = ImportTemplate.objects.update_or_create(
            name=self.cleaned_data["template_name"].strip(),
            defaults={
                "mapping": mapping,
                "options": self.options().to_json(),
                "created_by": created_by,
            },
        )
        return template


def options_initial(stored: Mapping | None) -> dict:
    """Form values for stored import options (the reverse of ``MappingForm.options``);
    none stored: ``DEFAULT_OPTIONS``."""
    options = ImportOptions.from_json(stored) if stored else DEFAULT_OPTIONS
    add = options.add
    policy, tz = add.duplicates, add.time_zone
    tz_choice = next((name for name in ("postal", "tz_code", "nanpa") if getattr(tz, name)), "")
    initial = {
        "duplicate_check": policy.checks[0].value if policy.checks else "",
        "duplicate_days": str(policy.days) if policy.days else "",
        "duplicate_statuses": ", ".join(sorted(policy.statuses)),
        "review_duplicates": options.review_duplicates,
        "dnc_check": add.dnc.value,
        "campaign_dnc_check": add.campaign_dnc.value,
        "campaign_id": add.campaign_id,
        "tz_method": tz_choice,
        "lookup_state": add.lookup_state,
        "add_to_hopper": add.hopper is not None,
        "hopper_priority": add.hopper.priority if add.hopper else 0,
        "hopper_local_call_time_check": bool(add.hopper and add.hopper.local_call_time_check),
    }
    if options.phone_code:
        initial["phone_code"] = options.phone_code
    initial.update(
        {field: getattr(add.phone_checks, name) for field, name in PHONE_CHECK_FIELDS.items()}
    )
    return initial


def template_columns(template: ImportTemplate, header: list[str] | None, count: int) -> dict:
    """A template's mapping applied to a file: by header text first, then by column number."""
    header = header or []
    mapping = {}
    for index in range(count):
        text = header[index] if index < len(header) else None
        field = template.mapping.get(text) if text else None
        if field := field or template.mapping.get(str(index)):
            mapping[index] = field
    return mapping


def mapping_initial(
    job: ImportJob,
    *,
    header: list[str],
    sample: list[list[str]],
    column_count: int,
    query: Mapping[str, str],
) -> dict:
    """The mapping page's starting values. A job configured before (going back from its dry
    run) shows its own choices; a new one the upload step's (``query``: list, phone_code,
    template), then the template's, else the automatic mapping, custom fields of the chosen
    list included."""
    template_id = query.get("template", "")
    template = (
        ImportTemplate.objects.filter(pk=template_id).first() if template_id.isdigit() else None
    )
    if job.options:
        list_value = str(job.list_id) if job.list_id else FROM_COLUMN
        columns = {int(index): field for index, field in job.mapping.items()}
        options = job.options
    else:
        # The list chosen at upload is the job's already; the address may name another.
        list_value = query.get("list") or (str(job.list_id) if job.list_id else "")
        template = template or job.template
        options = template.options if template else None
        if template:
            columns = template_columns(template, header, column_count)
        else:
            labels = custom_labels(list_choice_value(list_value))
            columns = auto_map(header or None, custom_labels=labels, sample=sample)
    initial = {"target_list": list_value, "has_header": job.has_header, **options_initial(options)}
    initial["phone_code"] = query.get("phone_code") or initial.get("phone_code") or "1"
    initial.update({f"col_{index}": field for index, field in columns.items()})
    return initial


class ConfirmImportForm(forms.Form):
    confirm_same_upload = forms.BooleanField(
        required=False, label="Yes, load this file into the list again"
    )

    def __init__(self, *args, same_upload: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.same_upload = same_upload
        if same_upload:
            self.fields["confirm_same_upload"].required = True
            self.fields["confirm_same_upload"].error_messages["required"] = (
                "This file was loaded into this list before: tick the box to load it again."
            )
