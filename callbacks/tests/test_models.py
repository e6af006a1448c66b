"""Invariants of scheduled callbacks."""

import pytest

from callbacks.models import Callback
from callbacks.tests.factories import CallbackFactory
from leads.tests.factories import LeadFactory


@pytest.mark.django_db
def test_callback_defaults_are_an_active_anyone_callback_with_status_callbk():
    lead = LeadFactory()
    callback = Callback.objects.create(
        lead=lead,
        list_id=lead.list_id,
        campaign_id=lead.list.campaign_id,
        entry_time=lead.entry_date,
        callback_time=lead.entry_date,
    )
    callback.refresh_from_db()
    assert (callback.status, callback.recipient, callback.lead_status) == (
        "ACTIVE",
        Callback.Recipient.ANYONE,
        "CALLBK",
    )


@pytest.mark.django_db
def test_callback_time_may_be_null_for_an_unreadable_time():
    """NULL stands for the original's zero date (a callback time that could not be read)."""
    callback = CallbackFactory(callback_time=None)
    callback.refresh_from_db()
    assert callback.callback_time is None


@pytest.mark.django_db
def test_useronly_callback_keeps_its_user():
    callback = CallbackFactory(recipient=Callback.Recipient.USERONLY, user="6666")
    callback.refresh_from_db()
    assert (callback.recipient, callback.user) == ("USERONLY", "6666")


def test_recipient_choices_are_useronly_and_anyone():
    assert set(Callback.Recipient.values) == {"USERONLY", "ANYONE"}


@pytest.mark.django_db
def test_callbacks_go_with_their_lead():
    callback = CallbackFactory()
    callback.lead.delete()
    assert not Callback.objects.exists()
