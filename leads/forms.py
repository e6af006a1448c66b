"""Supervisor forms: manual lead entry and editing through the lead pipeline, DNC files."""

import enum
from dataclasses import replace

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from campaigns.models import Campaign

from .dnc import MAX_FILE_BYTES
from .models import DuplicateReview, Lead
from .outcomes import DuplicateCheck, DuplicateHit
from .phones import NANP_PHONE_CODE, phone_normalise
from .rules import LEAD_TEXT_FIELDS, clean_value, rank_parse
from .selectors import system_settings_get
from .services import LeadActor, duplicate_review_add, lead_add, lead_change_problems
from .services.request import (
    NO_DUPLICATE_CHECK,
    AddOptions,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    LeadFields,
    LeadRequest,
    PhoneChecks,
)
from .services.review import review_incoming
from .wording import (
    DNC_MODE_CHOICES,
    DUPLICATE_CHECK_CHOICES,
    OPTION_LABELS,
    check_code,
    rejection_field,
    rejection_text,
)

# The option fields the manual entry form shows.
MANUAL_ENTRY_OPTIONS = (
    "duplicate_check",
    "dnc_check",
    "campaign_dnc_check",
    "usacan_prefix_check",
    "usacan_areacode_check",
    "lookup_state",
    "add_to_hopper",
)


class OnDuplicate(enum.StrEnum):
    """What manual entry does with a lead the duplicate check refuses."""

    REFUSE = "refuse"
    INSERT = "insert"
    REVIEW = "review"


ON_DUPLICATE_CHOICES = [
    (OnDuplicate.REFUSE.value, "Refuse it and show the existing lead"),
    (OnDuplicate.INSERT.value, "Insert it anyway"),
    (OnDuplicate.REVIEW.value, "Send it to the duplicate review queue"),
]


def duplicate_error(hit: DuplicateHit, choices: list[tuple[str, str]]) -> str:
    """The duplicate refusal with a link to the existing lead, and what else may be done."""
    url = reverse("admin:leads_lead_change", args=[hit.lead_id])
    text = format_html(
        'Duplicate of <a href="{}" id="duplicate-lead-link">lead {}</a> in list {} ({}).',
        url,
        hit.lead_id,
        hit.list_id,
        check_code(hit.check),
    )
    others = [label for value, label in choices if value != OnDuplicate.REFUSE]
    if others:
        text += format_html(
            " Otherwise choose “{}” under “If it is a duplicate” and save again.",
            "” or “".join(others),
        )
    return text


# Room for a number as people type it ("+1 (727) 555-3333 "); the stored digits are shorter.
TYPED_PHONE_MAX_LENGTH = 40


class TypedPhonesMixin(forms.Form):
    """Phone number, phone code and alt phone as supervisors type them, stored as the
    pipeline's normaliser reads them (``phones.phone_normalise``)."""

    phone_number = forms.CharField(
        max_length=TYPED_PHONE_MAX_LENGTH,
        help_text="As you like: 727-555-1234, (727) 555 1234, +1 727 555 1234 or +44 20 7946 0000.",
    )
    alt_phone = forms.CharField(max_length=TYPED_PHONE_MAX_LENGTH, required=False)

    def clean(self):
        data = super().clean()
        written_code = data.get("phone_code") or ""
        code = written_code or NANP_PHONE_CODE
        if data.get("phone_number"):
            phone = phone_normalise(data["phone_number"], phone_code=code)
            data["phone_number"] = phone.number
            if phone.phone_code != code:
                data["phone_code"] = code = phone.phone_code
        if data.get("alt_phone"):
            data["alt_phone"] = phone_normalise(data["alt_phone"], phone_code=code).number
        return data


