"""Supervisor forms: manual lead entry and editing through the lead pipeline, DNC files."""

from django import forms
from django.utils import timezone

from campaigns.models import Campaign

from .dnc import MAX_FILE_BYTES
from .models import Lead
from .outcomes import DuplicateCheck, LeadInput
from .rejection_text import rejection_field, rejection_text
from .rules import LEAD_TEXT_FIELDS
from .selectors import system_settings_get
from .services import LeadActor, lead_add, lead_change_problems

DUPLICATE_CHECK_LABELS = {
    "DUPLIST": "Phone number in this list",
    "DUPCAMP": "Phone number in the lists of the campaign",
    "DUPSYS": "Phone number in any list",
    "DUPPHONEALTLIST": "Phone or alt phone in this list",
    "DUPPHONEALTCAMP": "Phone or alt phone in the campaign",
    "DUPPHONEALTSYS": "Phone or alt phone in any list",
    "DUPTITLEALTPHONELIST": "Title and alt phone in this list",
    "DUPTITLEALTPHONECAMP": "Title and alt phone in the campaign",
    "DUPTITLEALTPHONESYS": "Title and alt phone in any list",
    "DUPNAMEPHONELIST": "Name and phone in this list",
    "DUPNAMEPHONECAMP": "Name and phone in the campaign",
    "DUPNAMEPHONESYS": "Name and phone in any list",
}
DUPLICATE_CHECK_CHOICES = [("", "No duplicate check")] + [
    (check.value, f"{DUPLICATE_CHECK_LABELS[check.value]} ({check.value})")
    for check in DuplicateCheck
]
DNC_CHECK_CHOICES = [
    ("Y", "Yes"),
    ("AREACODE", "Yes, and area-code wildcards (727XXXXXXX)"),
    ("N", "No"),
]
# Names of the add_lead settings the manual entry form shows.
MANUAL_ENTRY_OPTIONS = (
    "duplicate_check",
    "dnc_check",
    "campaign_dnc_check",
    "usacan_prefix_check",
    "usacan_areacode_check",
    "lookup_state",
    "add_to_hopper",
)


class LeadAddForm(forms.ModelForm):
    """Manual entry: the add_lead pipeline decides, with options the supervisor may change.

    The pipeline runs when the form is validated, because its answer decides whether the form
    is valid: a refusal becomes an error on the field it concerns and writes nothing; on
    success ``instance`` is the stored lead and the admin has nothing left to save. The admin
    validates and saves in one transaction, and the add form has no inlines, so a lead is
    never stored for a form shown with errors.
    """

    duplicate_check = forms.ChoiceField(
        choices=DUPLICATE_CHECK_CHOICES, initial="DUPLIST", required=False
    )
    dnc_check = forms.ChoiceField(choices=DNC_CHECK_CHOICES, initial="Y", label="System DNC check")
    campaign_dnc_check = forms.ChoiceField(
        choices=DNC_CHECK_CHOICES, initial="Y", label="Campaign DNC check"
    )
    usacan_prefix_check = forms.BooleanField(
        required=False, label="Check the US/Canada exchange (4th digit 2-9)"
    )
    usacan_areacode_check = forms.BooleanField(
        required=False, label="Check the US/Canada area code (10 digits)"
    )
    lookup_state = forms.BooleanField(
        required=False, label="Fill in the state from the area code when empty"
    )
    add_to_hopper = forms.BooleanField(required=False, label="Put the lead in the dialer hopper")
    gender = forms.ChoiceField(
        choices=[("U", "Unknown"), ("M", "Male"), ("F", "Female")], initial="U", required=False
    )

    # Set by the admin for each request: the username stored as the lead's user.
    actor_username = ""
    # What the pipeline answered, once the form is validated.
    outcome = None

    class Meta:
        model = Lead
        fields = ("list", *LEAD_TEXT_FIELDS, "date_of_birth", "rank")

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        self.outcome = lead_add(
            lead_input=self.lead_input(),
            actor=LeadActor(user=self.actor_username, door=Lead.Door.MANUAL),
            now=timezone.now(),
        )
        rejected = self.outcome.rejected
        if rejected is not None:
            field = rejection_field(rejected)
            self.add_error(field if field in self.fields else None, rejection_text(rejected))
            return
        self.instance = Lead.objects.get(lead_id=self.outcome.lead_id)

    def lead_input(self) -> LeadInput:
        """The form as add_lead parameters, cleaned by the same rules as the API's."""
        data = self.cleaned_data
        lead_list = data["list"]
        params = {name: str(data.get(name) or "") for name in LEAD_TEXT_FIELDS}
        birth = data.get("date_of_birth")
        params.update(
            list_id=str(lead_list.pk),
            campaign_id=lead_list.campaign_id or "",
            date_of_birth=birth.isoformat() if birth else "",
            rank=str(data.get("rank") or 0),
            list_exists_check="Y",
            custom_fields="Y",
            duplicate_check=data["duplicate_check"],
            dnc_check=data["dnc_check"],
            campaign_dnc_check=data["campaign_dnc_check"],
        )
        for name in (
            "usacan_prefix_check",
            "usacan_areacode_check",
            "lookup_state",
            "add_to_hopper",
        ):
            params[name] = "Y" if data.get(name) else "N"
        return LeadInput.from_params(params, non_latin=system_settings_get().use_non_latin)


class LeadChangeForm(forms.ModelForm):
    """Editing a lead: ``lead_update``'s checks (phone length, duplicate in the list) run when
    the form is validated, so problems show on the form. The admin's save_model then calls
    ``lead_update`` with ``lead_changes``, which checks again under the duplicate lock."""

    lead_changes: dict[str, object]

    class Meta:
        model = Lead
        fields = ("list", "status", *LEAD_TEXT_FIELDS, "date_of_birth", "rank")

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        self.lead_changes = {
            name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data
        }
        problems = lead_change_problems(lead=self.instance, changes=self.lead_changes)
        for field, rejected in problems.items():
            self.add_error(field if field in self.fields else None, rejection_text(rejected))


class DncUploadForm(forms.Form):
    """A file of DNC numbers to add or remove; ``with_campaign`` asks which campaign's list."""

    file = forms.FileField(
        help_text="Text or CSV: one phone number or area-code wildcard (727XXXXXXX) per line; "
        "only the first column counts."
    )
    action = forms.ChoiceField(
        choices=[("add", "Add these numbers"), ("remove", "Remove these numbers")],
        initial="add",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, with_campaign: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_campaign:
            self.fields["campaign"] = forms.ModelChoiceField(queryset=Campaign.objects.all())
            self.order_fields(["campaign", "file", "action"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_FILE_BYTES >> 20} MB.")
        return upload
