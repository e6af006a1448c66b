"""factory-boy factories for the callbacks app."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from callbacks.models import Callback


class CallbackFactory(DjangoModelFactory):
    """An ANYONE callback due tomorrow, for a lead of a list in a campaign."""

    class Meta:
        model = Callback

    lead = factory.SubFactory("leads.tests.factories.LeadFactory", status="CBHOLD")
    list_id = factory.LazyAttribute(lambda o: o.lead.list_id)
    campaign_id = factory.LazyAttribute(lambda o: o.lead.list.campaign_id or "")
    status = "ACTIVE"
    entry_time = factory.LazyFunction(timezone.now)
    callback_time = factory.LazyAttribute(lambda o: o.entry_time + datetime.timedelta(days=1))
    user = ""
    recipient = Callback.Recipient.ANYONE
    comments = ""
    user_group = ""
    lead_status = "CALLBK"