class LeadAddForm(TypedPhonesMixin, forms.ModelForm):
    """Manual entry: the add_lead pipeline decides, with options the supervisor may change.

    The pipeline runs when the form is validated, because its answer decides whether the form
    is valid: a refusal becomes an error on the field it concerns and writes nothing; on
    success ``instance`` is the stored lead and the admin has nothing left to save. The admin
    validates and saves in one transaction, and the add form has no inlines, so a lead is
    never stored for a form shown with errors.
    """

    duplicate_check = forms.TypedChoiceField(
        choices=DUPLICATE_CHECK_CHOICES,
        coerce=DuplicateCheck,
        empty_value=None,
        initial=DuplicateCheck.LIST.value,
        required=False,
    )
    dnc_check = forms.TypedChoiceField(
        choices=DNC_MODE_CHOICES,
        coerce=DncMode,
        initial=DncMode.NUMBER.value,
        label="System DNC check",
    )
    campaign_dnc_check = forms.TypedChoiceField(
        choices=DNC_MODE_CHOICES,
        coerce=DncMode,
        initial=DncMode.NUMBER.value,
        label="Campaign DNC check",
    )
    usacan_prefix_check = forms.BooleanField(required=False, label=OPTION_LABELS["usacan_prefix"])
    usacan_areacode_check = forms.BooleanField(
        required=False, label=OPTION_LABELS["usacan_areacode"]
    )
    lookup_state = forms.BooleanField(required=False, label=OPTION_LABELS["lookup_state"])
    add_to_hopper = forms.BooleanField(required=False, label=OPTION_LABELS["add_to_hopper"])
    on_duplicate = forms.ChoiceField(
        choices=ON_DUPLICATE_CHOICES,
        initial=OnDuplicate.REFUSE.value,
        required=False,
        widget=forms.RadioSelect,
        label="If it is a duplicate",
    )
    gender = forms.ChoiceField(
        choices=[("U", "Unknown"), ("M", "Male"), ("F", "Female")], initial="U", required=False
    )

    # Set by the admin for each request: the username stored as the lead's user, and the
    # duplicate choices the user may make (``on_duplicate_choices``).
    actor_username = ""
    duplicate_choices = ON_DUPLICATE_CHOICES[:1]
    # What the pipeline answered, once the form is validated.
    outcome = None

    class Meta:
        model = Lead
        fields = ("list", *LEAD_TEXT_FIELDS, "date_of_birth", "rank")

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        request = self.lead_request()
        actor = LeadActor(user=self.actor_username, door=Lead.Door.MANUAL)
        self.outcome = lead_add(request=request, actor=actor, now=timezone.now())
        rejected = self.outcome.rejected
        hit = rejected.duplicate if rejected is not None else None
        choice = self.cleaned_data.get("on_duplicate") or OnDuplicate.REFUSE
        if hit is not None and choice == OnDuplicate.INSERT:
            # Insert anyway: the same pipeline, only the duplicate check left out.
            options = replace(request.options, duplicates=NO_DUPLICATE_CHECK)
            request = replace(request, options=options)
            self.outcome = lead_add(request=request, actor=actor, now=timezone.now())
            rejected = self.outcome.rejected
        elif hit is not None and choice == OnDuplicate.REVIEW:
            # The admin saves nothing more and shows the review (``LeadAdmin.response_add``).
            self.instance = duplicate_review_add(
                source=DuplicateReview.Source.MANUAL,
                list_id=int(request.list_id),
                incoming=review_incoming(request),
                existing_lead_id=hit.lead_id,
                duplicate_check=hit.check,
            )
            return
        if rejected is not None:
            field = rejection_field(rejected)
            field = field if field in self.fields else None
            if rejected.duplicate is not None:
                self.add_error(field, duplicate_error(rejected.duplicate, self.duplicate_choices))
            else:
                self.add_error(field, rejection_text(rejected))
            return
        self.instance = Lead.objects.get(lead_id=self.outcome.lead_id)

    def lead_request(self) -> LeadRequest:
        """The form as the pipeline's request, cleaned by the same rules as the API's. The
        list must exist; custom fields get their defaults."""
        data = self.cleaned_data
        lead_list = data["list"]
        non_latin = system_settings_get().use_non_latin
        check = data["duplicate_check"]
        options = AddOptions(
            list_exists_check=True,
            phone_checks=PhoneChecks(
                usacan_prefix=data["usacan_prefix_check"],
                usacan_areacode=data["usacan_areacode_check"],
            ),
            lookup_state=data["lookup_state"],
            dnc=data["dnc_check"],
            campaign_dnc=data["campaign_dnc_check"],
            campaign_id=lead_list.campaign_id or "",
            duplicates=DuplicatePolicy(checks=(check,) if check else ()),
            hopper=HopperRequest() if data["add_to_hopper"] else None,
        )
        fields = LeadFields(
            *[
                clean_value(name, str(data.get(name) or ""), non_latin=non_latin)
                for name in LEAD_TEXT_FIELDS
            ]
        )
        return LeadRequest(
            fields=fields,
            list_id=str(lead_list.pk),
            options=options,
            date_of_birth=data.get("date_of_birth"),
            rank=rank_parse(str(data.get("rank") or "")),
            custom_values={},
        )


class LeadChangeForm(TypedPhonesMixin, forms.ModelForm):
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


def on_duplicate_choices(user) -> list[tuple[str, str]]:
    """The duplicate choices a user may make: inserting anyway and the review queue are the
    review queue's own permissions."""
    allowed = {
        OnDuplicate.REFUSE: True,
        OnDuplicate.INSERT: user.has_perm("leads.change_duplicatereview"),
        OnDuplicate.REVIEW: user.has_perm("leads.view_duplicatereview"),
    }
    return [(value, label) for value, label in ON_DUPLICATE_CHOICES if allowed[OnDuplicate(value)]]


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
