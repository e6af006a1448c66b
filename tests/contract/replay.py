"""Replaying contract items through the Django test client, with the clock frozen.

``replay`` resets the database to the item's state, sends each request of the item with the
state's time zone, the wire profile and the case's clock in force, and judges the answer and
the rows it wrote. A failed request gives a report that names the case, the request, the
expected and actual lines and every database difference.
"""

from __future__ import annotations

import datetime as dt
import json
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlencode

import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings

from leadhub.db import config_cache

from .checks import Context, Created, check_db, snapshot, without_paths
from .corpus import Bindings, ReplayItem, body_lines, compare_lines
from .loader import load_state

LMAPI_PATH = "/API/lmapi.php"
NON_AGENT_API_PATH = "/vicidial/non_agent_api.php"


@dataclass(frozen=True)
class WireRequest:
    method: str
    path: str
    query_string: str
    body: str | None
    client_ip: str

    @classmethod
    def from_case(cls, case: dict, path: str = LMAPI_PATH) -> WireRequest:
        raw = case.get("raw_query")
        query = raw if raw is not None else _encode(case.get("query") or [])
        body = case.get("body")
        return cls(
            method=case["method"].upper(),
            path=path,
            query_string=query,
            body=None if body is None else _encode(body),
            client_ip=case.get("client_ip") or "127.0.0.1",
        )

    def send(self, client: Client) -> tuple[int, bytes]:
        # WSGI carries the query string as latin-1 text of its bytes; raw ones are kept as is.
        extra = {
            "REMOTE_ADDR": self.client_ip,
            "QUERY_STRING": self.query_string.encode("utf-8").decode("iso-8859-1"),
        }
        if self.body is None:
            response = client.generic(self.method, self.path, **extra)
        else:
            response = client.generic(
                self.method,
                self.path,
                self.body,
                "application/x-www-form-urlencoded",
                **extra,
            )
        if response.streaming:
            return response.status_code, b"".join(response.streaming_content)
        return response.status_code, response.content

    def describe(self) -> str:
        text = f"{self.method} {self.path}?{self.query_string}  (REMOTE_ADDR={self.client_ip})"
        if self.body is not None:
            text += f"\n  body (application/x-www-form-urlencoded): {self.body}"
        return text


def _encode(pairs: list) -> str:
    """``name=value`` pairs, urlencoded in order with duplicates kept (a literal ``+`` as %2B)."""
    return urlencode([(str(name), str(value)) for name, value in pairs])


@dataclass
class CaseReport:
    """The outcome of one request of an item."""

    case: dict
    request: WireRequest
    status: int | None = None
    lines: list[str] = field(default_factory=list)
    lead_id: int | None = None
    created_counts: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.message


def reset(state: dict) -> None:
    """Load ``state`` with no cached configuration left from an earlier case."""
    cache.clear()
    load_state(state)
    config_cache.invalidate()


