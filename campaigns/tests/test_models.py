"""Invariants of campaigns, call times, the hopper and campaign DNC."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaigns.models import WEEKDAYS, CallTime, Campaign, CampaignDnc, HopperEntry
from campaigns.tests.factories import (
    CallTimeFactory,
    CampaignDncFactory,
    HopperEntryFactory,
)
from leads.tests.factories import LeadFactory

# --- Hopper ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_hopper_holds_at_most_one_row_per_lead():
    entry = HopperEntryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        HopperEntry.objects.create(lead=entry.lead, list_id=entry.list_id)
    assert HopperEntry.objects.filter(lead=entry.lead).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("priority", [-100, 100, 32767])
def test_hopper_priority_outside_minus_99_to_99_is_refused_by_the_database(priority):
    lead = LeadFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        HopperEntry.objects.create(lead=lead, list_id=lead.list_id, priority=priority)


@pytest.mark.django_db
@pytest.mark.parametrize("priority", [-99, 0, 99])
def test_hopper_priority_within_range_is_stored(priority):
    entry = HopperEntryFactory(priority=priority)
    entry.refresh_from_db()
    assert entry.priority == priority


@pytest.mark.django_db
def test_hopper_priority_out_of_range_fails_validation():
    entry = HopperEntryFactory.build(lead=LeadFactory(), priority=100)
    with pytest.raises(ValidationError) as excinfo:
        entry.full_clean()
    assert "priority" in excinfo.value.message_dict


@pytest.mark.django_db
def test_hopper_copies_campaign_list_and_lead_fields():
    entry = HopperEntryFactory()
    assert entry.campaign_id == entry.lead.list.campaign_id
    assert (entry.list_id, entry.status, entry.source) == (entry.lead.list_id, "READY", "P")


@pytest.mark.django_db
def test_hopper_row_goes_with_its_lead():
    entry = HopperEntryFactory()
    entry.lead.delete()
    assert not HopperEntry.objects.exists()


# --- Call times -----------------------------------------------------------------------------


@pytest.mark.parametrize("weekday", WEEKDAYS)
def test_call_time_window_for_an_unset_day_is_the_default(weekday):
    call_time = CallTime(call_time_id="9am-9pm", default_start=900, default_stop=2100)
    assert call_time.window_for(weekday) == (900, 2100)


def test_call_time_window_for_a_set_day_overrides_the_default():
    call_time = CallTime(default_start=900, default_stop=2100, saturday_start=1000)
    call_time.saturday_stop = 1400
    assert call_time.window_for("saturday") == (1000, 1400)
    assert call_time.window_for("sunday") == (900, 2100)


def test_call_time_window_for_a_day_starting_at_midnight_is_not_unset():
    """Only 0-0 means unset: 0-1700 is a real window that starts at midnight."""
    call_time = CallTime(default_start=900, default_stop=2100, monday_stop=1700)
    assert call_time.window_for("monday") == (0, 1700)


def test_call_time_24hours_is_open_all_day():
    call_time = CallTime(call_time_id="24hours", default_start=0, default_stop=2400)
    assert all(call_time.window_for(day) == (0, 2400) for day in WEEKDAYS)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["default_start", "monday_stop"])
def test_call_time_hhmm_above_2400_fails_validation(field):
    call_time = CallTimeFactory.build(**{field: 2401})
    with pytest.raises(ValidationError) as excinfo:
        call_time.full_clean()
    assert field in excinfo.value.message_dict


# --- Campaigns ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("campaign_id", ["TC", "TESTCAMP", "a-b_1"])
def test_campaign_id_of_2_to_8_word_characters_is_valid(campaign_id):
    Campaign(campaign_id=campaign_id, campaign_name="ok").full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("campaign_id", ["T", "TESTCAMP9", "TEST CMP", "camp!"])
def test_campaign_id_otherwise_is_invalid(campaign_id):
    with pytest.raises(ValidationError) as excinfo:
        Campaign(campaign_id=campaign_id, campaign_name="bad").full_clean()
    assert "campaign_id" in excinfo.value.message_dict


# --- Campaign DNC ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_campaign_dnc_number_is_unique_per_campaign():
    dnc = CampaignDncFactory(phone_number="7275550000")
    CampaignDncFactory(phone_number="7275550000")  # another campaign: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignDnc.objects.create(campaign=dnc.campaign, phone_number="7275550000")
