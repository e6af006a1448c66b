"""The JSON door against its own OpenAPI schema: schemathesis generates requests for every
operation from /api/v1/schema/ (at most 30 examples each) and sends them to a live server
with a valid API key. No answer may be a server error, and every answer must match the
schema: a documented status, its content type, its body schema.

The schema is generated at collection time (schemathesis parametrizes the test per
operation then), and the live server must serve that very document at /api/v1/schema/.
(schemathesis' lazy fixture loader does not run on pytest 9.)
"""

import json
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaigns.tests.factories import CampaignFactory
from leads.tests.factories import ApiUserFactory, LeadFactory, LeadListFactory
from leads.tests.rest_fixtures import key_of

MAX_EXAMPLES = 30
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_key(transactional_db, settings, tmp_path) -> str:
    """Some state to read and collide with, and a key that may do everything. Uploaded
    import files go to a temporary folder; their jobs wait in the task queue."""
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign = CampaignFactory(campaign_id="SCHEMA")
    lead_list = LeadListFactory(list_id=7101, campaign=campaign)
    LeadFactory.create_batch(3, list=lead_list)
    return key_of(ApiUserFactory(profile__user_level=9), throttle_rate="1000000/min")


def _schema_document() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    # The JSON round trip gives the document as served (plain types, no lazy strings).
    return json.loads(json.dumps(SchemaGenerator().get_schema(public=True), default=str))


DOCUMENT = _schema_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_live_server_serves_the_tested_schema(live_server):
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read()) == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_the_schema(case, live_server, api_key):
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Api-Key {api_key}"},
        checks=CHECKS,
    )
