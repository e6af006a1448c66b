"""leadhub.wsgi: the legacy API's lean handler and Django's full one, as gunicorn calls them."""

import pytest
from django.test import RequestFactory

from leadhub.wsgi import application
from leads.api import views
from leads.models import Lead

# From `manage.py load_demo`.
ADD = {"source": "wsgitest", "user": "6666", "pass": "1234", "function": "add_lead"}


def _call(path: str, params: dict[str, str]) -> tuple[str, dict[str, str], str]:
    environ = RequestFactory().get(path, params).environ
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
