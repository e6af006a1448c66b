"""Overlay operations on contract states (``shared/contract/FORMAT.md`` §3)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any


class StateError(ValueError):
    """The state or overlay cannot be represented in LeadHub's data model as written."""


# Overlay keys (FORMAT §3): collection -> the key of one of its records.
COLLECTION_KEYS: dict[str, Callable[[Any], str]] = {
    "users": lambda r: str(r["user"]),
    "lists": lambda r: str(r["list_id"]),
    "campaigns": lambda r: str(r["campaign_id"]),
    "call_times": lambda r: str(r["id"]),
    "state_call_times": lambda r: str(r["id"]),
    "ip_lists": lambda r: str(r["id"]),
    "user_groups": lambda r: str(r["name"]),
    "custom_fields": lambda r: f"{r['list_id']}:{r['field_label']}",
    "nanpa_prefixes": lambda r: f"{r['areacode']}:{r['prefix']}",
    "campaign_dnc": lambda r: f"{r['campaign_id']}:{r['phone_number']}",
    "dnc": lambda r: str(r),
    "leads": lambda r: str(r["lead_id"]),
}


def apply_overlay(state: dict, ops: Iterable[dict]) -> dict:
    """A new state: ``state`` with the overlay operations applied in order (FORMAT §3).

    The input is never modified. ``original_only`` operations have no LeadHub meaning and are
    ignored (cases carrying them are skipped by the corpus).
    """
    result = copy.deepcopy(state)
    for op in ops:
        kind = op.get("op")
        if kind == "set":
            _set_path(result, op["path"], copy.deepcopy(op["value"]))
        elif kind == "add":
            records = _collection(result, op["collection"])
            value = copy.deepcopy(op["value"])
            key_of = COLLECTION_KEYS.get(op["collection"])
            if key_of is not None and any(key_of(r) == key_of(value) for r in records):
                raise StateError(f"overlay add: {op['collection']} already has {key_of(value)!r}")
            records.append(value)
        elif kind == "update":
            record = _find(result, op["collection"], op["key"])
            record.update(copy.deepcopy(op["value"]))
        elif kind == "remove":
            record = _find(result, op["collection"], op["key"])
            records = _collection(result, op["collection"])
            del records[next(i for i, r in enumerate(records) if r is record)]
        elif kind == "original_only":
            continue
        else:
            raise StateError(f"unknown overlay operation {op!r}")
    return result


def _set_path(state: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    target: Any = state
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def _collection(state: dict, name: str) -> list:
    records = state.get(name)
    if not isinstance(records, list):
        raise StateError(f"overlay names unknown collection {name!r}")
    return records


def _find(state: dict, collection: str, key: Any) -> Any:
    key_of = COLLECTION_KEYS.get(collection)
    if key_of is None:
        raise StateError(f"collection {collection!r} has no overlay key (FORMAT §3)")
    for record in _collection(state, collection):
        if key_of(record) == str(key):
            return record
    raise StateError(f"overlay: {collection} has no record {key!r}")
