"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib

from django.db import connection

from .models import DedupeLock

BUCKETS = 1 << 16


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def dedupe_lock(keys: list[str]) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. One upsert statement writes the keys'
    bucket rows (``INSERT ... ON CONFLICT DO UPDATE`` / ``ON DUPLICATE KEY UPDATE``), which
    takes an exclusive row lock on PostgreSQL and MariaDB whether or not the row existed, so
    a second request with the same key waits until the first commits and then sees its lead.
    Rows are written in sorted order, so two requests never deadlock. On SQLite, IMMEDIATE
    transactions already run writers one at a time.
    """
    buckets = sorted({bucket_for(key) for key in keys})
    # MySQL's ON DUPLICATE KEY UPDATE takes no conflict target; the others need one.
    target = ["bucket"] if connection.features.supports_update_conflicts_with_target else None
    DedupeLock.objects.bulk_create(
        [DedupeLock(bucket=bucket, uses=1) for bucket in buckets],
        update_conflicts=True,
        unique_fields=target,
        update_fields=["uses"],
    )
