"""Active subscriptions are cached per process (webhooks.selectors): drop them on any change."""

from django.db.models.signals import post_delete, post_save

from leadhub.db import config_cache

from .models import Subscription


def _invalidate(**kwargs) -> None:
    config_cache.invalidate()


post_save.connect(_invalidate, sender=Subscription, dispatch_uid="cfg-save-Subscription")
post_delete.connect(_invalidate, sender=Subscription, dispatch_uid="cfg-del-Subscription")
