"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import DedupeLock

BUCKETS = 1 << 16


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def dedupe_lock(keys: list[str]) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. PostgreSQL and MariaDB lock the bucket rows
    (UPDATE); SQLite needs nothing more, since its IMMEDIATE transactions already run writers
    one at a time. Buckets are taken in sorted order, so two requests never deadlock.
    """
    for bucket in sorted({bucket_for(key) for key in keys}):
        if DedupeLock.objects.filter(bucket=bucket).update(uses=F("uses") + 1):
            continue
        try:
            with transaction.atomic():
                DedupeLock.objects.create(bucket=bucket, uses=1)
        except IntegrityError:
            # Another request created the row first: wait for its lock like everyone else.
            DedupeLock.objects.filter(bucket=bucket).update(uses=F("uses") + 1)
