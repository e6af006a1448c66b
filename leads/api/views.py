"""The legacy text API: /API/lmapi.php and /vicidial/non_agent_api.php (D1)."""

import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from leadhub.client_address import client_address
from leadhub.db import fastsql
from leadhub.db.locks import dedupe_lock_statement, dedupe_locks_held

from ..rules import clean_value
from ..selectors import list_ids_allowed_for_group, system_settings_get, user_group_get
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


def _response(lines: list[formatting.Line], status: int = 200) -> HttpResponse:
    body = "".join(f"{line.text}\n" for line in lines).encode("utf-8")
    return HttpResponse(
        body, status=status, content_type="text/plain; charset=utf-8", headers=RESPONSE_HEADERS
    )


@csrf_exempt
def lmapi(request: HttpRequest) -> HttpResponse:
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
        wire = profile.wire_profile or settings.LMAPI_WIRE_PROFILE
        lines = _dispatch(call, profile, lead_request, wire=wire, log=log)
        log.write(lines, started=started)
    return _response(lines)


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
    group = None
    if profile.api_list_restrict and function in LIST_RESTRICTED_FUNCTIONS:
        group = user_group_get(profile.user_group_id)
        if group is None:
            return [formatting.user_group_missing(user, profile.user_group_id or "")]
    if request is None:  # any function but add_lead
        return [formatting.no_function()]
    if len(source) < 2:
        return formatting.invalid_source(source)
    if not profile.allows_function("add_lead"):
        return [formatting.function_not_allowed(user, "add_lead", wire)]
    if not (
        profile.user.is_active
        and profile.api_access
        and 1 <= profile.modify_leads <= 4
        and profile.user_level >= 8
    ):
        return [formatting.add_not_permitted(user, wire)]
    allowed = list_ids_allowed_for_group(group) if group is not None else None
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
