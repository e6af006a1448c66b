"""A process-local cache of slow-changing configuration (lists, campaigns, settings, users).

Entries are tagged with a generation number kept in the shared Django cache; any change to a
cached model bumps it (see signals.py), and every process drops its copies once it sees the new
number: at once in the process that made the change, within ``GENERATION_CHECK_SECONDS`` in
the others (the number is read from the shared cache at most that often, since the API's hot
path would otherwise read it several times per request). With the default per-process
memory cache (leadhub/cache.py), changes made through another process are seen within
``MAX_AGE`` seconds; configure a shared cache (Redis) to make that a second.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

GENERATION_KEY = "leadhub:config-generation"
MAX_AGE = 5.0
GENERATION_CHECK_SECONDS = 1.0

_local: dict[object, tuple[int, float, object]] = {}
# (monotonic time it was read, generation number) of the last read of the shared number.
_seen: tuple[float, int] | None = None


def generation() -> int:
    global _seen
    now = time.monotonic()
    if _seen is not None and now - _seen[0] < GENERATION_CHECK_SECONDS:
        return _seen[1]
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = int(time.time() * 1000)
        cache.add(GENERATION_KEY, value, None)
    _seen = (now, value)
    return value


def invalidate() -> None:
    global _seen
    _local.clear()
    _seen = None
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
