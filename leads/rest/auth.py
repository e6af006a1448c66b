"""Who calls the JSON door: API keys, the legacy door's permissions, and per-key limits.

A key belongs to an API user (``ApiUserProfile``) and acts with that user's permissions, read
as the legacy door reads them: user level 7 and an active user to call at all, the allowed
functions (each operation names the legacy function it stands for), API access, modify_leads
1-4 and level 8 to add leads, the list restriction of the user group, and the IP lists.
Password lockouts (D7) guard against guessed passwords and do not apply: a key cannot be
guessed.
"""

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from leadhub.client_address import client_address
from leadhub.db import config_cache

from .. import api_access
from ..api_access import FixedWindowRateThrottle, ip_blocked
from ..models import ApiKey, ApiUserProfile
from . import problems
from .problems import Problem

KEYWORD = "Api-Key"


def _key_load(prefix: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("profile__user", "profile__user_group")
        .filter(prefix=prefix, revoked=False)
        .first()
    )


def api_key_get(key: str) -> ApiKey | None:
    """The usable key (with its profile and user) of a key as sent, or None.

    The row is cached per process by its prefix and dropped on any change to keys, users or
    profiles (``leads.signals``), so a revoked key stops working within seconds everywhere;
    the hash is checked on every call.
    """
    prefix, dot, secret = key.partition(".")
    if not dot or not secret or len(prefix) != 8:
        return None
    row = config_cache.cached(("api_key", prefix), lambda: _key_load(prefix))
    if row is None or row.has_expired or not row.is_valid(key):
        return None
    return row


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``: the request's user is the key's Django user and
    ``request.auth`` the key."""

    def authenticate(self, request):
        scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        api_key = api_key_get(key.strip())
        if api_key is None:
            raise Problem(problems.INVALID_KEY)
        profile = api_key.profile
        user = profile.user
        if not profile.may_use_api():
            raise Problem(problems.USER_NOT_PERMITTED, "The key's user may not use the API.")
        address = client_address(request._request)
        if ip_blocked(profile, address):
            raise Problem(problems.IP_BLOCKED, f"Address {address} may not use the API.")
        return user, api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD


def request_profile(request) -> ApiUserProfile:
    return request.auth.profile


class ApiFunctionPermission(BasePermission):
    """The view's ``api_function`` (a legacy function name) must be among the user's allowed
    functions; a view with ``adds_leads`` also needs the permission to add leads."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return False
        profile = request_profile(request)
        function = view.api_function_for(request)
        if not profile.allows_function(function):
            raise Problem(
                problems.FUNCTION_NOT_ALLOWED,
                f"User {profile.user.username} may not use {function}.",
                function=function,
            )
        if view.writes_for(request) and not profile.may_add_leads():
            raise Problem(
                problems.USER_NOT_PERMITTED,
                f"User {profile.user.username} may not add leads or change DNC lists.",
            )
        return True


def allowed_list_ids(profile: ApiUserProfile) -> frozenset[str] | None:
    """The list ids a list-restricted user may use, None when every list is allowed."""
    try:
        return api_access.allowed_list_ids(profile)
    except api_access.UserGroupMissing as missing:
        raise Problem(
            problems.USER_GROUP_MISSING, f"User group {missing} does not exist."
        ) from None


class ApiKeyRateThrottle(FixedWindowRateThrottle):
    """Requests per key: the key's own ``throttle_rate``, else the API_KEY_RATE setting."""

    scope = "rest-throttle"

    def rate_and_ident(self, request) -> tuple[str, str] | None:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return None
        return api_key.throttle_rate or settings.API_KEY_RATE, api_key.prefix
