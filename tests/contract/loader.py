"""Build a contract state (``shared/contract/FORMAT.md`` §1) in LeadHub's database.

``load_state`` turns the neutral, schema-free state of a corpus into LeadHub rows; the contract
tests call it before every independent case and once per scenario. ``apply_overlay`` (from
``overlay.py``) applies a case's overlay operations (FORMAT §3) to a copy of a state.

Where things go:

* ``settings`` -> ``SystemSettings`` (pk 1; the optional ``new_lead_url`` too); ``user_groups``
  -> ``UserGroup`` (allowed campaigns as space-separated ids); ``ip_lists`` -> ``IpList`` +
  ``IpListEntry``.
* ``users`` -> Django ``User`` (username, ``is_active``, password hashed with ``make_password``)
  + ``ApiUserProfile`` (``last_login`` -> ``last_login_date``: with 10 failures that is the time
  of the latest failure, D7; ``wire_profile`` empty so ``LMAPI_WIRE_PROFILE`` decides).
* ``call_times``/``state_call_times`` -> ``CallTime`` (``days`` -> ``<day>_start/_stop``, state
  rules as the M2M) / ``StateCallTime``; ``campaigns`` -> ``Campaign``; ``campaign_dnc`` ->
  ``CampaignDnc``; ``lists`` -> ``LeadList`` (``campaign_id ""`` -> NULL,
  ``lists_with_custom_storage`` -> ``keeps_custom_fields``, the optional ``new_lead_url`` as
  written); ``custom_fields`` ->
  ``CustomFieldDefinition`` (``has_storage`` ignored, D9).
* ``phone_codes``/``postal_codes``/``nanpa_prefixes`` -> the reference tables, inserted in list
  order (table order = id order); ``dnc`` -> ``DncNumber``.
* ``leads`` -> ``Lead`` with explicit ids; unlisted columns take the fresh-lead defaults
  (contract §3.13: the model defaults, ``last_local_call_time`` = ``entry_date``).
* ``next_lead_id`` -> the lead id sequence (PostgreSQL ``setval``, SQLite ``sqlite_sequence``;
  elsewhere, e.g. MariaDB where ``ALTER TABLE`` would commit the test transaction, a throw-away
  row with id ``next_lead_id - 1`` pushes the auto-increment counter up to it).

References may dangle on purpose (a user's missing group, a list's missing campaign): LeadHub
keeps those foreign keys without database constraints, so they load as written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.utils import timezone

from callbacks.models import Callback
from campaigns.models import (
    WEEKDAYS,
    CallTime,
    Campaign,
    CampaignDnc,
    HopperEntry,
    StateCallTime,
)
from leads.models import (
    AltPhone,
    ApiLogEntry,
    ApiUserProfile,
    CustomFieldDefinition,
    DncNumber,
    IpList,
    IpListEntry,
    Lead,
    LeadList,
    NanpaPrefix,
    PhoneCode,
    PostalCode,
    SystemSettings,
    UserGroup,
)
from webhooks.models import Attempt, Delivery

from .overlay import StateError, apply_overlay

__all__ = ["StateError", "apply_overlay", "load_state"]

ALL_FUNCTIONS = "ALL_FUNCTIONS"

# Hashes by (hasher, user, password): hashing is slow on purpose, states reuse few passwords.
_PASSWORD_HASHES: dict[tuple[str, str, str], str] = {}

# Every table a state describes or implies empty, children first (cleared in this order).
STATE_MODELS: tuple[type[models.Model], ...] = (
    Attempt,
    Delivery,
    ApiLogEntry,
    Callback,
    HopperEntry,
    AltPhone,
    Lead,
    CustomFieldDefinition,
    LeadList,
    CampaignDnc,
    Campaign,
    CallTime.state_rules.through,
    CallTime,
    StateCallTime,
    ApiUserProfile,
    get_user_model(),
    UserGroup,
    SystemSettings,
    IpListEntry,
    IpList,
    PhoneCode,
    PostalCode,
    NanpaPrefix,
    DncNumber,
)

# Fields a state record may carry beyond those the loader maps by name.
USER_KEYS = {
    "user",
    "pass",
    "full_name",
    "user_level",
    "user_group",
    "active",
    "api_access",
    "modify_leads",
    "api_list_restrict",
    "api_allowed_functions",
    "api_allowed_functions_raw",
    "failed_login_count",
    "last_login",
    "ignore_ip_list",
}


# --- loading ----------------------------------------------------------------------------------


def load_state(state: dict) -> None:
    """Create ``state`` (FORMAT §1) in the database: its rows replace those of every table it
    describes. Meant for an empty, migrated database inside the caller's transaction.

    Offsets in the state's ISO times are kept; a time without one is read in the current time
    zone, so callers set ``TIME_ZONE`` to ``state["time_zone"]`` (the contract tests do). Users
    get no wire profile of their own: ``LMAPI_WIRE_PROFILE`` decides. Bulk inserts bypass the
    post-save signals, so the caller clears ``leads.config_cache`` afterwards.
    """
    for model in STATE_MODELS:
        if model.objects.exists():
            model.objects.all().delete()
    _load_settings(state)
    _load_access(state)
    _load_campaigns(state)
    _load_lists(state)
    _load_reference(state)
    _load_leads(state)
    _set_next_lead_id(int(state["next_lead_id"]))


def _load_settings(state: dict) -> None:
    values = dict(state["settings"])
    blacklist = values.pop("system_ip_blacklist", None)
    SystemSettings.objects.bulk_create(
        [
            SystemSettings(
                pk=1, system_ip_blacklist_id=blacklist or None, **_fields(SystemSettings, values)
            )
        ]
    )


def _load_access(state: dict) -> None:
    IpList.objects.bulk_create(
        IpList(ip_list_id=str(r["id"]), ip_list_name=str(r.get("name", r["id"])))
        for r in state["ip_lists"]
    )
    IpListEntry.objects.bulk_create(
        IpListEntry(ip_list_id=str(r["id"]), ip_address=address)
        for r in state["ip_lists"]
        for address in r["entries"]
    )
    UserGroup.objects.bulk_create(
        UserGroup(
            user_group=g["name"],
            group_name=g.get("group_name", g["name"]),
            allowed_campaigns=" ".join(g["allowed_campaigns"]),
            api_ip_list_id=g.get("api_ip_list") or None,
        )
        for g in state["user_groups"]
    )
    user_model = get_user_model()
    users = state["users"]
    for record in users:
        _check_keys("users", record, USER_KEYS)
    user_model.objects.bulk_create(
        user_model(
            username=u["user"],
            is_active=bool(u["active"]),
            password=_hashed_password(u["user"], u["pass"]),
        )
        for u in users
    )
    ids = dict(
        user_model.objects.filter(username__in=[u["user"] for u in users]).values_list(
            "username", "id"
        )
    )
    ApiUserProfile.objects.bulk_create(
        ApiUserProfile(
            user_id=ids[u["user"]],
            full_name=u.get("full_name", ""),
            user_level=int(u.get("user_level", 1)),
            user_group_id=u.get("user_group") or None,
            api_access=bool(u.get("api_access", False)),
            modify_leads=int(u.get("modify_leads", 0)),
            api_allowed_functions=_allowed_functions(u),
            api_list_restrict=bool(u.get("api_list_restrict", False)),
            failed_login_count=int(u.get("failed_login_count", 0)),
            # D7: with 10 failures this is the time of the latest failure.
            last_login_date=_datetime(u.get("last_login")),
            ignore_ip_list=bool(u.get("ignore_ip_list", False)),
            wire_profile="",
        )
        for u in users
    )


def _allowed_functions(user: dict) -> str:
    """The original's text form: `` ALL_FUNCTIONS `` or `` add_lead update_lead ``."""
    names = user.get("api_allowed_functions", [ALL_FUNCTIONS])
    if not names:
        return user.get("api_allowed_functions_raw", "")
    return f" {' '.join(names)} "


