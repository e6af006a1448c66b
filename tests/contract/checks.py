"""``expect_db`` checks (FORMAT §5) against the rows one request created.

Every check is a subset check: only the fields a case lists are compared, in the neutral form
of the corpus (digit strings for list ids, numbers or null for offsets, ISO times, null for the
original's zero dates). Each ``check_*`` function returns a list of readable problems.
"""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from callbacks.models import Callback
from campaigns.models import HopperEntry
from leads.models import AltPhone, ApiLogEntry, ApiUserProfile, Lead
from webhooks.models import Delivery

from .corpus import Bindings, matches

# Tables whose new rows a request is judged by, in the corpus's names.
TRACKED: dict[str, type[models.Model]] = {
    "leads": Lead,
    "hopper": HopperEntry,
    "callbacks": Callback,
    "alt_phones": AltPhone,
    "api_log": ApiLogEntry,
    "webhooks": Delivery,
}


def snapshot() -> dict[str, set]:
    """The primary keys of every tracked table (taken before a request)."""
    return {name: set(m.objects.values_list("pk", flat=True)) for name, m in TRACKED.items()}


@dataclass
class Created:
    """Rows a request created, each table in insertion (primary key) order."""

    rows: dict[str, list[models.Model]]

    @classmethod
    def since(cls, before: dict[str, set]) -> Created:
        rows = {}
        for name, model in TRACKED.items():
            new = set(model.objects.values_list("pk", flat=True)) - before[name]
            rows[name] = list(model.objects.filter(pk__in=new).order_by("pk")) if new else []
        return cls(rows)

    @property
    def lead(self) -> Lead | None:
        leads = self.rows["leads"]
        return leads[0] if len(leads) == 1 else None


@dataclass
class Context:
    """What neutral values are read against: the request's clock and the state's zone."""

    clock: dt.datetime
    time_zone: str
    bindings: Bindings

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def wall(self, value: dt.datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")

    def now_plus_days(self, days: int) -> dt.datetime:
        """Clock + N days at the same wall time (FORMAT §5)."""
        local = self.clock.astimezone(self.zone).replace(tzinfo=None)
        return (local + dt.timedelta(days=days)).replace(tzinfo=self.zone)

    def expected_time(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dict) and "now_plus_days" in value:
            return self.now_plus_days(int(value["now_plus_days"]))
        parsed = dt.datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)


def without_paths(expect_db: dict, paths: list[str]) -> dict:
    """A copy of ``expect_db`` without the ``unchecked`` paths (``user``, ``lead.list_id``)
    and without ``original_only`` (never part of a LeadHub profile)."""
    result = copy.deepcopy(expect_db)
    result.pop("original_only", None)
    for path in paths:
        *parents, last = path.split(".")
        target = result
        for part in parents:
            target = target.get(part) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(last, None)
    return result


def check_db(expect_db: dict, created: Created, ctx: Context) -> list[str]:
    problems = [
        f"{key}: the harness does not know this expect_db key (FORMAT §5)"
        for key in expect_db
        if key not in CHECKS
    ]
    for key, checker in CHECKS.items():
        if key in expect_db:
            problems += checker(expect_db[key], created, ctx)
    return problems


def check_counts(expected: dict, created: Created, ctx: Context) -> list[str]:
    problems = []
    for name, count in expected.items():
        if name not in TRACKED:
            problems.append(f"counts.{name}: unknown table")
            continue
        rows = created.rows[name]
        if len(rows) != count:
            problems.append(f"counts.{name}: expected {count} new rows, got {len(rows)}")
    return problems


def check_lead(expected: dict, created: Created, ctx: Context) -> list[str]:
    lead = created.lead
    if lead is None:
        return [f"lead: expected the lead this request created; it created {_count(created)}"]
    return _compare_fields("lead", expected, lead, ctx)


def check_rows(name: str):
    def check(expected: list[dict], created: Created, ctx: Context) -> list[str]:
        rows = created.rows[name]
        problems = []
        if len(rows) != len(expected):
            problems.append(f"{name}: expected {len(expected)} new rows, got {len(rows)}")
        for index, (want, row) in enumerate(zip(expected, rows, strict=False)):
            problems += _compare_fields(f"{name}[{index}]", want, row, ctx)
        return problems

    return check


def check_callback(expected: dict | None, created: Created, ctx: Context) -> list[str]:
    lead = created.lead
    if lead is None:
        return [f"callback: expected the lead this request created; it created {_count(created)}"]
    callbacks = [c for c in created.rows["callbacks"] if c.lead_id == lead.lead_id]
    if expected is None:
        return [f"callback: expected none, got {len(callbacks)}"] if callbacks else []
    if len(callbacks) != 1:
        return [f"callback: expected one callback for lead {lead.lead_id}, got {len(callbacks)}"]
    return _compare_fields("callback", expected, callbacks[0], ctx)


def check_custom_values(expected: dict | None, created: Created, ctx: Context) -> list[str]:
    lead = created.lead
    if lead is None:
        return [
            f"custom_values: expected the lead this request created; it created {_count(created)}"
        ]
    actual = lead.custom_values
    if expected is None or actual is None:
        if expected != actual:
            return [f"custom_values: expected {expected!r}, got {actual!r}"]
        return []
    problems = []
    for label, want in expected.items():
        if label not in actual:
            problems.append(f"custom_values.{label}: expected {want!r}, not stored")
        elif not _same(want, actual[label], ctx):
            problems.append(f"custom_values.{label}: expected {want!r}, got {actual[label]!r}")
    return problems


