"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from django.db import connection

from . import fastsql
from .models import DedupeLock

if TYPE_CHECKING:
    from .outcomes import DuplicatePolicy

BUCKETS = 1 << 16
# PostgreSQL advisory locks take two int4 keys: this one names LeadHub's lock space ("LH").
ADVISORY_LOCK_SPACE = 0x4C48


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def _advisory_key(key: str) -> int:
    """The key's CRC-32 as a signed 32-bit integer (an advisory lock's second key)."""
    value = zlib.crc32(key.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


# Lock statements of up to this many keys are kept (an add's); a batch's are built each time.
_CACHED_LOCK_COUNT = 8


def phone_lock_key(phone: str) -> str:
    """The key of a phone number: whoever checks or stores a lead with this phone (or, under
    a check that matches alt phones, this alt phone) for duplicates takes it."""
    return f"phone:{phone}"


def lead_lock_keys(
    policy: "DuplicatePolicy", *, phone: str, alt_phone: str, title: str
) -> list[str]:
    """The keys a lead's duplicate check locks before it looks, and a store of that lead
    locks before it inserts: every door (the API's add, the importer's batches) takes these,
    so a check and a concurrent insert of a matching lead run one after the other."""
    kinds = _kinds(policy)
    keys = [phone_lock_key(phone)]
    if "PHONE_ALT" in kinds and alt_phone and alt_phone != phone:
        keys.append(phone_lock_key(alt_phone))
    if "TITLE_ALT" in kinds:
        keys.append(f"title-alt:{title.rstrip().lower()}|{alt_phone.rstrip().lower()}")
    return keys


@lru_cache(maxsize=64)
def _kinds(policy: "DuplicatePolicy") -> frozenset[str]:
    return frozenset(check.kind for check in policy.checks)


def dedupe_locks_taken() -> bool:
    """Whether ``dedupe_lock`` locks anything on this backend (SQLite's writers already run
    one at a time)."""
    return connection.vendor != "sqlite"


def _lock_sql(vendor: str, count: int) -> str:
    if vendor == "postgresql" and count > _CACHED_LOCK_COUNT:
        # One array parameter, taken in its (sorted) order.
        return (
            f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_SPACE}, key) "
            "FROM unnest(%s::integer[]) AS key"
        )
    if count > _CACHED_LOCK_COUNT:
        return _lock_sql_of(vendor, count)
    return _cached_lock_sql(vendor, count)


@cache
def _cached_lock_sql(vendor: str, count: int) -> str:
    return _lock_sql_of(vendor, count)


def _lock_sql_of(vendor: str, count: int) -> str:
    if vendor == "postgresql":
        # Taken left to right, so in the sorted order of the keys.
        calls = ", ".join([f"pg_advisory_xact_lock({ADVISORY_LOCK_SPACE}, %s::integer)"] * count)
        return f"SELECT {calls}"
    table = connection.ops.quote_name(DedupeLock._meta.db_table)
    # MySQL's form takes no conflict target; it locks the existing row exclusively.
    return (
        f"INSERT INTO {table} (bucket, uses) VALUES "
        + ", ".join(["(%s, 1)"] * count)
        + " ON DUPLICATE KEY UPDATE uses = 1"
    )


def dedupe_lock(keys: Iterable[str], *, cursor=None) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. A second request with the same key then
    waits until the first commits and sees its lead; keys are locked in sorted order, so two
    requests never deadlock. One statement:

    - PostgreSQL: transaction-scoped advisory locks on the keys' CRC-32 (no row is written);
    - MariaDB/MySQL: an upsert of the keys' bucket rows in ``DedupeLock``, which locks each
      row exclusively whether or not it existed (its locks are session-scoped otherwise);
    - SQLite: nothing, since IMMEDIATE transactions (settings.py) already run writers one at
      a time.

    ``cursor`` is one of another connection of the same database (the importer's store
    thread); by default the lock is taken on Django's connection.
    """
    vendor = connection.vendor
    if not dedupe_locks_taken():
        return
    key_of = _advisory_key if vendor == "postgresql" else bucket_for
    values = sorted({key_of(key) for key in keys})
    if not values:
        return
    sql = _lock_sql(vendor, len(values))
    params = [values] if vendor == "postgresql" and len(values) > _CACHED_LOCK_COUNT else values
    if cursor is not None:
        cursor.execute(sql, params)
        return
    with fastsql.cursor() as django_cursor:
        django_cursor.execute(sql, params)
