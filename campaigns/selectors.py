"""Read-only lookups about campaigns: configuration (cached), and which campaign's DNC list
applies (the DNC rule itself is ``leads.pipeline.dnc``)."""

from leadhub.db import config_cache

from . import models

CAMPAIGN_ID_WIDTH = models.Campaign._meta.get_field("campaign_id").max_length


def campaign_get(campaign_id: str) -> models.Campaign | None:
    """The campaign with this id, compared as the original's collation does: ignoring letter
    case and trailing spaces (D11). Cached (invalidated on change); None when unknown."""
    campaign_id = campaign_id.rstrip(" ") if campaign_id else ""
    if not campaign_id or len(campaign_id) > CAMPAIGN_ID_WIDTH:
        # No stored id is longer (and SQLite refuses LIKE patterns past 50,000 characters).
        return None

    def load() -> models.Campaign | None:
        exact = models.Campaign.objects.filter(campaign_id=campaign_id).first()
        if exact is not None:
            return exact
        # Ids differ in case only by mistake: the lowest id wins if two match (D18's rule).
        return (
            models.Campaign.objects.filter(campaign_id__iexact=campaign_id)
            .order_by("campaign_id")
            .first()
        )

    return config_cache.cached(("campaign", campaign_id), load)


def call_time_get(call_time_id: str) -> models.CallTime | None:
    """The call time with its state rules preloaded (cached), or None."""
    if not call_time_id:
        return None

    def load() -> models.CallTime | None:
        call_time = (
            models.CallTime.objects.filter(call_time_id=call_time_id)
            .prefetch_related("state_rules")
            .first()
        )
        if call_time is not None:
            list(call_time.state_rules.all())
        return call_time

    return config_cache.cached(("call_time", call_time_id), load)


def campaign_dnc_list_id(campaign: models.Campaign) -> str:
    """The campaign whose DNC list applies to ``campaign``: the one it borrows, spelt as
    stored when it exists (ids compare case-insensitively, D11), else its own."""
    other = campaign.use_other_campaign_dnc_id or ""
    if not other:
        return campaign.campaign_id
    borrowed = campaign_get(other)
    return borrowed.campaign_id if borrowed is not None else other
