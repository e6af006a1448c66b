"""The legacy text API: /API/lmapi.php and /vicidial/non_agent_api.php (D1), a DRF view.

DRF with the legacy dialect: the parameters are read as PHP reads them (``params``), never by
DRF's parsers; the caller logs in with the ``user`` and ``pass`` parameters inside the view
(lockouts, D7), so no DRF authentication class runs; the answer is plain text whatever the
``Accept`` header asks (``TextRenderer``). The user checks and the per-user rate limit are the
ones the JSON door uses (``leads.api_access``).
"""

import math
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from leadhub.client_address import client_address
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock_statement, dedupe_locks_held

from ..api_access import ApiUserRateThrottle, UserGroupMissing, allowed_list_ids
from ..rules import clean_value
from ..selectors import system_settings_get
from ..services import LeadActor, LeadRequest, lead_add
from ..services.add import lead_add_lock_keys
from . import formatting
from .auth import LoginResult, api_login
from .body import body_too_large, drop_file_parts
from .params import last_body_value, request_params, request_without_password
from .parser import lead_request_parse

LIST_RESTRICTED_FUNCTIONS = frozenset(
    {
        "add_lead",
        "update_lead",
        "batch_update_lead",
        "update_list",
        "list_info",
        "list_custom_fields",
        "lead_search",
    }
)
SOURCE_LOG_WIDTH = 20


# D2: plain text, never sniffed as HTML, since lines echo caller input.
RESPONSE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache, must-revalidate",
    "Pragma": "no-cache",
}


