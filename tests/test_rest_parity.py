"""Issue 13 (5): the JSON door against the legacy door, driven by the shared contract cases.

For every independent case of ``shared/contract/cases.jsonl`` in which the legacy door adds a
lead or refuses one (its answer is add_lead's SUCCESS line or one of its refusal lines), the
same request is sent to POST /api/v1/leads/ as JSON, from the same state and at the same
clock, with a key of the same API user. Both doors must give the same outcome class (added,
or the same Rejection, with the same phone problem or the same duplicate lead) and store the
same lead (every column but lead_id, door and user), the same custom values and the same
number of hopper rows, alt phones and callbacks.

The JSON body is the legacy request's typed form (``api.parser.lead_request_parse``) written
as JSON; a case whose typed request JSON cannot carry (checked by reading the body back with
the JSON door's own reader) is skipped with the reason, never compared more loosely.
"""

import json
from dataclasses import dataclass, replace

import pytest
import time_machine
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory, override_settings

from leads.api import formatting
from leads.api.params import request_params
from leads.api.parser import lead_request_parse
from leads.models import ApiKey, ApiUserProfile
from leads.outcomes import Rejection
from leads.rest.serializers import LeadAddSerializer, lead_request_build
from leads.rules import clean_value
from leads.selectors import system_settings_get
from leads.services.request import LeadRequest, options_to_json

from .contract.checks import Created, snapshot
from .contract.corpus import default_corpus, replay_items
from .contract.replay import WireRequest, clock_of, reset

PROFILE = "documented"
NOT_COMPARED = frozenset({"lead_id", "door", "user"})
COUNTED = ("hopper", "alt_phones", "callbacks")


def _items():
    try:
        items = replay_items(default_corpus())
    except (OSError, ValueError, KeyError) as error:
        return [pytest.param(f"cannot read the contract corpus: {error!r}", id="corpus-error")]
    return [
        pytest.param(item, id=item.test_id)
        for item in items
        if item.scenario is None and not item.skip_reasons and len(item.cases) == 1
    ]


@dataclass(frozen=True)
class Result:
    """One door's answer: the outcome class and its detail, and what it stored."""

    outcome: str
    detail: str
    lead: dict | None
    counts: tuple[int, ...]


def _legacy_class(lines: list[str]) -> tuple[str, str] | None:
    """(class, detail) of add_lead's answer, None when the case is not an add or refusal."""
    for line in lines:
        if line.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED"):
            return "added", ""
        if not line.startswith("ERROR: add_lead "):
            continue
        for reason, text in formatting.REJECTION_TEXT.items():
            if line.startswith(f"ERROR: add_lead {text} "):
                return reason.value, ""
        for problem, text in sorted(
            formatting.PHONE_PROBLEM_TEXT.items(), key=lambda p: -len(p[1])
        ):
            if line.startswith(f"ERROR: add_lead {text}"):
                return Rejection.INVALID_PHONE.value, problem.value
        if line.startswith("ERROR: add_lead DUPLICATE"):
            return Rejection.DUPLICATE.value, ""
    return None


def _stored(created: Created) -> tuple[dict | None, tuple[int, ...]]:
    lead = created.lead
    shown = None
    if lead is not None:
        shown = {k: v for k, v in model_to_dict(lead).items() if k not in NOT_COMPARED}
    return shown, tuple(len(created.rows[name]) for name in COUNTED)


def json_body(request: LeadRequest) -> dict:
    """The JSON door's body for a typed request (the inverse of ``lead_request_build``)."""
    body: dict = dict(request.fields._asdict())
    if request.list_id:
        body["list_id"] = int(request.list_id)
    options = options_to_json(request.options)
    options.pop("duplicate_statuses")
    body["options"] = options
    body["date_of_birth"] = request.date_of_birth.isoformat() if request.date_of_birth else None
    body["rank"] = request.rank
    body["entry_list_id"] = request.entry_list_id
    body["alt_phones"] = [
        {"number": alt.number, "code": alt.code, "note": alt.note} for alt in request.alt_phones
    ]
    body["custom_fields"] = (
        dict(request.custom_values) if request.custom_values is not None else None
    )
    if request.callback is not None:
        callback = request.callback
        body["callback"] = {
            "when": callback.when,
            "campaign_id": callback.campaign_id,
            "user_only": callback.user_only,
            "user": callback.user,
            "status": callback.status,
            "comments": callback.comments,
        }
    return body


