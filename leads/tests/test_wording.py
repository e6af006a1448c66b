"""Every typed outcome has its words in each door's dialect: the legacy wire texts in
``api.formatting``, the supervisor's in ``wording``; the enums themselves carry neither."""

import pytest

from leads.api import formatting
from leads.forms import LeadAddForm
from leads.forms_imports import MappingForm
from leads.outcomes import (
    CallbackResult,
    CustomFieldsResult,
    DuplicateCheck,
    DuplicateHit,
    LeadRejected,
    Rejection,
)
from leads.phones import PhoneProblem
from leads.services.request import DncMode
from leads.wording import (
    DNC_MODE_CHOICES,
    DNC_MODE_LABELS,
    DUPLICATE_CHECK_CHOICES,
    DUPLICATE_CHECK_CODES,
    PHONE_PROBLEM_TEXT,
    check_label,
    rejection_text,
    stored_check_code,
)


@pytest.mark.parametrize(
    ("enum", "texts"),
    [
        (PhoneProblem, formatting.PHONE_PROBLEM_TEXT),
        (CustomFieldsResult, formatting.CUSTOM_FIELDS_TEXT),
        (CallbackResult, formatting.CALLBACK_TEXT),
        (PhoneProblem, PHONE_PROBLEM_TEXT),
        (DuplicateCheck, DUPLICATE_CHECK_CODES),
        (DncMode, DNC_MODE_LABELS),
    ],
)
def test_each_member_has_its_words(enum, texts):
    assert set(texts) == set(enum)


@pytest.mark.parametrize(
    "enum", [Rejection, PhoneProblem, CustomFieldsResult, CallbackResult, DuplicateCheck]
)
def test_enum_values_are_neutral(enum):
    """No legacy token or upper-case wire text as a value."""
    for member in enum:
        assert member.value == member.value.lower()
        assert " " not in member.value


def test_every_rejection_has_a_sentence():
    hit = DuplicateHit(check=DuplicateCheck.SYS, lead_id=5, list_id=101)
    assert rejection_text(LeadRejected(Rejection.DUPLICATE, duplicate=hit)) == (
        "Duplicate of lead 5 in list 101 (DUPSYS)"
    )
    for reason in Rejection:
        assert rejection_text(LeadRejected(reason))


def test_stored_checks_are_named_as_supervisors_know_them():
    assert stored_check_code("phone_alt:campaign") == "DUPPHONEALTCAMP"
    assert stored_check_code("something else") == "something else"
    assert check_label(DuplicateCheck.LIST) == "Phone number in this list (DUPLIST)"


def test_supervisor_choice_lists_offer_the_enums_values_in_their_words():
    """The manual entry form and the upload page's options offer each check and DNC mode by
    its typed value, labelled here, never by an API token."""
    assert DUPLICATE_CHECK_CHOICES[1:] == [(c.value, check_label(c)) for c in DuplicateCheck]
    assert [(mode.value, DNC_MODE_LABELS[mode]) for mode in DncMode] == DNC_MODE_CHOICES
    for form in (LeadAddForm, MappingForm):
        fields = form.base_fields
        assert fields["duplicate_check"].choices == DUPLICATE_CHECK_CHOICES
        assert fields["dnc_check"].choices == fields["campaign_dnc_check"].choices
        assert fields["dnc_check"].choices == DNC_MODE_CHOICES
