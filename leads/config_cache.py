"""A process-local cache of slow-changing configuration (lists, campaigns, settings, users).

Entries are tagged with a generation number kept in the shared Django cache; any change to a
cached model bumps it (see signals.py), so every process drops its copies on the next request.
With the default per-process LocMemCache, changes made through another process are seen
within ``MAX_AGE`` seconds; configure a shared cache (Redis) to make that immediate.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

GENERATION_KEY = "leadhub:config-generation"
MAX_AGE = 5.0

_local: dict[object, tuple[int, float, object]] = {}


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = int(time.time() * 1000)
        cache.add(GENERATION_KEY, value, None)
    return value


def invalidate() -> None:
    _local.clear()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, int(time.time() * 1000), None)


def cached(key: object, load: Callable[[], T]) -> T:
    """Return the cached value for key, loading it when missing, stale or invalidated."""
    gen = generation()
    now = time.monotonic()
    hit = _local.get(key)
    if hit is not None and hit[0] == gen and now - hit[1] < MAX_AGE:
        return hit[2]  # type: ignore[return-value]
    value = load()
    _local[key] = (gen, now, value)
    return value


def forget(key: object) -> None:
    """Drop one entry of this process (after a write that sends no signal)."""
    _local.pop(key, None)
