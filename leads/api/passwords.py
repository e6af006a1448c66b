"""Remembered API password checks (D6): at most one password hash per user per period for
the whole site, and none on the request path after the first.

A verified password is remembered in the shared cache ``settings.API_LOGINS_CACHE`` (files
every worker of the box shares; Redis with ``REDIS_URL``) for ``LMAPI_AUTH_CACHE_SECONDS``,
under a digest of the user id, the stored hash and the password (never the password
itself), in one entry per user: ``{digest: until}``. Each
process keeps what it read in a dictionary in front of the cache, never for longer than the
cache entry lives. In the last ``REFRESH_FRACTION`` of the period, a request that finds its
digest schedules a re-check on a background thread of its process: the first process to claim
the refresh (``cache.add``) hashes once and extends the shared entry; the others adopt it. So
while a user keeps calling, no request waits for a hash. Saving or deleting a user drops the
user's entry at once (``forget_user``, connected in leads/signals.py); a new password changes
the stored hash, and with it every digest, by itself.

That is one hash per user per period for the box (the file cache), or for the whole site
(Redis); a server restarted within the period hashes nothing.
"""

import hmac
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import caches

# Refresh once less than this share of the period is left (the last minute of five).
REFRESH_FRACTION = 0.2
# How long one process's claim to refresh a user's entry keeps the others from hashing too.
REFRESH_CLAIM_SECONDS = 30
_LOCAL_MAX = 4096

# digest -> (user id, until: epoch seconds at which the shared entry ends).
_local: dict[str, tuple[int, float]] = {}
_refreshing: set[str] = set()
_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


logger = logging.getLogger(__name__)


def shared_cache():
    """The cache every process of the box (of the site, with Redis) reads the checks from."""
    return caches[settings.API_LOGINS_CACHE]


def _shared(operation: str, *args, failed=None):
    """``operation`` of the shared cache; a file the process may not read or write (a folder
    made by another user, a full disk) costs a hash, never the request: logged, ``failed``
    returned."""
    try:
        return getattr(shared_cache(), operation)(*args)
    except OSError as error:
        logger.warning("remembered API logins: the shared cache's %s failed: %s", operation, error)
        return failed


def _user_key(user_id: int) -> str:
    return f"lmapi-auth:{user_id}"


def _digest(user_id: int, encoded: str, password: str) -> str:
    message = f"{user_id}\x00{encoded}\x00{password}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, "sha256").hexdigest()


def password_matches(user, password: str) -> bool:
    """Django's password check of ``user``, remembered after a success (a hash costs
    hundreds of milliseconds; the API must not, D6). Exact comparison."""
    if not password or not user.password:
        return False
    digest = _digest(user.pk, user.password, password)
    now = time.time()
    hit = _local.get(digest)
    until = hit[1] if hit is not None and hit[1] > now else _shared_until(user.pk, digest, now)
    if until is not None:
        if until - now < settings.LMAPI_AUTH_CACHE_SECONDS * REFRESH_FRACTION:
            _refresh_in_background(user.pk, user.password, password, digest)
        return True
    if check_password(password, user.password):
        _store(user.pk, digest)
        return True
    return False


def forget_user(user_id: int) -> None:
    """Drop every remembered check of a user, in the shared cache and in this process."""
    _shared("delete", _user_key(user_id))
    for digest in [d for d, (uid, _) in list(_local.items()) if uid == user_id]:
        _local.pop(digest, None)


def forget_all_in_process() -> None:
    """Drop this process's copies (tests; the shared cache is cleared on its own)."""
    _local.clear()
    _refreshing.clear()


def _shared_until(user_id: int, digest: str, now: float) -> float | None:
    entry = _shared("get", _user_key(user_id))
    until = entry.get(digest) if isinstance(entry, dict) else None
    if type(until) is not float or until <= now:
        return None
    _remember(digest, user_id, until)
    return until


def _store(user_id: int, digest: str) -> None:
    period = settings.LMAPI_AUTH_CACHE_SECONDS
    until = time.time() + period
    entry = _shared("get", _user_key(user_id))
    digests = {d: u for d, u in entry.items() if u > until - period} if entry else {}
    digests[digest] = until
    _shared("set", _user_key(user_id), digests, period)
    _remember(digest, user_id, until)


def _remember(digest: str, user_id: int, until: float) -> None:
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[digest] = (user_id, until)


def _refresh_in_background(user_id: int, encoded: str, password: str, digest: str) -> None:
    if digest in _refreshing:
        return
    _refreshing.add(digest)
    run_in_background(_refresh, user_id, encoded, password, digest)


def run_in_background(function, *args) -> None:
    """Run ``function(*args)`` on this process's refresh thread (created after a fork)."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            _executor = (os.getpid(), ThreadPoolExecutor(1, "lmapi-password-refresh"))
        executor = _executor[1]
    executor.submit(function, *args)


def _refresh(user_id: int, encoded: str, password: str, digest: str) -> None:
    """Extend a remembered check before it ends: adopt another process's refresh, or claim
    the refresh and hash once. Runs off the request path."""
    try:
        now = time.time()
        until = _shared_until(user_id, digest, now)
        margin = settings.LMAPI_AUTH_CACHE_SECONDS * REFRESH_FRACTION
        if until is not None and until - now >= margin:
            return  # another process has refreshed it
        claim = (f"{_user_key(user_id)}:refresh", 1, REFRESH_CLAIM_SECONDS)
        if not _shared("add", *claim, failed=True):
            return  # another process is hashing: the next request adopts its result
        if check_password(password, encoded):
            _store(user_id, digest)
    finally:
        _refreshing.discard(digest)
