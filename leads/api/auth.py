"""Login of legacy API callers: password, lockout (D7), IP lists, and a fast path (D6)."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q

from leadhub.db import config_cache, fastsql
from leadhub.db.locks import LockStatement

from ..api_access import ip_blocked
from ..models import ApiUserProfile, LoginFailureMinute
from .passwords import password_matches

LOCK_AFTER_FAILURES = 10
LOCK_MINUTES = 15
LOCK_WINDOW = timedelta(minutes=LOCK_MINUTES)
IP_FAILURE_LIMIT = 50
# Refresh last_login_date / last_ip at most this often: the original rewrote the user row
# on every call, which makes it a hot row under load.
LOGIN_STAMP_SECONDS = 60


class LoginResult(enum.Enum):
    GOOD = "GOOD"
    BAD = "BAD"
    LOCK = "LOCK"
    IPBLOCK = "IPBLOCK"


@dataclass(frozen=True)
class Login:
    result: LoginResult
    profile: ApiUserProfile | None = None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _gate(
    profile_id: int | None, client_ip: str, now: datetime, lock: LockStatement | None
) -> fastsql.LoginGate:
    """The lock state of the user and of the address, read from the database (one query, which
    also takes ``lock``), so a lock written by any worker or host holds at once. The address
    window is counted by the minute, from the start of the minute 15 minutes ago."""
    return fastsql.login_gate(
        profile_id=profile_id,
        lock_after=LOCK_AFTER_FAILURES,
        locked_since=now - LOCK_WINDOW,
        address=client_ip[:45],
        since=_minute(now - LOCK_WINDOW),
        lock=lock,
    )


def _count_ip_failure(client_ip: str, now: datetime) -> None:
    fastsql.login_failure_add(address=client_ip[:45], minute=_minute(now))
    LoginFailureMinute.objects.filter(minute__lt=_minute(now - LOCK_WINDOW)).delete()


def _locked(profile: ApiUserProfile, now: datetime) -> bool:
    return (
        profile.failed_login_count >= LOCK_AFTER_FAILURES
        and profile.last_login_date is not None
        and now - profile.last_login_date < LOCK_WINDOW
    )


def _record_failure(profile: ApiUserProfile, now: datetime) -> None:
    """Count a failure on a profile read with its row locked (so concurrent failures on any
    worker each count)."""
    if profile.failed_login_count >= LOCK_AFTER_FAILURES and not _locked(profile, now):
        # The lock has run out: this failure starts a new count.
        profile.failed_login_count = 1
    else:
        profile.failed_login_count = min(profile.failed_login_count + 1, LOCK_AFTER_FAILURES)
    if profile.failed_login_count >= LOCK_AFTER_FAILURES:
        # D7: the lock runs for 15 minutes from the latest failure.
        profile.last_login_date = now
    ApiUserProfile.objects.filter(pk=profile.pk).update(
        failed_login_count=profile.failed_login_count,
        last_login_date=profile.last_login_date,
    )


def _cache_key(username: str) -> tuple[str, str]:
    return ("api_user", username.lower())


def _load_user(username: str):
    return (
        get_user_model()
        .objects.select_related("api_profile")
        .filter(username__iexact=username)
        .first()
    )


def _load_profile_for_update(username: str) -> ApiUserProfile | None:
    """The API profile (with its user) of a user name, its rows locked until commit."""
    return (
        ApiUserProfile.objects.select_related("user")
        .select_for_update()
        .filter(user__username__iexact=username)
        .order_by("pk")
        .first()
    )


def api_user_get(username: str):
    """The Django user (with api_profile) of an API user name, case-insensitively, or None.

    Cached per process and invalidated whenever a user or profile is saved; the login
    bookkeeping below forgets the entry itself after each of its writes. Its lock state may
    be stale: ``api_login`` reads that from the database on every call.
    """
    if not username:
        return None
    return config_cache.cached(_cache_key(username), lambda: _load_user(username))


def api_login(
    *,
    username: str,
    password: str,
    client_ip: str,
    now: datetime,
    lock: LockStatement | None = None,
) -> Login:
    """Check an API caller's credentials. Must run inside ``transaction.atomic``.

    GOOD needs the exact password (D6), ``ApiUserProfile.may_use_api`` and no lock.
    Ten consecutive failures lock the user for 15 minutes after the latest one, and a source
    address with more than 50 failures in 15 minutes is refused as locked too (D7); a success
    resets the count. The lock state is read from the database before the password is
    looked at, on every call (a locked user's password is never checked, so no answer or
    timing tells a right guess from a wrong one); failures are counted under a row lock (per
    user) and by an atomic upsert (per address). So counts and locks hold across workers and
    hosts, and a remembered password check (D6) skips the hash, never the lock. IP allow and
    deny lists apply after a good password (contract §2.1.5).

    ``lock`` (``locks.dedupe_lock_statement``) rides on the lock-state read, the first
    statement of the transaction, whatever the outcome: the request's duplicate-check locks
    are then held before any password is looked at, for one round trip less per add.
    """
    user = api_user_get(username)
    profile = getattr(user, "api_profile", None) if user is not None else None
    gate = _gate(profile.pk if profile is not None else None, client_ip, now, lock)
    if gate.address_failures > IP_FAILURE_LIMIT:
        return Login(LoginResult.LOCK)
    refused_hash = None
    if profile is not None and not gate.user_locked and profile.may_use_api():
        if password_matches(user, password):
            # Failures counted by other workers since this copy was read: a success resets
            # them (D7 counts consecutive failures).
            profile.failed_login_count = gate.user_failures
            return _succeed(profile, client_ip, now)
        refused_hash = user.password
    return _login_on_stored_row(username, password, client_ip, now, refused_hash=refused_hash)


def _login_on_stored_row(
    username: str, password: str, client_ip: str, now: datetime, *, refused_hash: str | None
) -> Login:
    """Decide on the stored row, locked until commit, never on a cached copy: count the
    failure, or accept when the cached copy was out of date. ``refused_hash`` is the stored
    hash the password was already refused against (not hashed twice)."""
    config_cache.forget(_cache_key(username))
    profile = _load_profile_for_update(username) if username else None
    if profile is None:
        _count_ip_failure(client_ip, now)
        return Login(LoginResult.BAD)
    user = profile.user
    locked = _locked(profile, now)
    if (
        not locked
        and profile.may_use_api()
        and user.password != refused_hash
        and password_matches(user, password)
    ):
        return _succeed(profile, client_ip, now)
    _record_failure(profile, now)
    _count_ip_failure(client_ip, now)
    return Login(LoginResult.LOCK if locked else LoginResult.BAD, profile)


def _succeed(profile: ApiUserProfile, client_ip: str, now: datetime) -> Login:
    if ip_blocked(profile, client_ip):
        return Login(LoginResult.IPBLOCK, profile)
    stale = profile.last_login_date is None or now - profile.last_login_date > timedelta(
        seconds=LOGIN_STAMP_SECONDS
    )
    if profile.failed_login_count or profile.last_ip != client_ip or stale:
        # Never over a lock another worker wrote since this profile was read.
        not_locked = ~Q(
            failed_login_count__gte=LOCK_AFTER_FAILURES, last_login_date__gt=now - LOCK_WINDOW
        )
        stamped = ApiUserProfile.objects.filter(not_locked, pk=profile.pk).update(
            failed_login_count=0, last_login_date=now, last_ip=client_ip[:45]
        )
        if not stamped:
            return Login(LoginResult.LOCK, profile)
        # Keep this process's cached copy in step with the row just written.
        profile.failed_login_count = 0
        profile.last_login_date = now
        profile.last_ip = client_ip[:45]
    return Login(LoginResult.GOOD, profile)
