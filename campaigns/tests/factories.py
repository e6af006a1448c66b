"""factory-boy factories for the campaigns app (call times, campaigns, campaign DNC, hopper)."""

import factory
from factory.django import DjangoModelFactory

from campaigns.models import CallTime, Campaign, CampaignDnc, HopperEntry, StateCallTime


class StateCallTimeFactory(DjangoModelFactory):
    class Meta:
        model = StateCallTime
        django_get_or_create = ("state_call_time_id",)

    state_call_time_id = factory.Sequence(lambda n: f"st{n}")
    state = "FL"
    name = factory.LazyAttribute(lambda o: f"{o.state} window")
    default_start = 900
    default_stop = 2100


class CallTimeFactory(DjangoModelFactory):
    """A call time with only a default window (every weekday 0-0 falls back to it)."""

    class Meta:
        model = CallTime
        django_get_or_create = ("call_time_id",)
        skip_postgeneration_save = True

    call_time_id = factory.Sequence(lambda n: f"ct{n}")
    name = factory.LazyAttribute(lambda o: f"Call time {o.call_time_id}")
    default_start = 900
    default_stop = 2100

    @factory.post_generation
    def state_rules(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.state_rules.set(extracted)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("campaign_id",)

    campaign_id = factory.Sequence(lambda n: f"CAMP{n}")
    campaign_name = factory.LazyAttribute(lambda o: f"Campaign {o.campaign_id}")
    active = True
    local_call_time = factory.SubFactory(CallTimeFactory)
    use_other_campaign_dnc = None


class CampaignDncFactory(DjangoModelFactory):
    class Meta:
        model = CampaignDnc

    campaign = factory.SubFactory(CampaignFactory)
    phone_number = factory.Sequence(lambda n: f"31055{n % 100000:05d}")


class HopperEntryFactory(DjangoModelFactory):
    """A hopper row copied from its lead, as the pipeline writes it."""

    class Meta:
        model = HopperEntry

    lead = factory.SubFactory("leads.tests.factories.LeadFactory")
    campaign_id = factory.LazyAttribute(lambda o: o.lead.list.campaign_id or "")
    list_id = factory.LazyAttribute(lambda o: o.lead.list_id)
    status = "READY"
    priority = 0
    gmt_offset_now = factory.LazyAttribute(lambda o: o.lead.gmt_offset_now)
    state = factory.LazyAttribute(lambda o: o.lead.state)
    source = "P"
    vendor_lead_code = factory.LazyAttribute(lambda o: o.lead.vendor_lead_code)
