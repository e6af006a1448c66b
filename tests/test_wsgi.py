"""leadhub.wsgi: the legacy API's lean handler and Django's full one, as gunicorn calls them."""

from unittest import mock

import pytest
from django.test import RequestFactory

from leadhub.wsgi import application
from leads.api import views
from leads.models import Lead

# From `manage.py load_demo`.
ADD = {"source": "wsgitest", "user": "6666", "pass": "1234", "function": "add_lead"}


def _call(path: str, params: dict[str, str]) -> tuple[str, dict[str, str], str]:
    return _run(RequestFactory().get(path, params).environ)


def _run(environ: dict) -> tuple[str, dict[str, str], str]:
    """Call the WSGI application as a server does: (status, headers, body)."""
    started = []
    response = application(environ, lambda status, headers: started.append((status, headers)))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()
    status, headers = started[0]
    return status, dict(headers), body


@pytest.mark.parametrize("path", ["/API/lmapi.php", "/vicidial/non_agent_api.php"])
def test_both_legacy_urls_add_a_lead_through_the_lean_handler(demo, path):
    status, headers, body = _call(path, {**ADD, "phone_number": "7275553131", "list_id": "101"})

    assert status == "200 OK"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275553131|6666|101|")
    assert Lead.objects.filter(phone_number="7275553131").count() == 1


def test_an_unexpected_error_in_the_api_view_is_a_500(db, monkeypatch):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "request_params", broken)

    status, _, _ = _call("/API/lmapi.php", {"function": "version"})

    assert status.startswith("500 ")


def test_other_urls_go_through_the_middleware(db):
    status, headers, _ = _call("/admin/login/", {})

    assert status == "200 OK"
    # Set by XFrameOptionsMiddleware, which the legacy API's handler skips.
    assert headers["X-Frame-Options"] == "DENY"


def test_the_lean_handler_serves_exactly_the_urls_routed_to_the_api_view():
    """The fast path takes its URLs from leadhub/urls.py, so a legacy URL added there is
    served lean too, and no other URL ever is."""
    from django.urls import reverse

    from leadhub.wsgi import LEGACY_API_PATHS

    assert {reverse("lmapi"), reverse("non_agent_api")} == LEGACY_API_PATHS


def test_request_signals_reach_a_receiver_connected_to_them_through_the_lean_handler(demo):
    """The lean handler calls Django's own request receivers without the dispatch, but any
    other receiver connected to request_started or request_finished is still called."""
    from django.core import signals

    from leadhub.wsgi import LegacyApiHandler

    heard = []

    def started(sender, **kwargs):
        heard.append(("started", sender))

    def finished(sender, **kwargs):
        heard.append(("finished", sender))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        status, _, _ = _call("/API/lmapi.php", {"function": "version"})
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)

    assert status == "200 OK"
    assert heard == [("started", LegacyApiHandler), ("finished", LegacyApiHandler)]


def _post_json(body: dict, **headers: str) -> tuple[str, dict[str, str], str]:
    import json

    environ = (
        RequestFactory()
        .post("/api/v1/leads/", json.dumps(body), content_type="application/json", headers=headers)
        .environ
    )
    return _run(environ)


def test_a_json_add_with_an_api_key_takes_the_api_key_handler_with_security_headers(demo):
    """POST /api/v1/leads/ with an Api-Key skips sessions, CSRF and the rest, but keeps the
    security middleware's headers and frame options."""
    from leadhub import wsgi
    from leads.tests.rest_fixtures import key_of

    key = key_of(demo_user())
    with mock.patch.object(wsgi, "django_application", side_effect=AssertionError("full handler")):
        status, headers, body = _post_json(
            {"phone_number": "7275553232", "list_id": 101}, authorization=f"Api-Key {key}"
        )
    assert status == "201 Created", body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert Lead.objects.filter(phone_number="7275553232").count() == 1


@pytest.mark.parametrize(
    ("path", "method", "headers", "lean"),
    [
        ("/api/v1/leads/", "POST", {"HTTP_AUTHORIZATION": "Api-Key abc.def"}, True),
        ("/api/v1/leads/", "POST", {"HTTP_AUTHORIZATION": "api-key abc.def"}, True),
        ("/api/v1/leads/", "GET", {"HTTP_AUTHORIZATION": "Api-Key abc.def"}, False),
        ("/api/v1/leads/batch/", "POST", {"HTTP_AUTHORIZATION": "Api-Key abc.def"}, False),
        ("/api/v1/leads/", "POST", {}, False),
        ("/api/v1/leads/", "POST", {"HTTP_AUTHORIZATION": "Basic eDp5"}, False),
        (
            "/api/v1/leads/",
            "POST",
            {"HTTP_AUTHORIZATION": "Api-Key abc.def", "HTTP_COOKIE": "sessionid=x"},
            False,
        ),
    ],
)
def test_only_a_json_single_add_by_api_key_alone_skips_the_middleware(path, method, headers, lean):
    """A session cookie, another credential, another method or path: Django's full handler."""
    from leadhub.wsgi import _api_key_add

    assert _api_key_add({"PATH_INFO": path, "REQUEST_METHOD": method, **headers}) is lean


def demo_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="6666")
