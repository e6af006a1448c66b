"""The user checks and rate limits both API doors share: the legacy text door (a login with a
password) and the JSON door (an API key) each find their ``ApiUserProfile`` in their own way,
then ask the same questions of it here and in its model (``may_use_api``, ``allows_function``,
``may_add_leads``), and each words the answers in its own dialect.
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from .models import ApiUserProfile, IpListEntry
from .selectors import list_ids_allowed_for_group, system_settings_get, user_group_get


def _in_ip_list(ip_list_id: str, client_ip: str) -> bool:
    class_c = client_ip.rsplit(".", 1)[0] + ".x" if "." in client_ip else client_ip
    return IpListEntry.objects.filter(
        ip_list_id=ip_list_id, ip_address__in=[client_ip, class_c]
    ).exists()


def ip_blocked(profile: ApiUserProfile, client_ip: str) -> bool:
    """Whether the IP lists refuse this user at this address (contract §2.1.5): the system's
    deny list, then the user group's allow list; neither when IP lists are off system-wide or
    the user ignores them."""
    system = system_settings_get()
    if not system.allow_ip_lists or profile.ignore_ip_list:
        return False
    if system.system_ip_blacklist_id and _in_ip_list(system.system_ip_blacklist_id, client_ip):
        return True
    group = user_group_get(profile.user_group_id)
    if group is not None and group.api_ip_list_id:
        return not _in_ip_list(group.api_ip_list_id, client_ip)
    return False


class UserGroupMissing(Exception):
    """A list-restricted user's group does not exist (the group id is the message)."""


def allowed_list_ids(profile: ApiUserProfile) -> frozenset[str] | None:
    """The list ids a list-restricted user may use, None when every list is allowed.

    Raises UserGroupMissing when the user is restricted to a group that does not exist."""
    if not profile.api_list_restrict:
        return None
    group = user_group_get(profile.user_group_id)
    if group is None:
        raise UserGroupMissing(profile.user_group_id or "")
    return list_ids_allowed_for_group(group)


class FixedWindowRateThrottle(BaseThrottle):
    """Requests per caller in fixed windows, counted in the configured cache (one atomic
    increment per request); no rate, no cache access. DRF's history-list throttles would
    rewrite a list of every request time per call. Subclasses say who the caller is and
    which rate applies (``rate_and_ident``)."""

    durations = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    scope = ""

    def rate_and_ident(self, request) -> tuple[str, str] | None:
        """The caller's rate (DRF's syntax, e.g. "600/min") and identity, or None: no limit."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        found = self.rate_and_ident(request)
        if found is None:
            return True
        rate, ident = found
        number, _, period = rate.partition("/")
        limit, duration = int(number), self.durations[period[0]]
        now = time.time()
        window = int(now // duration)
        cache_key = f"{self.scope}:{ident}:{duration}:{window}"
        cache.add(cache_key, 0, duration + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:
            # Evicted between add and incr: count this request as the window's first.
            cache.set(cache_key, 1, duration + 1)
            count = 1
        self._wait = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float:
        return self._wait


class ApiUserRateThrottle(FixedWindowRateThrottle):
    """The legacy door's limit per API user: the LMAPI_USER_RATE setting (empty: none). The
    door sets ``request.api_profile`` once the login has succeeded."""

    scope = "lmapi-throttle"

    def rate_and_ident(self, request) -> tuple[str, str] | None:
        rate = settings.LMAPI_USER_RATE
        profile = getattr(request, "api_profile", None)
        if not rate or profile is None:
            return None
        return rate, str(profile.pk)