def _same_behaviour(request: LeadRequest) -> LeadRequest:
    """The request with its time-zone method's fallback (without NANPA data) spelt out: the
    legacy parser names it even when it is the default one."""
    tz = request.options.time_zone
    spelt = replace(tz, without_nanpa_data=tz.when_nanpa_unloaded())
    return replace(request, options=replace(request.options, time_zone=spelt))


def _expressible(body: dict, request: LeadRequest) -> str | None:
    """Why the JSON door cannot carry this request, or None when it reads it back the same."""
    if request.list_id and str(int(request.list_id)) != request.list_id:
        return f"list_id {request.list_id!r} has leading zeros (JSON numbers have none)"
    reader = LeadAddSerializer(data=body)
    if not reader.is_valid():
        return f"not valid JSON door input: {reader.errors}"
    read_back = lead_request_build(
        reader.validated_data, non_latin=system_settings_get().use_non_latin
    )
    if _same_behaviour(read_back) != _same_behaviour(request):
        return "the JSON door reads another typed request (a form only legacy tokens spell)"
    return None


@pytest.mark.parametrize("item", _items())
def test_json_door_adds_and_refuses_as_the_legacy_door(item, client, db) -> None:
    if isinstance(item, str):
        pytest.fail(item, pytrace=False)
    case = item.cases[0]
    state = item.state()
    clock = clock_of(case, state)
    wire = WireRequest.from_case(case)
    with override_settings(LMAPI_WIRE_PROFILE=PROFILE, TIME_ZONE=state["time_zone"]):
        with transaction.atomic(), time_machine.travel(clock, tick=False):
            reset(state)
            before = snapshot()
            status, content = wire.send(client)
            legacy_class = _legacy_class(content.decode("utf-8", "replace").splitlines())
            legacy_lead, legacy_counts = _stored(Created.since(before))
            transaction.set_rollback(True)
        if legacy_class is None:
            pytest.skip("the legacy door neither adds nor refuses a lead here")
        with transaction.atomic(), time_machine.travel(clock, tick=False):
            reset(state)
            params, non_latin = _legacy_params(wire), system_settings_get().use_non_latin
            typed = lead_request_parse(params, non_latin=non_latin)
            body = json_body(typed)
            reason = _expressible(body, typed)
            if reason is not None:
                transaction.set_rollback(True)
                pytest.skip(reason)
            key = _key_of(clean_value("user", params.get("user", ""), non_latin=non_latin))
            before = snapshot()
            response = Client().post(
                "/api/v1/leads/",
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Api-Key {key}",
                REMOTE_ADDR=wire.client_ip,
            )
            answer = response.json()
            json_lead, json_counts = _stored(Created.since(before))
            transaction.set_rollback(True)
    if response.status_code == 201:
        json_class = ("added", "")
    else:
        assert "reason" in answer, answer
        json_class = (answer["reason"], answer.get("phone_problem", ""))
    assert json_class == legacy_class, (status, content, answer)
    assert json_lead == legacy_lead
    assert json_counts == legacy_counts


def _legacy_params(wire: WireRequest) -> dict[str, str]:
    """The parameters the legacy view reads from this request (its own reader)."""
    factory = RequestFactory()
    path = f"{wire.path}?{wire.query_string}"
    if wire.body is None:
        request = factory.generic(wire.method, path)
    else:
        request = factory.generic(wire.method, path, wire.body, "application/x-www-form-urlencoded")
    return request_params(request)


def _key_of(username: str) -> str:
    profile = ApiUserProfile.objects.get(user__username__iexact=username)
    _row, key = ApiKey.objects.create_key(
        name="parity", profile=profile, throttle_rate="1000000/min"
    )
    return key
