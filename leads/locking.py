"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib
from functools import cache

from django.db import connection

from . import fastsql
from .models import DedupeLock

BUCKETS = 1 << 16


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


@cache
def _upsert_sql(vendor: str, count: int) -> str:
    table = connection.ops.quote_name(DedupeLock._meta.db_table)
    insert = f"INSERT INTO {table} (bucket, uses) VALUES " + ", ".join(["(%s, 1)"] * count)
    if vendor == "mysql":
        # MySQL's form takes no conflict target; it locks the existing row exclusively.
        return f"{insert} ON DUPLICATE KEY UPDATE uses = 1"
    return f"{insert} ON CONFLICT (bucket) DO UPDATE SET uses = 1"


def dedupe_lock(keys: list[str]) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. One upsert statement writes the keys'
    bucket rows, which takes an exclusive row lock on PostgreSQL and MariaDB whether or not
    the row existed, so a second request with the same key waits until the first commits and
    then sees its lead. Rows are written in sorted order, so two requests never deadlock. On
    SQLite, IMMEDIATE transactions already run writers one at a time. (Plain SQL: this runs
    on every API request with a duplicate check.)
    """
    buckets = sorted({bucket_for(key) for key in keys})
    with fastsql.cursor() as cursor:
        cursor.execute(_upsert_sql(connection.vendor, len(buckets)), buckets)
