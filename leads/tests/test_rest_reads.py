"""The JSON door's reads (a lead, lead search in cursor pages, lists with counts, campaigns)
and DNC add/remove/check, under the legacy door's permissions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CampaignDnc
from campaigns.tests.factories import CampaignDncFactory, CampaignFactory
from leads.models import DncNumber
from leads.tests.factories import (
    AltPhoneFactory,
    ApiUserFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
    UserGroupFactory,
)

from .rest_fixtures import *  # noqa: F403
from .rest_fixtures import RestClient, key_of

pytestmark = pytest.mark.django_db


def test_lead_is_read_with_its_alt_phones(rest):
    lead = LeadFactory(phone_number="7275551234")
    AltPhoneFactory(lead=lead, alt_phone_count=1, phone_number="7275550001")
    response = rest.get(f"/api/v1/leads/{lead.lead_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["lead_id"] == lead.lead_id and body["phone_number"] == "7275551234"
    assert [alt["phone_number"] for alt in body["alt_phones"]] == ["7275550001"]
    missing = rest.get("/api/v1/leads/999999999/")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/api/v1/problems/not-found/"


def test_search_filters_and_follows_the_cursor(rest):
    target = LeadListFactory(list_id=5701)
    for n in range(5):
        LeadFactory(list=target, phone_number="7275550100", status="NEW" if n % 2 else "SALE")
    LeadFactory(phone_number="7275550100")
    LeadFactory(list=target, phone_number="7275550200")
    seen = []
    response = rest.get("/api/v1/leads/", phone_number="7275550100", list_id=5701, page_size=2)
    while True:
        page = response.json()
        seen += [(lead["list_id"], lead["phone_number"]) for lead in page["results"]]
        if not page["next"]:
            break
        response = rest.client.get(page["next"], HTTP_AUTHORIZATION=f"Api-Key {rest.key}")
    assert seen == [(5701, "7275550100")] * 5
    sales = rest.get("/api/v1/leads/", list_id=5701, status="SALE").json()["results"]
    assert len(sales) == 3


def test_search_by_update_time(rest):
    old = LeadFactory()
    later = timezone.now() + timedelta(seconds=1)
    assert rest.get("/api/v1/leads/", updated_since=later.isoformat()).json()["results"] == []
    since = (timezone.now() - timedelta(minutes=1)).isoformat()
    ids = [
        lead["lead_id"]
        for lead in rest.get("/api/v1/leads/", updated_since=since).json()["results"]
    ]
    assert ids == [old.lead_id]


def test_list_restricted_user_reads_only_its_groups_lists_and_leads(db):
    mine = LeadListFactory(list_id=5801, campaign=CampaignFactory(campaign_id="MINE"))
    other = LeadListFactory(list_id=5802, campaign=CampaignFactory(campaign_id="OTHER"))
    LeadFactory(list=mine)
    hidden = LeadFactory(list=other)
    group = UserGroupFactory(user_group="MINEONLY", allowed_campaigns=" MINE -")
    rest = RestClient(
        key_of(ApiUserFactory(profile__api_list_restrict=True, profile__user_group=group))
    )
    assert [row["list_id"] for row in rest.get("/api/v1/lists/").json()] == [5801]
    assert [lead["list_id"] for lead in rest.get("/api/v1/leads/").json()["results"]] == [5801]
    assert rest.get(f"/api/v1/leads/{hidden.lead_id}/").status_code == 404


def test_lists_carry_their_lead_counts_and_campaigns_are_listed(rest):
    campaign = CampaignFactory(campaign_id="COUNTS")
    counted = LeadListFactory(list_id=5901, campaign=campaign)
    LeadFactory.create_batch(3, list=counted)
    rows = {row["list_id"]: row for row in rest.get("/api/v1/lists/").json()}
    assert rows[5901]["lead_count"] == 3 and rows[5901]["campaign_id"] == "COUNTS"
    assert "COUNTS" in [row["campaign_id"] for row in rest.get("/api/v1/campaigns/").json()]


def test_dnc_add_check_remove_on_the_system_list(rest):
    added = rest.post("/api/v1/dnc/", {"phone_number": "(727) 555-0000"})
    assert added.status_code == 201
    assert added.json() == {"phone_number": "7275550000", "campaign_id": None, "changed": True}
    assert rest.post("/api/v1/dnc/", {"phone_number": "7275550000"}).status_code == 200
    check = rest.get("/api/v1/dnc/7275550000/").json()
    assert check["blocked"] is True and check["system"] == ["7275550000"]
    assert rest.delete("/api/v1/dnc/7275550000/").json()["changed"] is True
    assert rest.get("/api/v1/dnc/7275550000/").json()["blocked"] is False
    assert DncNumber.objects.count() == 0


def test_dnc_check_finds_wildcards_and_the_campaigns_borrowed_list(rest):
    lender = CampaignFactory(campaign_id="LENDER")
    CampaignFactory(campaign_id="BORROW", use_other_campaign_dnc=lender)
    CampaignDncFactory(campaign=lender, phone_number="727XXXXXXX")
    DncNumberFactory(phone_number="7275551111")
    check = rest.get("/api/v1/dnc/7275551111/", campaign_id="BORROW").json()
    assert check == {
        "phone_number": "7275551111",
        "blocked": True,
        "system": ["7275551111"],
        "campaign": ["727XXXXXXX"],
    }


def test_dnc_on_a_campaigns_own_list_and_refusals(rest):
    CampaignFactory(campaign_id="OWN")
    assert (
        rest.post("/api/v1/dnc/", {"phone_number": "212XXXXXXX", "campaign_id": "OWN"}).status_code
        == 201
    )
    assert CampaignDnc.objects.filter(campaign_id="OWN", phone_number="212XXXXXXX").exists()
    assert (
        rest.post("/api/v1/dnc/", {"phone_number": "12", "campaign_id": "OWN"}).status_code == 400
    )
    assert (
        rest.post("/api/v1/dnc/", {"phone_number": "2125550000", "campaign_id": "NONE"}).status_code
        == 404
    )


def test_dnc_changes_need_the_add_permission_but_checks_do_not(db):
    reader = ApiUserFactory(profile__modify_leads=0)
    rest = RestClient(key_of(reader))
    assert rest.get("/api/v1/dnc/7275550000/").status_code == 200
    refused = rest.post("/api/v1/dnc/", {"phone_number": "7275550000"})
    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/v1/problems/user-not-permitted/"
