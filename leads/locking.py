"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib
from functools import cache

from django.db import connection

from . import fastsql
from .models import DedupeLock

BUCKETS = 1 << 16
# PostgreSQL advisory locks take two int4 keys: this one names LeadHub's lock space ("LH").
ADVISORY_LOCK_SPACE = 0x4C48


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def _advisory_key(key: str) -> int:
    """The key's CRC-32 as a signed 32-bit integer (an advisory lock's second key)."""
    value = zlib.crc32(key.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


@cache
def _lock_sql(vendor: str, count: int) -> str:
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


def dedupe_lock(keys: list[str]) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. A second request with the same key then
    waits until the first commits and sees its lead; keys are locked in sorted order, so two
    requests never deadlock. One statement:

    - PostgreSQL: transaction-scoped advisory locks on the keys' CRC-32 (no row is written);
    - MariaDB/MySQL: an upsert of the keys' bucket rows in ``DedupeLock``, which locks each
      row exclusively whether or not it existed (its locks are session-scoped otherwise);
    - SQLite: nothing, since IMMEDIATE transactions (settings.py) already run writers one at
      a time.
    """
    vendor = connection.vendor
    if vendor == "sqlite":
        return
    key_of = _advisory_key if vendor == "postgresql" else bucket_for
    values = sorted({key_of(key) for key in keys})
    with fastsql.cursor() as cursor:
        cursor.execute(_lock_sql(vendor, len(values)), values)
