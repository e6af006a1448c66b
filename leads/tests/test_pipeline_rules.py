"""The pipeline's rules (``leads.pipeline``): each rule's single form is its batch form with
one candidate, and the campaign DNC rule (moved here from campaigns: the rule is the
pipeline's, campaigns only say whose list applies)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.selectors import campaign_get
from campaigns.tests.factories import CampaignDncFactory, CampaignFactory
from leads.outcomes import DuplicateCheck
from leads.pipeline.dnc import (
    campaign_dnc_blocked,
    dnc_blocked_phones,
    dnc_number_blocked,
    system_dnc_entries,
)
from leads.pipeline.duplicates import Candidate, duplicate_find
from leads.pipeline.duplicates_batch import DuplicateBatch
from leads.services.request import DncMode, DuplicatePolicy
from leads.tests.factories import DncNumberFactory, LeadFactory, LeadListFactory

# --- DNC ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("match_areacode", [False, True])
def test_campaign_dnc_blocks_the_exact_number_in_that_campaign_only(match_areacode):
    dnc = CampaignDncFactory(phone_number="7275550000")
    other = CampaignFactory()
    blocked = campaign_dnc_blocked
    assert blocked(dnc.campaign_id, "7275550000", match_areacode=match_areacode)
    assert not blocked(dnc.campaign_id, "7275550001", match_areacode=match_areacode)
    assert not blocked(other.campaign_id, "7275550000", match_areacode=match_areacode)


@pytest.mark.django_db
def test_campaign_dnc_area_code_wildcard_blocks_only_with_match_areacode():
    dnc = CampaignDncFactory(phone_number="727XXXXXXX")
    assert campaign_dnc_blocked(dnc.campaign_id, "7275551234", match_areacode=True)
    assert not campaign_dnc_blocked(dnc.campaign_id, "7275551234", match_areacode=False)
    assert not campaign_dnc_blocked(dnc.campaign_id, "2125551234", match_areacode=True)


@pytest.mark.django_db
def test_campaign_dnc_with_use_other_campaign_dnc_checks_that_list_instead():
    """Contract §3.10 step 2: the other campaign's list replaces the campaign's own."""
    lender = CampaignDncFactory(phone_number="2125550000").campaign
    borrower = CampaignFactory(use_other_campaign_dnc=lender)
    CampaignDncFactory(campaign=borrower, phone_number="3105550000")
    assert campaign_dnc_blocked(borrower.campaign_id, "2125550000", match_areacode=False)
    assert not campaign_dnc_blocked(borrower.campaign_id, "3105550000", match_areacode=False)


@pytest.mark.django_db
@pytest.mark.parametrize("campaign_id", ["NOSUCH", ""])
def test_campaign_dnc_for_an_unknown_or_empty_campaign_blocks_nothing(campaign_id):
    """D14/D15: a missing or unknown campaign_id makes the check pass silently."""
    CampaignDncFactory(phone_number="7275550000")
    CampaignDncFactory(phone_number="727XXXXXXX")
    assert not campaign_dnc_blocked(campaign_id, "7275550000", match_areacode=True)


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["lower", "trailing space"])
def test_campaign_ids_a_request_names_compare_without_case_or_trailing_spaces(spelling):
    """D11: a lower-case campaign_id (or one with trailing spaces) still finds the campaign
    and its DNC list, as the original's case-insensitive collation did."""
    dnc = CampaignDncFactory(phone_number="7275550000", campaign__campaign_id="SALES1")
    named = "sales1" if spelling == "lower" else "SALES1  "
    assert campaign_get(named) == dnc.campaign
    assert campaign_dnc_blocked(named, "7275550000", match_areacode=False)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [DncMode.NUMBER, DncMode.AREACODE])
def test_dnc_batch_blocks_what_the_single_form_blocks(mode):
    """One query for many numbers answers as one check per number (wildcards included)."""
    DncNumberFactory(phone_number="7275550000")
    DncNumberFactory(phone_number="212XXXXXXX")
    phones = ["7275550000", "7275550001", "2125551234", "3105550000"]
    area = mode is DncMode.AREACODE
    expected = {p for p in phones if dnc_number_blocked(p, match_areacode=area)}
    assert dnc_blocked_phones(system_dnc_entries(), mode, phones) == expected
    assert expected == ({"7275550000", "2125551234"} if area else {"7275550000"})


# --- duplicates ---------------------------------------------------------------------------


def _candidate(phone, list_id, *, title="", alt="", first="", last=""):
    return Candidate(phone, list_id, title, alt, first, last)


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("check", list(DuplicateCheck))
def test_single_and_batch_duplicate_checks_find_the_same_lead(check, campaign):
    """``duplicate_find`` (the API's add) and ``DuplicateBatch`` (the importer) give the same
    hit for each of the 12 checks, through the same keys and query."""
    own = LeadListFactory(list_id=5001, campaign=campaign)
    sibling = LeadListFactory(list_id=5002, campaign=campaign)
    LeadListFactory(list_id=5003)
    LeadFactory(
        list=sibling,
        phone_number="7275550001",
        title="Dr",
        alt_phone="8135550001",
        first_name="Ann",
        last_name="Lee",
    )
    LeadFactory(list=own, phone_number="9995550009", alt_phone="7275550002")
    policy = DuplicatePolicy(checks=(check,))
    now = timezone.now()
    candidates = [
        _candidate(
            "7275550001", own.list_id, title="DR ", alt="8135550001", first="ann", last="LEE"
        ),
        _candidate("7275550002", own.list_id),
        _candidate("7275550001", 5003, title="Dr", alt="8135550001", first="Ann", last="Lee"),
    ]
    batch = DuplicateBatch(policy)
    found = batch.look_up(candidates, None)
    for candidate in candidates:
        single = duplicate_find(policy, candidate, now=now)
        assert batch.first_duplicate(candidate, found) == single


@pytest.mark.django_db
def test_a_duplicate_window_ignores_older_leads_in_both_forms():
    target = LeadListFactory(list_id=5001)
    lead = LeadFactory(list=target, phone_number="7275550001")
    lead.entry_date = timezone.now() - timedelta(days=10)
    lead.save()
    candidate = _candidate("7275550001", target.list_id)
    now = timezone.now()
    for days, found in ((7, False), (30, True)):
        policy = DuplicatePolicy(checks=(DuplicateCheck.LIST,), days=days)
        assert (duplicate_find(policy, candidate, now=now) is not None) is found
        batch = DuplicateBatch(policy)
        since = now - timedelta(days=days)
        hit = batch.first_duplicate(candidate, batch.look_up([candidate], since))
        assert (hit is not None) is found