def _hashed_password(user: str, raw: str) -> str:
    key = (settings.PASSWORD_HASHERS[0], user, raw)
    if key not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[key] = make_password(raw)
    return _PASSWORD_HASHES[key]


def _load_campaigns(state: dict) -> None:
    StateCallTime.objects.bulk_create(
        StateCallTime(
            state_call_time_id=r["id"],
            state=r["state"],
            name=r.get("name", ""),
            default_start=int(r["default_start"]),
            default_stop=int(r["default_stop"]),
        )
        for r in state["state_call_times"]
    )
    known_rules = {r["id"] for r in state["state_call_times"]}
    call_times = []
    links = []
    through = CallTime.state_rules.through
    for r in state["call_times"]:
        call_time = CallTime(
            call_time_id=r["id"],
            name=r.get("name", ""),
            default_start=int(r["default_start"]),
            default_stop=int(r["default_stop"]),
        )
        for day, (start, stop) in r.get("days", {}).items():
            if day not in WEEKDAYS:
                raise StateError(f"call time {r['id']}: unknown day {day!r}")
            setattr(call_time, f"{day}_start", int(start))
            setattr(call_time, f"{day}_stop", int(stop))
        call_times.append(call_time)
        for rule in r.get("state_rules", []):
            if rule not in known_rules:
                # The M2M table has real foreign keys: a dangling rule cannot be stored.
                raise StateError(f"call time {r['id']}: unknown state call time {rule!r}")
            links.append(through(calltime_id=r["id"], statecalltime_id=rule))
    CallTime.objects.bulk_create(call_times)
    through.objects.bulk_create(links)
    Campaign.objects.bulk_create(
        Campaign(
            campaign_id=r["campaign_id"],
            campaign_name=r.get("name", ""),
            active=bool(r.get("active", True)),
            local_call_time_id=r.get("local_call_time") or None,
            use_other_campaign_dnc_id=r.get("use_other_campaign_dnc") or None,
        )
        for r in state["campaigns"]
    )
    CampaignDnc.objects.bulk_create(
        CampaignDnc(campaign_id=r["campaign_id"], phone_number=r["phone_number"])
        for r in state["campaign_dnc"]
    )


