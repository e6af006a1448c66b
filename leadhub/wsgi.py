"""WSGI entry point (gunicorn leadhub.wsgi).

The legacy text API is served by a handler without middleware: it needs no sessions, users,
messages, CSRF or frame options, and it is the hot path (callers post leads continuously).
Everything else goes through Django's usual handler and middleware.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
django_application = get_wsgi_application()

from django.urls import URLPattern, get_resolver  # noqa: E402

from leads.api.body import count_unsized_body  # noqa: E402  (needs the apps loaded above)
from leads.api.views import lmapi  # noqa: E402


def legacy_api_paths() -> frozenset[str]:
    """The paths the URL configuration routes to the legacy API view: declared once, in
    leadhub/urls.py (plain top-level routes, as the legacy URLs are)."""
    return frozenset(
        "/" + str(pattern.pattern)
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern) and pattern.callback is lmapi
    )


LEGACY_API_PATHS = legacy_api_paths()


class LegacyApiHandler(WSGIHandler):
    """Django's handler with an empty middleware chain that calls the API view directly: its
    two fixed URLs need no URL resolution. Django's request signals (connection upkeep) and
    exception handling (a logged 500) stay as they are."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(lmapi)


legacy_api_application = LegacyApiHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") in LEGACY_API_PATHS:
        # A chunked body gets a length (read up to the limit) that the view then checks.
        count_unsized_body(environ)
        return legacy_api_application(environ, start_response)
    return django_application(environ, start_response)
