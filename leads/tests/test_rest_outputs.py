"""The JSON door's representations (``rest.outputs``): the fast per-field loop answers exactly
what DRF's own ``to_representation`` answers, for stored leads (rows and model instances)
and for the pipeline's outcomes (added with every part, refused)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.outcomes import (
    AltPhonesOutcome,
    CallbackOutcome,
    CallbackResult,
    CustomFieldsOutcome,
    CustomFieldsResult,
    DuplicateCheck,
    DuplicateHit,
    HopperOutcome,
    LeadAddOutcome,
    LeadRejected,
    Rejection,
)
from leads.rest.outputs import (
    STORED_COLUMNS,
    LeadSerializer,
    OutcomeSerializer,
    lead_json,
    outcome_json,
)
from leads.tests.factories import LeadFactory
from leads.timezones import GmtOffset

pytestmark = pytest.mark.django_db


def test_stored_leads_are_shown_as_drf_shows_them():
    LeadFactory(
        phone_number="7275550001",
        gmt_offset_now=Decimal("-5.00"),
        date_of_birth=date(1970, 2, 3),
        rank=7,
        custom_values={"colour": "red"},
    )
    LeadFactory(phone_number="7275550002", gmt_offset_now=None, date_of_birth=None)
    drf = LeadSerializer()
    rows = list(Lead.objects.order_by("phone_number").values(*STORED_COLUMNS))
    assert [lead_json(row) for row in rows] == [drf.to_representation(row) for row in rows]
    leads = list(Lead.objects.order_by("phone_number"))
    assert [lead_json(lead) for lead in leads] == [drf.to_representation(lead) for lead in leads]
    assert rows[0]["custom_values"] == {"colour": "red"}
    # Every column (more keys than shown), as the batch's stored leads carry them.
    full = list(Lead.objects.order_by("phone_number").values())
    assert [lead_json(row) for row in full] == [drf.to_representation(row) for row in rows]


def _shown(show, row):
    try:
        return show(row)
    except KeyError as error:
        return type(error)


@pytest.mark.parametrize("column", ["city", "lead_id", "entry_date"])
def test_a_row_missing_a_column_is_shown_as_drf_shows_it(column):
    LeadFactory(phone_number="7275550001")
    row = Lead.objects.values(*STORED_COLUMNS).get()
    del row[column]
    assert _shown(lead_json, row) == _shown(LeadSerializer().to_representation, row)


def test_outcomes_are_shown_as_drf_shows_them():
    added = LeadAddOutcome(
        phone_number="7275550001",
        list_text="101",
        nanpa_rows_when_disabled=3,
        lead_id=12,
        list_id=101,
        gmt=GmtOffset(Decimal("-5.00")),
        state="FL",
        alt_phones=AltPhonesOutcome(count=2),
        custom_fields=CustomFieldsOutcome(
            result=CustomFieldsResult.ADDED, values={"colour": "red"}, entry_list_changed=1
        ),
        hopper=HopperOutcome(added=True, hopper_id=4),
        callback=CallbackOutcome(
            result=CallbackResult.ADDED,
            campaign_id="TESTCAMP",
            callback_user="",
            recipient="ANYONE",
            time_text=str(timezone.now()),
            status="CALLBK",
        ),
        truncated_fields=["comments"],
    )
    refused = LeadAddOutcome(
        phone_number="7275550002",
        list_text="101",
        rejected=LeadRejected(
            reason=Rejection.DUPLICATE,
            duplicate=DuplicateHit(check=DuplicateCheck.LIST, lead_id=3, list_id=101),
        ),
    )
    unknown_zone = LeadAddOutcome(
        phone_number="7275550003", list_text="101", lead_id=13, gmt=GmtOffset(None)
    )
    drf = OutcomeSerializer()
    for outcome in (added, refused, unknown_zone):
        assert outcome_json(outcome) == drf.to_representation(outcome)
    assert outcome_json(added)["hopper"] == {"added": True, "hopper_id": 4}