def check_user(expected: dict, created: Created, ctx: Context) -> list[str]:
    username = expected["user"]
    profile = ApiUserProfile.objects.select_related("user").filter(user__username=username).first()
    if profile is None:
        return [f"user: no API user {username!r}"]
    problems = []
    for key, want in expected.items():
        if key == "user":
            continue
        if key == "last_login_after":
            after = ctx.expected_time(want)
            got = profile.last_login_date
            if got is None or got <= after:
                problems.append(
                    f"user.last_login_after: expected after {want}, got {_show(got, ctx)}"
                )
        elif key == "active":
            if profile.user.is_active != want:
                problems.append(f"user.active: expected {want!r}, got {profile.user.is_active!r}")
        else:
            problems += _compare_fields("user", {key: want}, profile, ctx)
    return problems


def check_audit(expected: dict, created: Created, ctx: Context) -> list[str]:
    rows = created.rows["api_log"]
    problems = []
    for key, want in expected.items():
        if key == "api_log":
            if len(rows) != len(want):
                problems.append(
                    f"audit.api_log: expected {len(want)} rows, got {len(rows)}: "
                    + "; ".join(f"{r.result} {r.result_reason}" for r in rows)
                )
            for index, (fields, row) in enumerate(zip(want, rows, strict=False)):
                problems += _compare_fields(f"audit.api_log[{index}]", fields, row, ctx, audit=True)
        elif key == "api_url":
            urls = [row.url for row in rows]
            for part in want.get("contains", []):
                if not urls or any(part not in url for url in urls):
                    problems.append(
                        f"audit.api_url: expected every url to contain {part!r}: {urls!r}"
                    )
            for part in want.get("excludes", []):
                if any(part in url for url in urls):
                    problems.append(f"audit.api_url: expected no url to contain {part!r}: {urls!r}")
        else:
            problems.append(f"audit.{key}: the harness does not know this key")
    return problems


def check_webhooks(expected: list[dict], created: Created, ctx: Context) -> list[str]:
    """The new-lead URLs the request logged (D19), in order: lead_id, kind and the URL
    after token substitution, placeholders expanded."""
    rows = [d for d in created.rows["webhooks"] if d.kind == Delivery.Kind.NEW_LEAD_URL]
    problems = []
    if len(rows) != len(expected):
        got = [r.url for r in rows]
        problems.append(f"webhooks: expected {len(expected)} new-lead URLs, got {got!r}")
    for index, (want, row) in enumerate(zip(expected, rows, strict=False)):
        actual = {"lead_id": str(row.lead_id), "kind": row.kind, "url": row.url}
        for name, value in want.items():
            if name not in actual:
                problems.append(f"webhooks[{index}].{name}: not a logged field")
            elif not matches(str(value), actual[name], ctx.bindings):
                problems.append(
                    f"webhooks[{index}].{name}: expected {value!r}, got {actual[name]!r}"
                )
    return problems


CHECKS = {
    "counts": check_counts,
    "lead": check_lead,
    "hopper": check_rows("hopper"),
    "alt_phones": check_rows("alt_phones"),
    "callback": check_callback,
    "custom_values": check_custom_values,
    "user": check_user,
    "audit": check_audit,
    "webhooks": check_webhooks,
}


# --- values -----------------------------------------------------------------------------------


def _count(created: Created) -> str:
    leads = created.rows["leads"]
    return f"{len(leads)} leads" if len(leads) != 1 else "1 lead"


def _compare_fields(
    where: str, expected: dict, row: models.Model, ctx: Context, *, audit: bool = False
) -> list[str]:
    problems = []
    for name, want in expected.items():
        try:
            field = row._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is None or not field.concrete:
            # FORMAT §5: audit fields LeadHub's log does not have are not compared.
            if not audit:
                problems.append(f"{where}.{name}: {type(row).__name__} has no such field")
            continue
        actual = getattr(row, field.attname)
        if audit and isinstance(want, str) and isinstance(actual, str):
            same = matches(want, actual, ctx.bindings)
        else:
            same = _same(want, actual, ctx)
        if not same:
            problems.append(f"{where}.{name}: expected {want!r}, got {_show(actual, ctx)}")
    return problems


def _same(expected: Any, actual: Any, ctx: Context) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, dt.datetime):
        try:
            return ctx.expected_time(expected) == actual
        except (TypeError, ValueError):
            return False
    if isinstance(actual, dt.date):
        return str(expected) == actual.isoformat()
    if isinstance(actual, bool) or isinstance(expected, bool):
        return expected is actual
    if isinstance(actual, (Decimal, float)):
        try:
            return Decimal(str(expected)) == Decimal(str(actual))
        except InvalidOperation:
            return False
    if isinstance(actual, int) and isinstance(expected, str):
        return str(actual) == expected  # list ids: digit strings in the corpus
    return type(expected) is type(actual) and expected == actual


def _show(value: Any, ctx: Context) -> str:
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(ctx.zone).isoformat()} ({ctx.wall(value)} wall)"
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)
