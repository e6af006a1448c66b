"""Read-only lookups of the webhooks app."""

from leadhub.db import config_cache

from .models import Subscription


def subscriptions_active() -> tuple[Subscription, ...]:
    """The active subscriptions (cached per process; dropped on any change, see signals)."""

    def load() -> tuple[Subscription, ...]:
        return tuple(Subscription.objects.filter(active=True).order_by("id"))

    return config_cache.cached("webhook_subscriptions", load)


def subscriptions_covering(
    event_type: str, *, list_id: int | None = None, door: str | None = None
) -> list[Subscription]:
    """The active subscriptions that want this event (its type, list and door)."""
    return [
        s
        for s in subscriptions_active()
        if s.covers(event_type=event_type, list_id=list_id, door=door)
    ]
