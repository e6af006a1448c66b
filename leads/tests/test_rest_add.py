"""POST /api/v1/leads/: one lead through the pipeline, answered as the stored lead and its
outcome, or as an RFC 9457 problem document per refusal; ?dry_run=true writes nothing."""

import pytest

from callbacks.models import Callback
from campaigns.models import HopperEntry
from campaigns.tests.factories import CampaignDncFactory, CampaignFactory
from leads.models import AltPhone, Lead
from leads.tests.factories import (
    ApiUserFactory,
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
    UserGroupFactory,
)

from .rest_fixtures import *  # noqa: F403
from .rest_fixtures import RestClient, key_of

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
PROBLEM = "application/problem+json"


def test_added_lead_is_answered_201_with_the_stored_lead_and_outcome(rest):
    lead_list = LeadListFactory(list_id=5101)
    response = rest.post(
        LEADS,
        {"list_id": 5101, "phone_number": "7275551234", "first_name": "Ada", "last_name": "L"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Lead.objects.get()
    assert body["dry_run"] is False
    assert body["lead"]["lead_id"] == stored.lead_id == body["outcome"]["lead_id"]
    assert body["lead"]["list_id"] == lead_list.list_id
    assert body["lead"]["first_name"] == "Ada"
    assert body["outcome"]["added"] is True
    assert response["Location"] == f"/api/v1/leads/{stored.lead_id}/"
    assert stored.door == Lead.Door.REST
    assert stored.user == "restuser"


@pytest.mark.parametrize(
    "body",
    [
        {"list_id": 5101, "phone_number": "7275551234", "first_name": "Ada"},
        {
            "list_id": 5101,
            "phone_number": "7275551234",
            "comments": "x" * 300,
            "gender": "f",
            "state": "FLX",
            "postal_code": "33701",
            "date_of_birth": "1970-02-03",
            "rank": 9,
            "custom_fields": {"color": "blue"},
            "alt_phones": [{"number": "7275550001"}],
            "options": {"add_to_hopper": True, "time_zone": ["postal"], "lookup_state": True},
            "callback": {"when": "2030-01-02 10:00:00"},
        },
    ],
)
def test_the_answered_lead_is_the_lead_as_read_back(rest, body):
    """The lead in the answer (made from the lead as inserted) is the lead a read gives."""
    campaign = CampaignFactory(campaign_id="CAMPJ")
    lead_list = LeadListFactory(list_id=5101, campaign=campaign, keeps_custom_fields=True)
    CustomFieldDefinitionFactory(list=lead_list, field_label="color")
    response = rest.post(LEADS, body)
    assert response.status_code == 201, response.content
    answered = response.json()["lead"]
    read = rest.get(f"{LEADS}{answered['lead_id']}/").json()
    del read["alt_phones"]
    assert answered == read


def test_values_pass_the_legacy_filters_and_a_short_list_id_means_the_default_list(rest):
    """Same rules as the legacy door: the phone keeps digits, list ids below 100 -> 999."""
    response = rest.post(LEADS, {"list_id": 5, "phone_number": "(727) 555-1234"})
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.phone_number, lead.list_id) == ("7275551234", 999)


def test_hopper_custom_fields_alt_phones_and_callback_are_added_and_reported(rest):
    campaign = CampaignFactory(campaign_id="CAMPJ")
    lead_list = LeadListFactory(list_id=5102, campaign=campaign, keeps_custom_fields=True)
    CustomFieldDefinitionFactory(list=lead_list, field_label="color")
    response = rest.post(
        LEADS,
        {
            "list_id": 5102,
            "phone_number": "7275551235",
            "custom_fields": {"color": "blue"},
            "alt_phones": [{"number": "7275550001", "note": "work"}, {"number": "7275550002"}],
            "options": {"add_to_hopper": True, "hopper_priority": 7, "campaign_id": "CAMPJ"},
            "callback": {"when": "2030-01-02 10:00:00"},
        },
    )
    assert response.status_code == 201, response.content
    outcome = response.json()["outcome"]
    lead = Lead.objects.get()
    hopper = HopperEntry.objects.get()
    assert outcome["hopper"] == {"added": True, "hopper_id": hopper.hopper_id}
    assert hopper.priority == 7
    assert outcome["custom_fields"]["result"] == "added"
    assert lead.custom_values == {"color": "blue"}
    assert outcome["alt_phones"] == {"count": 2}
    assert list(AltPhone.objects.values_list("phone_number", "alt_phone_note")) == [
        ("7275550001", "work"),
        ("7275550002", ""),
    ]
    assert outcome["callback"]["result"] == "added"
    assert Callback.objects.get().lead_id == lead.lead_id
    assert lead.status == "CBHOLD"


def test_duplicate_is_a_409_problem_naming_the_existing_lead_and_list(rest):
    existing = LeadFactory(list=LeadListFactory(list_id=5103), phone_number="7275551236")
    response = rest.post(
        LEADS,
        {
            "list_id": 5103,
            "phone_number": "7275551236",
            "options": {"duplicate_checks": ["phone:list"]},
        },
    )
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/api/v1/problems/duplicate/"
    assert problem["status"] == 409
    assert problem["duplicate"] == {
        "lead_id": existing.lead_id,
        "list_id": 5103,
        "check": "phone:list",
        "check_code": "DUPLIST",
        "matched": "phone",
    }
    assert problem["detail"] == f"Duplicate of lead {existing.lead_id} in list 5103 (DUPLIST)"
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("phone", "options", "slug", "status", "extra"),
    [
        ("72755", {}, "invalid-phone", 422, {"phone_problem": "length"}),
        (
            "7271551237",
            {"usacan_prefix_check": True},
            "invalid-phone",
            422,
            {"phone_problem": "prefix"},
        ),
        ("9045512345", {"dnc": "number"}, "dnc", 422, {"reason": "dnc"}),
        ("9045599999", {"dnc": "areacode"}, "dnc", 422, {"reason": "dnc"}),
        ("7275559876", {"campaign_dnc": "number", "campaign_id": "CAMPD"}, "campaign-dnc", 422, {}),
        ("7275551238", {"list_exists_check": True}, "list-not-defined", 422, {}),
    ],
)
def test_each_refusal_has_its_own_problem_type_and_writes_nothing(
    rest, phone, options, slug, status, extra
):
    DncNumberFactory(phone_number="9045512345")
    DncNumberFactory(phone_number="904XXXXXXX")
    CampaignDncFactory(campaign=CampaignFactory(campaign_id="CAMPD"), phone_number="7275559876")
    response = rest.post(LEADS, {"list_id": 5999, "phone_number": phone, "options": options})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == f"/api/v1/problems/{slug}/"
    assert extra.items() <= problem.items()
    assert Lead.objects.count() == 0