def clock_of(case: dict, state: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(case.get("clock") or state["clock"])


def replay(
    client: Client, item: ReplayItem, profile: str, *, path: str = LMAPI_PATH
) -> list[CaseReport]:
    """Reset to the item's state and send its requests in order, checking each against the
    profile's expectations. Stops after the first failure (later requests depend on it)."""
    state = item.state()
    reports: list[CaseReport] = []
    lead_ids_by_seq: dict[int, int] = {}
    with override_settings(LMAPI_WIRE_PROFILE=profile, TIME_ZONE=state["time_zone"]):
        with time_machine.travel(clock_of(item.cases[0], state), tick=False):
            reset(state)
        for case in item.cases:
            report = replay_case(client, case, state, profile, path, lead_ids_by_seq)
            if report.message:
                report.message = _header(item, case, state, profile, report) + report.message
            reports.append(report)
            if report.lead_id is not None and "seq" in case:
                lead_ids_by_seq[int(case["seq"])] = report.lead_id
            if not report.ok:
                break
    return reports


def replay_case(
    client: Client,
    case: dict,
    state: dict,
    profile: str,
    path: str,
    lead_ids_by_seq: dict[int, int],
) -> CaseReport:
    request = WireRequest.from_case(case, path)
    report = CaseReport(case=case, request=request, skipped=case["leadhub"].get("skip"))
    clock = clock_of(case, state)
    with time_machine.travel(clock, tick=False):
        before = snapshot()
        try:
            # A savepoint keeps the test transaction usable if the view fails half-way.
            with transaction.atomic():
                report.status, content = request.send(client)
        except Exception:
            report.message = f"the request raised:\n{traceback.format_exc()}"
            return report
        created = Created.since(before)
        report.created_counts = {name: len(rows) for name, rows in created.rows.items()}
        if created.lead is not None:
            report.lead_id = created.lead.lead_id
        report.lines = body_lines(_text(content))
        if report.skipped:
            return report
        expected = case["leadhub"].get(profile)
        if expected is None:
            report.message = f"the case has no leadhub.{profile} expectations"
            return report
        expect_db = without_paths(
            expected.get("expect_db") or {}, case["leadhub"].get("unchecked", [])
        )
        bindings = Bindings(
            now="",
            lead_id=report.lead_id,
            lead_ids_by_seq=dict(lead_ids_by_seq),
        )
        ctx = Context(clock=clock, time_zone=state["time_zone"], bindings=bindings)
        bindings.now = ctx.wall(clock)
        callback = expect_db.get("callback") or {}
        when = ctx.expected_time(callback.get("callback_time"))
        bindings.callback_time = ctx.wall(when) if when is not None else None
        report.message = _judge(expected, expect_db, report, created, ctx)
    return report


def _judge(
    expected: dict, expect_db: dict, report: CaseReport, created: Created, ctx: Context
) -> str:
    parts = []
    if report.status != expected["expect_status"]:
        parts.append(f"status: expected {expected['expect_status']}, got {report.status}")
    line_report = compare_lines(expected["expect_lines"], report.lines, ctx.bindings)
    db_problems = check_db(expect_db, created, ctx)
    if line_report:
        parts.append(
            f"lines (expected {len(expected['expect_lines'])}, got {len(report.lines)}):\n"
            + "\n".join(line_report)
        )
    if db_problems:
        parts.append("db:\n" + "\n".join(f"  {p}" for p in db_problems))
    problems = list(dict.fromkeys(ctx.bindings.problems))
    if problems:
        parts.append("placeholders:\n" + "\n".join(f"  {p}" for p in problems))
    if not parts:
        return ""
    parts.append(f"placeholder values: {ctx.bindings.describe()}")
    return "\n".join(parts)


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("utf-8", errors="backslashreplace") + "\n<body is not UTF-8>"


def _header(item: ReplayItem, case: dict, state: dict, profile: str, report: CaseReport) -> str:
    lead_hub = case["leadhub"]
    lines = [f"{profile}-{item.test_id}: {case.get('title', '')}"]
    if item.scenario is not None:
        position = item.cases.index(case) + 1
        lines.append(
            f"scenario {item.scenario!r}, request {position} of {len(item.cases)} ({case['id']})"
            + (", the earlier ones passed" if position > 1 else "")
        )
    lines.append(
        f"corpus {item.corpus}, state {item.state_name}, clock {clock_of(case, state).isoformat()}"
        f" ({state['time_zone']}), wire profile {profile}"
    )
    if item.overlay:
        lines.append(f"overlay: {json.dumps(list(item.overlay), ensure_ascii=False)}")
    lines.append(f"decisions: {lead_hub.get('decisions') or 'none'}")
    if lead_hub.get("note"):
        lines.append(f"note: {lead_hub['note']}")
    if lead_hub.get("unchecked"):
        lines.append(f"unchecked: {lead_hub['unchecked']}")
    lines.append(f"request: {report.request.describe()}")
    return "\n".join(lines) + "\n"
