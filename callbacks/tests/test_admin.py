"""The callback add form needs only the lead: list, campaign and entry time come from the
lead and the clock when left empty."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from callbacks.models import Callback
from campaigns.tests.factories import CampaignFactory
from leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def test_an_empty_list_campaign_and_entry_time_are_the_leads_and_now(admin_client):
    campaign = CampaignFactory()
    lead = LeadFactory(list=LeadListFactory(campaign=campaign))
    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(
            reverse("admin:callbacks_callback_add"),
            {
                "lead": lead.pk,
                "status": "ACTIVE",
                "recipient": "ANYONE",
                "lead_status": "CALLBK",
                "callback_time_0": "2026-03-03",
                "callback_time_1": "10:00:00",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    callback = Callback.objects.get()
    assert (callback.list_id, callback.campaign_id) == (lead.list_id, campaign.pk)
    assert callback.entry_time == NOW


def test_given_values_are_kept(admin_client):
    lead = LeadFactory()
    response = admin_client.post(
        reverse("admin:callbacks_callback_add"),
        {
            "lead": lead.pk,
            "list_id": "4242",
            "campaign_id": "OTHER",
            "entry_time_0": "2026-01-01",
            "entry_time_1": "09:00:00",
            "status": "ACTIVE",
            "recipient": "ANYONE",
            "lead_status": "CALLBK",
        },
    )
    assert response.status_code == 302
    callback = Callback.objects.get()
    assert (callback.list_id, callback.campaign_id) == (4242, "OTHER")