class TextRenderer(BaseRenderer):
    """Response lines as the legacy wire prints them: each line's text and a newline."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return "".join(f"{line.text}\n" for line in data).encode("utf-8")


TEXT = TextRenderer()
TEXT_CONTENT_TYPE = f"{TextRenderer.media_type}; charset={TextRenderer.charset}"


def _response(lines: list[formatting.Line], status: int = 200, **headers: str) -> HttpResponse:
    # The renderer's bytes in a plain response rather than DRF's Response: a template response
    # cost the hot path about 130,000 more instructions per add (bench/RESULTS.md), for the
    # same bytes and headers (content type from the renderer, as DRF sets it).
    return HttpResponse(
        TEXT.render(lines),
        status=status,
        content_type=TEXT_CONTENT_TYPE,
        headers={**RESPONSE_HEADERS, **headers} if headers else RESPONSE_HEADERS,
    )


class LegacyApiView(APIView):
    """Any method, one answer (the original reads GET and POST parameters alike)."""

    authentication_classes = ()
    permission_classes = ()
    # The per-user limit needs the user, known after the login: checked there (``_answer``).
    throttle_classes = ()
    parser_classes = ()
    renderer_classes = (TextRenderer,)
    schema = None  # not in the JSON door's OpenAPI document: the contract describes it

    @property
    def default_response_headers(self) -> dict[str, str]:
        # No Allow or Vary: the legacy door's headers are exactly RESPONSE_HEADERS (D2).
        return {}

    def initial(self, request, *args, **kwargs) -> None:
        # Nothing to negotiate, authenticate, permit or throttle before the view runs (the
        # declarations above are empty): the answer is text whatever the Accept header asks,
        # and the login and the per-user limit need the parameters the view reads. Skipping
        # DRF's empty rounds keeps the hot path within its instruction budget.
        request.accepted_renderer = TEXT
        request.accepted_media_type = TextRenderer.media_type

    def get(self, request, *args, **kwargs) -> HttpResponse:
        return _answer(request._request)

    post = put = patch = delete = head = options = trace = get


def _answer(request: HttpRequest) -> HttpResponse:
    """Parse the query, authenticate, call the lead pipeline, print its lines (contract §1)."""
    started = time.monotonic()
    now = timezone.now()
    if body_too_large(request.META):
        return _response([formatting.body_too_large()], status=413)
    drop_file_parts(request)
    try:
        params = request_params(request)
        last_value = last_body_value(request)
    except (TooManyFieldsSent, RequestDataTooBig):
        return _response([formatting.no_function()])
    non_latin = system_settings_get().use_non_latin
    function = clean_value("function", params.get("function", ""), non_latin=non_latin)
    if function == "version":
        local = timezone.localtime(now)
        return _response([formatting.version(f"{local:%Y-%m-%d %H:%M:%S}", int(now.timestamp()))])

    call = _Call(
        params=params,
        function=function,
        user=clean_value("user", params.get("user", ""), non_latin=non_latin),
        source=clean_value("source", params.get("source", ""), non_latin=non_latin),
        client_ip=client_address(request),
        non_latin=non_latin,
        now=now,
    )
    user, client_ip = call.user, call.client_ip
    log = _Log(request, call, last_value=last_value)
    lead_request = None
    if function == "add_lead":
        lead_request = lead_request_parse(params, non_latin=non_latin)
    # An add's duplicate-check locks ride on the login's first statement (one round trip).
    lock_keys = lead_add_lock_keys(lead_request) if lead_request is not None else []
    with transaction.atomic(), dedupe_locks_held(lock_keys):
        login = api_login(
            username=user,
            password=params.get("pass", ""),
            client_ip=client_ip,
            now=now,
            lock=dedupe_lock_statement(lock_keys),
        )
        if login.result is not LoginResult.GOOD:
            line = {
                LoginResult.BAD: lambda: formatting.login_incorrect(user),
                LoginResult.LOCK: lambda: formatting.login_locked(user),
                LoginResult.IPBLOCK: lambda: formatting.ip_blocked(client_ip),
            }[login.result]()
            return _response([line])
        profile = login.profile
        request.api_profile = profile
        throttle = ApiUserRateThrottle()
        if not throttle.allow_request(request, None):
            wait = math.ceil(throttle.wait())
            lines = [formatting.rate_limited(user, wait)]
            log.write(lines, started=started)
            return _response(lines, status=429, **{"Retry-After": str(wait)})
        wire = profile.wire_profile or settings.LMAPI_WIRE_PROFILE
        lines = _dispatch(call, profile, lead_request, wire=wire, log=log)
        log.write(lines, started=started)
    return _response(lines)


lmapi = LegacyApiView.as_view()


@dataclass(frozen=True)
class _Call:
    """What one request asks, read and filtered once: the checks and the API log share it."""

    params: dict[str, str]
    function: str
    user: str
    source: str
    client_ip: str
    non_latin: bool
    now: datetime


def _dispatch(
    call: _Call, profile, request: LeadRequest | None, *, wire: str, log: "_Log"
) -> list[formatting.Line]:
    function, user, source = call.function, call.user, call.source
    allowed = None
    if function in LIST_RESTRICTED_FUNCTIONS:
        try:
            allowed = allowed_list_ids(profile)
        except UserGroupMissing as missing:
            return [formatting.user_group_missing(user, str(missing))]
    if request is None:  # any function but add_lead
        return [formatting.no_function()]
    if len(source) < 2:
        return formatting.invalid_source(source)
    if not profile.allows_function("add_lead"):
        return [formatting.function_not_allowed(user, "add_lead", wire)]
    if not profile.may_add_leads():
        return [formatting.add_not_permitted(user, wire)]
    outcome = lead_add(
        request=request, actor=LeadActor(user=user, allowed_list_ids=allowed), now=call.now
    )
    log.truncated_fields = outcome.truncated_fields
    lead_id = _lead_id_param(call)
    return formatting.lead_add_lines(outcome, request, lead_id=lead_id, user=user, profile=wire)


def _lead_id_param(call: _Call) -> str:
    """The lead_id parameter as filtered: add_lead only echoes it in its NANPA notice's log."""
    return clean_value("lead_id", call.params.get("lead_id", ""), non_latin=call.non_latin)


class _Log:
    """The API log rows of one request: one per printed line, written in one query."""

    def __init__(self, request: HttpRequest, call: _Call, *, last_value: str) -> None:
        agent_user = clean_value(
            "agent_user", call.params.get("agent_user", ""), non_latin=call.non_latin
        )
        self.common = {
            "user": call.user[:20],
            "agent_user": agent_user[:20],
            "function": call.function[:20],
            "value": last_value[:255],
            "source": call.source[:SOURCE_LOG_WIDTH],
            "api_script": "non-agent",
            "client_ip": call.client_ip[:45],
            "url": request_without_password(request, call.params),
            "api_date": call.now,
        }
        self.truncated_fields: list[str] = []

    def write(self, lines: list[formatting.Line], *, started: float) -> None:
        run_time = round(time.monotonic() - started, 6)
        truncated = ",".join(self.truncated_fields)[:255]
        fastsql.api_log_insert(
            [
                {
                    **self.common,
                    "result": line.result,
                    "result_reason": line.reason[:255],
                    "data": line.log_data.replace('"', "'"),
                    "run_time": run_time,
                    "truncated_fields": truncated,
                }
                for line in lines
                if line.logged
            ],
        )
