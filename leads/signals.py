"""Invalidate cached configuration (settings, lists, campaigns, API users, phone codes) on every
change."""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save

from campaigns.models import CallTime, Campaign, StateCallTime
from leadhub.db import config_cache

from .api import passwords
from .models import (
    ApiKey,
    ApiUserProfile,
    CustomFieldDefinition,
    IpList,
    IpListEntry,
    LeadList,
    NanpaPrefix,
    PhoneCode,
    SystemSettings,
    UserGroup,
)

CACHED_MODELS = (
    SystemSettings,
    LeadList,
    CustomFieldDefinition,
    Campaign,
    CallTime,
    StateCallTime,
    UserGroup,
    IpList,
    IpListEntry,
    ApiUserProfile,
    ApiKey,
    get_user_model(),
    # Reference rows cached by leads.timezones (postal codes are queried, not cached).
    PhoneCode,
    NanpaPrefix,
)


def _invalidate(**kwargs) -> None:
    config_cache.invalidate()


for _model in CACHED_MODELS:
    post_save.connect(_invalidate, sender=_model, dispatch_uid=f"cfg-save-{_model.__name__}")
    post_delete.connect(_invalidate, sender=_model, dispatch_uid=f"cfg-del-{_model.__name__}")
m2m_changed.connect(
    _invalidate, sender=CallTime.state_rules.through, dispatch_uid="cfg-m2m-calltime"
)


def _forget_passwords(sender, instance, **kwargs) -> None:
    """A saved or deleted user (or API profile) drops its remembered password checks."""
    passwords.forget_user(instance.pk if sender is get_user_model() else instance.user_id)


for _model in (get_user_model(), ApiUserProfile):
    post_save.connect(_forget_passwords, sender=_model, dispatch_uid=f"pw-save-{_model.__name__}")
    post_delete.connect(_forget_passwords, sender=_model, dispatch_uid=f"pw-del-{_model.__name__}")
