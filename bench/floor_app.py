"""The floor of bench/api_bench.py --floor: the bare view's Python (no middleware, no rules, no
parsing beyond two parameters, a fixed answer) running LeadHub's own statements for a simple
add, through LeadHub's own database layer (``leadhub.db``): BEGIN; the login gate carrying
the duplicate-check lock; the DUPLIST lookup; the lead's INSERT (every column, as
``lead_build`` fills them); the API log row; COMMIT.

Served by LeadHub's own server (deploy/run-web) on the same database, it shows what those
statements alone cost beside the bare view's three: the part of LeadHub/bare that no Python
cut can win back. Not part of LeadHub.
"""

import os
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")

import django  # noqa: E402

django.setup()

from django.core.handlers.exception import convert_exception_to_response  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.utils import timezone  # noqa: E402

from leadhub.db import fastsql  # noqa: E402
from leadhub.db.locks import dedupe_lock_statement, phone_lock_key  # noqa: E402
from leads.api.auth import LOCK_AFTER_FAILURES, LOCK_WINDOW  # noqa: E402
from leads.models import ApiUserProfile  # noqa: E402
from leads.pipeline.storage import lead_build  # noqa: E402
from leads.services.actor import LeadActor  # noqa: E402
from leads.services.request import EMPTY_FIELDS  # noqa: E402
from leads.timezones import GmtOffset  # noqa: E402

LIST_ID = 101
_profile_ids: dict[str, int] = {}


def _profile_id(user: str) -> int:
    if user not in _profile_ids:
        _profile_ids[user] = ApiUserProfile.objects.get(user__username=user).pk
    return _profile_ids[user]


def add(request):
    if request.GET.get("function") == "version":  # api_bench's readiness probe
        return HttpResponse("VERSION: floor\n", content_type="text/plain; charset=utf-8")
    phone, user = request.GET.get("phone_number", ""), request.GET.get("user", "")
    now = timezone.now()
    profile_id = _profile_id(user)
    with transaction.atomic():
        fastsql.login_gate(
            profile_id=profile_id,
            lock_after=LOCK_AFTER_FAILURES,
            locked_since=now - LOCK_WINDOW,
            address="127.0.0.1",
            since=(now - LOCK_WINDOW).replace(second=0, microsecond=0),
            lock=dedupe_lock_statement([phone_lock_key(phone)]),
        )
        fastsql.lead_phone_duplicate(phone, list_id=LIST_ID, since=None)
        lead, _ = lead_build(
            EMPTY_FIELDS._replace(phone_number=phone),
            list_id=LIST_ID,
            phone_code="1",
            state="",
            gmt=GmtOffset(Decimal(-5)),
            status="NEW",
            actor=LeadActor(user=user),
            now=now,
            date_of_birth=None,
            rank=0,
            entry_list_id=0,
            custom_values=None,
        )
        fastsql.lead_insert(lead)
        body = f"SUCCESS: add_lead LEAD HAS BEEN ADDED - {phone}|{user}|{LIST_ID}|{lead.pk}|-5\n"
        fastsql.api_log_insert(
            [
                {
                    "user": user,
                    "agent_user": "",
                    "function": "add_lead",
                    "value": phone,
                    "source": "bench",
                    "api_script": "non-agent",
                    "client_ip": "127.0.0.1",
                    "url": request.get_full_path(),
                    "api_date": now,
                    "result": "SUCCESS",
                    "result_reason": "add_lead LEAD HAS BEEN ADDED",
                    "data": body[37:].strip(),
                    "run_time": 0.001,
                    "truncated_fields": "",
                }
            ]
        )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


class FloorHandler(WSGIHandler):
    """Django's handler without middleware or URL resolution: every path is the add."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(add)


application = FloorHandler()
