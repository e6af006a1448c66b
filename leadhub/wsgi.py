"""WSGI entry point (gunicorn leadhub.wsgi).

The legacy text API is served by a handler without middleware: it needs no sessions, users,
messages, CSRF or frame options, and it is the hot path (callers post leads continuously).
The JSON door's single add (``POST /api/v1/leads/`` with an ``Api-Key`` authorization) goes
through the security headers' middleware only: an API key is its only credential, so it
reads no session, cookie or CSRF token, and its view is DRF's (URL resolution, rendering and
exception handling as usual). Everything else goes through Django's usual handler and
middleware.
"""

import contextlib
import gc
import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.cache import close_caches  # noqa: E402
from django.core.handlers.base import reset_urlconf  # noqa: E402
from django.core.handlers.wsgi import get_script_name  # noqa: E402
from django.db import close_old_connections, reset_queries  # noqa: E402
from django.urls import URLPattern, get_resolver, reverse, set_script_prefix  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from leads.api.body import count_unsized_body  # noqa: E402  (needs the apps loaded above)
from leads.api.views import lmapi  # noqa: E402
from leads.rest.auth import KEYWORD  # noqa: E402


def legacy_api_paths() -> frozenset[str]:
    """The paths the URL configuration routes to the legacy API view: declared once, in
    leadhub/urls.py (plain top-level routes, as the legacy URLs are)."""
    return frozenset(
        "/" + str(pattern.pattern)
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern) and pattern.callback is lmapi
    )


LEGACY_API_PATHS = legacy_api_paths()


class _RequestSignal:
    """One of Django's request signals, whose receivers are called directly (without the
    dispatch, which costs more than they do) while they are exactly Django's own; any other
    receiver connected, and it is sent as usual."""

    def __init__(self, signal, own: tuple) -> None:
        self.signal = signal
        self.own = own
        self.receivers = list(signal.receivers) if self._only_own() else None

    def _only_own(self) -> bool:
        return tuple(reference() for _, reference, _ in self.signal.receivers) == self.own

    def send(self, sender, **named) -> None:
        if self.signal.receivers != self.receivers:
            self.signal.send(sender=sender, **named)
            return
        for receiver in self.own:
            receiver(sender=sender, **named)


REQUEST_STARTED = _RequestSignal(signals.request_started, (reset_queries, close_old_connections))
REQUEST_FINISHED = _RequestSignal(
    signals.request_finished, (close_old_connections, close_caches, reset_urlconf)
)


class _LegacyApiResponse:
    """What the server iterates and closes: the response's bytes; on close, its resource
    closers and ``request_finished``, as ``HttpResponse.close`` does."""

    def __init__(self, response) -> None:
        self.response = response

    def __iter__(self):
        return iter(self.response)

    def close(self) -> None:
        response = self.response
        for closer in response._resource_closers:
            # As HttpResponse.close: a failing closer never fails the response.
            with contextlib.suppress(Exception):
                closer()
        response._resource_closers.clear()
        response.closed = True
        REQUEST_FINISHED.send(LegacyApiHandler)


class LegacyApiHandler(WSGIHandler):
    """Django's handler with an empty middleware chain that calls the API view directly: its
    two fixed URLs need no URL resolution. Django's request signals (connection upkeep) and
    exception handling (a logged 500) stay as they are; the signals skip their dispatch
    while only Django's own receivers listen (``_RequestSignal``)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(lmapi)

    def __call__(self, environ, start_response):
        # WSGIHandler.__call__ for a plain text response (no cookies, no file to stream).
        set_script_prefix(get_script_name(environ))
        REQUEST_STARTED.send(self.__class__, environ=environ)
        response = self.get_response(self.request_class(environ))
        response._handler_class = self.__class__
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return _LegacyApiResponse(response)


legacy_api_application = LegacyApiHandler()


class ApiKeyHandler(WSGIHandler):
    """Django's handler with the middleware an API-key request needs: the security headers
    (and HTTPS redirect) and the frame options, in their configured order; no sessions,
    authentication, messages, CSRF, lockouts or static files."""

    middleware = (
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    )

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed([path for path in settings.MIDDLEWARE if path in self.middleware]):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler


api_key_application = ApiKeyHandler()
REST_ADD_PATH = reverse("rest:leads")


def _api_key_add(environ) -> bool:
    """A JSON single add authenticated by an API key, and by nothing else (no cookie)."""
    return (
        environ.get("PATH_INFO") == REST_ADD_PATH
        and environ.get("REQUEST_METHOD") == "POST"
        and environ.get("HTTP_AUTHORIZATION", "")[: len(KEYWORD) + 1].lower()
        == f"{KEYWORD.lower()} "
        and not environ.get("HTTP_COOKIE")
    )


def application(environ, start_response):
    if environ.get("PATH_INFO") in LEGACY_API_PATHS:
        # A chunked body gets a length (read up to the limit) that the view then checks.
        count_unsized_body(environ)
        return legacy_api_application(environ, start_response)
    if _api_key_add(environ):
        return api_key_application(environ, start_response)
    return django_application(environ, start_response)


# What is loaded by now (Django, the apps, their modules: about 115,000 objects) lives as long
# as the process. Moved out of the garbage collector's reach, a full collection (which Python
# runs now and then under load) no longer walks it all: about 50 ms on the request path
# before, under 1 ms after (measured in-process after 600 adds).
gc.collect()
gc.freeze()
