"""Login of legacy API callers: password, lockout (D7), IP lists, and a fast path (D6)."""

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.cache import cache

from .. import config_cache
from ..models import ApiUserProfile, IpListEntry
from ..selectors import system_settings_get, user_group_get

LOCK_AFTER_FAILURES = 10
LOCK_MINUTES = 15
IP_FAILURE_LIMIT = 50
LOGIN_LEVEL_MIN = 7
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


def _password_digest(user_id: int, encoded: str, password: str) -> str:
    # Keyed by the stored hash, so a password change invalidates it by itself. Only the
    # digest is kept in the cache, never the password.
    message = f"{user_id}\x00{encoded}\x00{password}".encode()
    return "lmapi-auth:" + hmac.new(settings.SECRET_KEY.encode(), message, "sha256").hexdigest()


def password_matches(user, password: str) -> bool:
    """Django's password check, remembered for LMAPI_AUTH_CACHE_SECONDS after a success
    (a hash costs hundreds of milliseconds; the API must not, D6). Exact comparison."""
    if not password or not user.password:
        return False
    key = _password_digest(user.pk, user.password, password)
    if cache.get(key):
        return True
    if check_password(password, user.password):
        cache.set(key, True, settings.LMAPI_AUTH_CACHE_SECONDS)
        return True
    return False


def _ip_failures_key(client_ip: str) -> str:
    return "lmapi-ip-failures:" + hashlib.sha256(client_ip.encode()).hexdigest()[:32]


def _ip_refused(client_ip: str) -> bool:
    return (cache.get(_ip_failures_key(client_ip)) or 0) > IP_FAILURE_LIMIT


def _count_ip_failure(client_ip: str) -> None:
    key = _ip_failures_key(client_ip)
    if not cache.add(key, 1, LOCK_MINUTES * 60):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, LOCK_MINUTES * 60)


def _locked(profile: ApiUserProfile, now: datetime) -> bool:
    return (
        profile.failed_login_count >= LOCK_AFTER_FAILURES
        and profile.last_login_date is not None
        and now - profile.last_login_date < timedelta(minutes=LOCK_MINUTES)
    )


def _in_ip_list(ip_list_id: str, client_ip: str) -> bool:
    class_c = client_ip.rsplit(".", 1)[0] + ".x" if "." in client_ip else client_ip
    return IpListEntry.objects.filter(
        ip_list_id=ip_list_id, ip_address__in=[client_ip, class_c]
    ).exists()


def _ip_blocked(profile: ApiUserProfile, client_ip: str) -> bool:
    system = system_settings_get()
    if not system.allow_ip_lists or profile.ignore_ip_list:
        return False
    if system.system_ip_blacklist_id and _in_ip_list(system.system_ip_blacklist_id, client_ip):
        return True
    group = user_group_get(profile.user_group_id)
    if group is not None and group.api_ip_list_id:
        return not _in_ip_list(group.api_ip_list_id, client_ip)
    return False


def _record_failure(profile: ApiUserProfile, now: datetime, client_ip: str) -> None:
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


def _accepted(user, profile: ApiUserProfile, password: str, now: datetime) -> bool:
    return (
        user.is_active
        and profile.user_level >= LOGIN_LEVEL_MIN
        and not _locked(profile, now)
        and password_matches(user, password)
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


def api_user_get(username: str, *, fresh: bool = False):
    """The Django user (with api_profile) of an API user name, case-insensitively, or None.

    Cached per process and invalidated whenever a user or profile is saved; the login
    bookkeeping below forgets the entry itself after each of its writes. ``fresh`` reads
    the database (used before counting a failure, so lockouts never use stale counts).
    """
    if not username:
        return None
    if fresh:
        config_cache.forget(_cache_key(username))
    return config_cache.cached(_cache_key(username), lambda: _load_user(username))


def api_login(*, username: str, password: str, client_ip: str, now: datetime) -> Login:
    """Check an API caller's credentials.

    GOOD needs the exact password (D6), user level 7 or more, an active user and no lock.
    Ten consecutive failures lock the user for 15 minutes after the latest one, and a source
    address with more than 50 failures in 15 minutes is refused as locked too (D7); a success
    resets the count. IP allow/deny lists apply after a good password (contract §2.1.5).
    """
    if _ip_refused(client_ip):
        return Login(LoginResult.LOCK)
    user = api_user_get(username)
    profile = getattr(user, "api_profile", None) if user is not None else None
    if user is None or profile is None:
        _count_ip_failure(client_ip)
        return Login(LoginResult.BAD)
    if not _accepted(user, profile, password, now):
        # Decide on the stored row, never on a cached copy.
        user = api_user_get(username, fresh=True)
        profile = getattr(user, "api_profile", None) if user is not None else None
        if user is None or profile is None:
            _count_ip_failure(client_ip)
            return Login(LoginResult.BAD)
        if not _accepted(user, profile, password, now):
            config_cache.forget(_cache_key(username))
            locked = _locked(profile, now)
            _record_failure(profile, now, client_ip)
            _count_ip_failure(client_ip)
            return Login(LoginResult.LOCK if locked else LoginResult.BAD, profile)
    if _ip_blocked(profile, client_ip):
        return Login(LoginResult.IPBLOCK, profile)
    stale = profile.last_login_date is None or now - profile.last_login_date > timedelta(
        seconds=LOGIN_STAMP_SECONDS
    )
    if profile.failed_login_count or profile.last_ip != client_ip or stale:
        ApiUserProfile.objects.filter(pk=profile.pk).update(
            failed_login_count=0, last_login_date=now, last_ip=client_ip[:45]
        )
        # Keep this process's cached copy in step with the row just written.
        profile.failed_login_count = 0
        profile.last_login_date = now
        profile.last_ip = client_ip[:45]
    return Login(LoginResult.GOOD, profile)
