"""Read-only lookups of the lead pipeline (lists, DNC, duplicates, custom fields)."""

from campaigns.selectors import dnc_patterns

from . import config_cache
from .models import DncNumber, LeadList, SystemSettings


def system_settings_get() -> SystemSettings:
    """The system settings row (cached; created with defaults when missing)."""
    return config_cache.cached("system_settings", SystemSettings.load)


def list_get(list_id: int) -> LeadList | None:
    """The list with this id (cached; invalidated on change), or None."""

    def load() -> LeadList | None:
        return LeadList.objects.filter(list_id=list_id).first()

    return config_cache.cached(("list", list_id), load)


def dnc_number_blocked(phone_number: str, *, match_areacode: bool) -> bool:
    """Whether the system DNC list holds this number (or, with match_areacode, its area code
    as a ``727XXXXXXX`` wildcard)."""
    return DncNumber.objects.filter(
        phone_number__in=dnc_patterns(phone_number, match_areacode=match_areacode)
    ).exists()
