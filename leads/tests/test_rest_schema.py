"""/api/v1/schema/: the OpenAPI 3 document drf-spectacular generates (valid, every field
described, an example per refusal), and its Swagger UI and Redoc pages served without a CDN."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3():
    from django.core.management import call_command

    # --validate checks the document against the OpenAPI 3 meta-schema; --fail-on-warn makes
    # any field spectacular could not type an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def _fields(schema: dict):
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            yield name, field, spec


def test_every_field_is_described(schema):
    undescribed = [
        f"{name}.{field}"
        for name, field, spec in _fields(schema)
        if not spec.get("description")
        and "$ref" not in spec
        and "allOf" not in spec
        # Model fields of stored rows are the lead's columns, named as the legacy API's.
        and name not in {"Lead", "LeadDetail", "AltPhoneOut", "Campaign", "LeadList"}
    ]
    assert undescribed == []


def test_add_operation_shows_an_example_for_each_refusal(schema):
    from leads.outcomes import Rejection
    from leads.rest.problems import REJECTION_PROBLEMS

    responses = schema["paths"]["/api/v1/leads/"]["post"]["responses"]
    shown = {
        (status, example["value"]["type"])
        for status, answer in responses.items()
        for content in answer.get("content", {}).values()
        for example in content.get("examples", {}).values()
        if "type" in example["value"]
    }
    wanted = {(str(REJECTION_PROBLEMS[r].status), REJECTION_PROBLEMS[r].uri) for r in Rejection}
    assert wanted <= shown


def test_api_key_is_the_security_scheme(schema):
    assert schema["components"]["securitySchemes"]["ApiKey"]["in"] == "header"


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_load_their_scripts_from_this_server(client, path):
    page = client.get(path).content.decode()
    assert "drf_spectacular_sidecar" in page
    assert "cdn" not in page.lower()
    assert "https://" not in page