def _load_lists(state: dict) -> None:
    storage = {int(x) for x in state["lists_with_custom_storage"]}
    list_ids = {int(r["list_id"]) for r in state["lists"]}
    if missing := storage - list_ids:
        # LeadHub keeps "has a custom table" on the list row; a list without a row has no flag.
        raise StateError(
            f"lists_with_custom_storage names lists without a list row: {sorted(missing)}"
        )
    LeadList.objects.bulk_create(
        LeadList(
            list_id=int(r["list_id"]),
            list_name=r.get("name", ""),
            campaign_id=r.get("campaign_id") or None,
            active=bool(r.get("active", True)),
            local_call_time=r.get("local_call_time") or "campaign",
            keeps_custom_fields=int(r["list_id"]) in storage,
            new_lead_url=r.get("new_lead_url") or "",
        )
        for r in state["lists"]
    )
    definitions = []
    for r in state["custom_fields"]:
        values = {k: v for k, v in r.items() if k not in ("list_id", "has_storage")}
        definitions.append(
            CustomFieldDefinition(
                list_id=int(r["list_id"]), **_fields(CustomFieldDefinition, values)
            )
        )
    CustomFieldDefinition.objects.bulk_create(definitions)


def _load_reference(state: dict) -> None:
    # One insert per table, in list order: ids follow the original's table order.
    for name, model in (
        ("phone_codes", PhoneCode),
        ("postal_codes", PostalCode),
        ("nanpa_prefixes", NanpaPrefix),
    ):
        model.objects.bulk_create(model(**_fields(model, r)) for r in state[name])
    DncNumber.objects.bulk_create(DncNumber(phone_number=str(p)) for p in state["dnc"])


def _load_leads(state: dict) -> None:
    clock = _datetime(state["clock"])
    leads = []
    for r in state["leads"]:
        values = dict(r)
        values["entry_date"] = values.get("entry_date") or clock
        values.setdefault("last_local_call_time", values["entry_date"])
        list_id = values.pop("list_id")
        leads.append(Lead(list_id=int(list_id), **_fields(Lead, values)))
    Lead.objects.bulk_create(leads)
    # auto_now overwrites modify_date on insert; a state that gives one gets it back.
    for record in state["leads"]:
        if record.get("modify_date"):
            Lead.objects.filter(lead_id=record["lead_id"]).update(
                modify_date=_datetime(record["modify_date"])
            )


def _set_next_lead_id(next_id: int) -> None:
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                [table, "lead_id", next_id],
            )
            return
        if connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [next_id - 1, table]
            )
            if cursor.rowcount == 0:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, next_id - 1]
                )
            return
    # MariaDB/MySQL: the counter cannot be set without an implicit commit, but inserting a row
    # raises it and a rollback or delete does not lower it.
    placeholder_id = next_id - 1
    if placeholder_id > 0 and not Lead.objects.filter(lead_id__gte=placeholder_id).exists():
        Lead.objects.bulk_create(
            [Lead(lead_id=placeholder_id, list_id=0, entry_date=timezone.now(), phone_number="")]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(table)} WHERE lead_id = %s",
                [placeholder_id],
            )


# --- values -----------------------------------------------------------------------------------


def _fields(model: type[models.Model], values: dict) -> dict:
    """Model keyword arguments from a state record whose keys are the model's field names."""
    _check_keys(model._meta.label, values, {f.name for f in model._meta.concrete_fields})
    return {name: _value(model._meta.get_field(name), v) for name, v in values.items()}


def _check_keys(what: str, record: dict, allowed: set[str]) -> None:
    unknown = set(record) - allowed
    if unknown:
        raise StateError(f"{what}: the loader does not know the keys {sorted(unknown)}")


def _value(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    if isinstance(field, models.DateField):
        # The original's zero date is NULL in LeadHub.
        return None if str(value).startswith("0000") else field.to_python(value)
    if isinstance(field, models.DecimalField):
        return field.to_python(str(value))
    if isinstance(field, models.JSONField):
        return value
    return field.to_python(value)


def _datetime(value: Any) -> dt.datetime | None:
    """An aware datetime from an ISO string (naive ones in the current time zone)."""
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed
