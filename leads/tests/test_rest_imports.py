"""Import jobs over the JSON door: a file with its list, mapping and options is dry-run or
imported by the upload page's service; its progress and result files are read back."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from campaigns.tests.factories import CampaignFactory
from leads.models import ImportJob, Lead
from leads.tests.factories import ApiUserFactory, LeadFactory, LeadListFactory, UserGroupFactory

from .rest_fixtures import *  # noqa: F403
from .rest_fixtures import key_of

pytestmark = pytest.mark.django_db

CSV = b"Phone,First\r\n7275550001,Ann\r\n7275550002,Bob\r\n7275550001,Ann\r\n123,Bad\r\n"


@pytest.fixture(autouse=True)
def _media_and_inline_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _upload(key: str, *, query: str = "", **fields):
    data = {"file": SimpleUploadedFile("leads.csv", CSV, content_type="text/csv"), **fields}
    return Client().post(f"/api/v1/imports/{query}", data, HTTP_AUTHORIZATION=f"Api-Key {key}")


def _get(key: str, path: str):
    return Client().get(path, HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_import_runs_and_reports_progress_and_result_file(rest_user):
    LeadListFactory(list_id=6201)
    LeadFactory(list_id=6201, phone_number="7275550002")
    key = key_of(rest_user)
    options = {"duplicate_checks": ["phone:list"]}
    response = _upload(
        key,
        list_id=6201,
        mapping=json.dumps({"0": "phone_number", "1": "first_name"}),
        options=json.dumps(options),
    )
    assert response.status_code == 202, response.content
    location = response["Location"]
    progress = _get(key, location).json()
    assert progress["status"] == "done"
    assert progress["counts"]["added"] == 1
    assert progress["counts"]["duplicate_db"] == 1
    assert progress["counts"]["duplicate_file"] == 1
    assert Lead.objects.filter(list_id=6201).count() == 2
    result = _get(key, progress["result_csv"])
    assert result.status_code == 200 and result["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(result.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 5


def test_dry_run_import_writes_no_lead(rest_user):
    LeadListFactory(list_id=6202)
    key = key_of(rest_user)
    response = _upload(key, query="?dry_run=true", list_id=6202)
    assert response.status_code == 202, response.content
    progress = _get(key, response["Location"]).json()
    assert progress["status"] == "checked"
    assert progress["dry_run"]
    assert Lead.objects.count() == 0


def test_refused_settings_are_problems(rest_user):
    key = key_of(rest_user)
    no_list = _upload(key, list_id=6299)
    assert no_list.status_code == 422
    assert no_list.json()["type"] == "/api/v1/problems/import-not-configured/"
    bad_option = _upload(key, list_id=6299, options=json.dumps({"colour": "red"}))
    assert bad_option.json()["type"] == "/api/v1/problems/import-not-configured/"
    assert ImportJob.objects.filter(status="running").count() == 0


def test_unreadable_file_is_a_problem(rest_user):
    LeadListFactory(list_id=6203)
    data = {"file": SimpleUploadedFile("x.xlsx", b"not a workbook"), "list_id": 6203}
    response = Client().post(
        "/api/v1/imports/", data, HTTP_AUTHORIZATION=f"Api-Key {key_of(rest_user)}"
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/api/v1/problems/unreadable-file/"


def test_list_restricted_user_imports_only_into_allowed_lists(db):
    LeadListFactory(list_id=6204, campaign=CampaignFactory(campaign_id="NOIMP"))
    group = UserGroupFactory(user_group="IMPGROUP", allowed_campaigns=" OTHER -")
    user = ApiUserFactory(profile__api_list_restrict=True, profile__user_group=group)
    response = _upload(key_of(user), list_id=6204)
    assert response.status_code == 403
    assert response.json()["type"] == "/api/v1/problems/list-not-allowed/"


def test_jobs_of_other_users_are_not_found(rest_user):
    LeadListFactory(list_id=6205)
    response = _upload(key_of(rest_user), list_id=6205)
    stranger = key_of(ApiUserFactory())
    assert _get(stranger, response["Location"]).status_code == 404
