"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from django.db import connection

from . import fastsql

if TYPE_CHECKING:
    from leads.services.request import DuplicatePolicy

BUCKETS = 1 << 16
# PostgreSQL advisory locks take two int4 keys: this one names LeadHub's lock space ("LH"),
ADVISORY_LOCK_SPACE = 0x4C48
# and this one the buckets that a batch locks exclusively and an add shared ("LB").
BATCH_LOCK_SPACE = 0x4C42
BATCH_BUCKETS = 256


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def _batch_bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BATCH_BUCKETS


def _advisory_key(key: str) -> int:
    """The key's CRC-32 as a signed 32-bit integer (an advisory lock's second key)."""
    value = zlib.crc32(key.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


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


@cache
def _lock_sql(vendor: str, buckets: int, keys: int) -> str:
    """An add's lock statement: PostgreSQL locks its keys' buckets shared, then the keys
    (left to right, so in sorted order); MariaDB locks the keys' bucket rows."""
    if vendor == "postgresql":
        shared = [f"pg_advisory_xact_lock_shared({BATCH_LOCK_SPACE}, %s::integer)"] * buckets
        calls = [f"pg_advisory_xact_lock({ADVISORY_LOCK_SPACE}, %s::integer)"] * keys
        return f"SELECT {', '.join(shared + calls)}"
    return _bucket_rows_sql(keys)


def _bucket_rows_sql(count: int) -> str:
    table = connection.ops.quote_name(fastsql.model_table("DedupeLock"))
    # MySQL's form takes no conflict target; it locks the existing row exclusively.
    return (
        f"INSERT INTO {table} (bucket, uses) VALUES "
        + ", ".join(["(%s, 1)"] * count)
        + " ON DUPLICATE KEY UPDATE uses = 1"
    )


def dedupe_lock(keys: Iterable[str]) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. A second request with the same key then
    waits until the first commits and sees its lead; keys are locked in sorted order, so two
    requests never deadlock. One statement:

    - PostgreSQL: transaction-scoped advisory locks on the keys' CRC-32 (no row is written),
      after shared locks on the keys' batch buckets (see ``dedupe_lock_batch``);
    - MariaDB/MySQL: an upsert of the keys' bucket rows in ``DedupeLock``, which locks each
      row exclusively whether or not it existed (its locks are session-scoped otherwise);
    - SQLite: nothing, since IMMEDIATE transactions (settings.py) already run writers one at
      a time.
    """
    vendor = connection.vendor
    if not dedupe_locks_taken():
        return
    if vendor == "postgresql":
        keys = set(keys)
        buckets = sorted({_batch_bucket(key) for key in keys})
        values = buckets + sorted({_advisory_key(key) for key in keys})
        sql = _lock_sql(vendor, len(buckets), len(values) - len(buckets))
    else:
        values = sorted({bucket_for(key) for key in keys})
        sql = _lock_sql(vendor, 0, len(values))
    if values:
        with fastsql.cursor() as cursor:
            cursor.execute(sql, values)


def dedupe_lock_batch(keys: Iterable[str], *, cursor) -> None:
    """``dedupe_lock`` for a batch of thousands of keys, on ``cursor`` (the importer's own
    connection on PostgreSQL, else Django's), in one statement, in sorted order.

    PostgreSQL: an advisory lock per key would fill the server's lock table (64 per
    connection by default), so the batch locks the keys' buckets (``BATCH_BUCKETS``)
    exclusively, which waits for, and holds off, every add whose keys fall in them (an add
    holds its buckets shared). MariaDB: the keys' bucket rows, as an add. SQLite: nothing.
    """
    vendor = connection.vendor
    if not dedupe_locks_taken():
        return
    if vendor == "postgresql":
        buckets = sorted({_batch_bucket(key) for key in keys})
        if buckets:
            cursor.execute(
                f"SELECT pg_advisory_xact_lock({BATCH_LOCK_SPACE}, bucket) "
                "FROM unnest(%s::integer[]) AS bucket",  # in the array's (sorted) order
                [buckets],
            )
        return
    values = sorted({bucket_for(key) for key in keys})
    if values:
        cursor.execute(_bucket_rows_sql(len(values)), values)