def test_list_restricted_user_is_refused_another_groups_list(db):
    allowed = LeadListFactory(list_id=5201, campaign=CampaignFactory(campaign_id="CAMPOK"))
    LeadListFactory(list_id=5202, campaign=CampaignFactory(campaign_id="CAMPNO"))
    group = UserGroupFactory(user_group="RESTRICT", allowed_campaigns=" CAMPOK -")
    user = ApiUserFactory(profile__api_list_restrict=True, profile__user_group=group)
    rest = RestClient(key_of(user))
    refused = rest.post(LEADS, {"list_id": 5202, "phone_number": "7275551239"})
    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/v1/problems/list-not-allowed/"
    added = rest.post(LEADS, {"list_id": allowed.list_id, "phone_number": "7275551239"})
    assert added.status_code == 201


def test_dry_run_checks_everything_and_writes_nothing(rest):
    campaign = CampaignFactory(campaign_id="CAMPR")
    LeadListFactory(list_id=5301, campaign=campaign)
    body = {
        "list_id": 5301,
        "phone_number": "7275551240",
        "options": {"add_to_hopper": True},
        "alt_phones": [{"number": "7275550003"}],
    }
    response = rest.post(LEADS, body, dry_run="true")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["dry_run"] is True
    assert answer["lead"]["lead_id"] is None and answer["outcome"]["lead_id"] is None
    assert answer["lead"]["phone_number"] == "7275551240"
    assert answer["outcome"]["hopper"] == {"added": True, "hopper_id": None}
    assert (Lead.objects.count(), HopperEntry.objects.count(), AltPhone.objects.count()) == (
        0,
        0,
        0,
    )
    assert rest.post(LEADS, body).status_code == 201


def test_dry_run_refusal_is_the_same_problem_marked_dry_run(rest):
    DncNumberFactory(phone_number="9045512345")
    response = rest.post(
        LEADS, {"phone_number": "9045512345", "options": {"dnc": "number"}}, dry_run="1"
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/api/v1/problems/dnc/"
    assert response.json()["dry_run"] is True


def test_body_not_matching_the_schema_is_a_validation_problem(rest):
    response = rest.post(
        LEADS, {"phone_number": "7275551241", "options": {"dnc": "sometimes"}, "rank": -1}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/api/v1/problems/validation-error/"
    assert set(problem["errors"]) == {"options", "rank"}
    assert Lead.objects.count() == 0


def test_problem_type_uris_describe_their_reason(client):
    response = client.get("/api/v1/problems/duplicate/")
    assert response.status_code == 200
    assert response.json()["status"] == 409
    assert client.get("/api/v1/problems/no-such-reason/").status_code == 404


def test_json_door_leads_count_on_the_dashboard_as_their_own_door(rest):
    from django.utils import timezone

    from leads.statistics import leads_loaded_per_day

    assert rest.post(LEADS, {"phone_number": "7275551299"}).status_code == 201
    today = leads_loaded_per_day(days=1, now=timezone.now())[-1]
    assert (today.rest, today.api, today.total) == (1, 0, 1)
