"""Read-only lookups of the lead pipeline (lists, custom fields; the rules' own queries are in
``leads.pipeline``) and of the supervisors' search boxes and filters; dashboard statistics
are in ``statistics``."""

from collections.abc import Iterable

from django.db.models import (
    Q,
)

from leadhub.db import config_cache

from .models import (
    CustomFieldDefinition,
    DncNumber,
    Lead,
    LeadList,
    SystemSettings,
    UserGroup,
)
from .outcomes import DuplicateCheck, DuplicateHit


def system_settings_get() -> SystemSettings:
    """The system settings row (cached; created with defaults when missing)."""
    return config_cache.cached("system_settings", SystemSettings.load)


def list_get(list_id: int) -> LeadList | None:
    """The list with this id (cached; invalidated on change), or None."""

    def load() -> LeadList | None:
        return LeadList.objects.filter(list_id=list_id).first()

    return config_cache.cached(("list", list_id), load)


def lists_of_campaign(campaign_id: str | None) -> frozenset[int]:
    """Ids of the lists whose campaign is campaign_id (None: lists without a campaign)."""

    def load() -> frozenset[int]:
        if campaign_id is None:
            rows = LeadList.objects.filter(campaign__isnull=True)
        else:
            rows = LeadList.objects.filter(campaign_id=campaign_id)
        return frozenset(rows.values_list("list_id", flat=True))

    return config_cache.cached(("lists_of_campaign", campaign_id), load)


def list_ids_allowed_for_group(user_group: UserGroup) -> frozenset[str]:
    """List ids (as text) a list-restricted member of the group may add leads to.

    Lists without a campaign are always allowed, as in the original (L07); only existing
    lists can be allowed (L10).
    """

    def load() -> frozenset[str]:
        rows = LeadList.objects.all()
        if not user_group.allows_all_campaigns:
            rows = rows.filter(
                Q(campaign__isnull=True) | Q(campaign_id__in=user_group.campaign_ids)
            )
        return frozenset(str(list_id) for list_id in rows.values_list("list_id", flat=True))

    return config_cache.cached(("allowed_lists", user_group.user_group), load)


def user_group_get(user_group_id: str | None) -> UserGroup | None:
    if not user_group_id:
        return None
    return config_cache.cached(
        ("user_group", user_group_id),
        lambda: UserGroup.objects.filter(user_group=user_group_id).first(),
    )


def custom_fields_of_list(list_id: int) -> list[CustomFieldDefinition]:
    """The list's field definitions in the order the original writes them."""
    return config_cache.cached(
        ("custom_fields", list_id),
        lambda: list(CustomFieldDefinition.objects.filter(list_id=list_id)),
    )


def custom_fields_storing(list_id: int) -> list[CustomFieldDefinition]:
    """The list's field definitions that store a value (``stores_value``), in the original's
    order (cached like ``custom_fields_of_list``)."""
    return config_cache.cached(
        ("custom_fields_storing", list_id),
        lambda: [d for d in custom_fields_of_list(list_id) if d.stores_value],
    )


# --- Supervisor screens ------------------------------------------------------------------------

# Rows per query when a list of values is matched with IN (SQLite caps query parameters).
IN_CHUNK = 500


def lead_find_list_duplicate(
    *, phone_number: str, list_id: int, exclude_lead_id: int | None
) -> DuplicateHit | None:
    """The DUPLIST check of an edited lead: the lowest-id *other* lead of the list with this
    phone number, or None. One indexed query."""
    leads = Lead.objects.filter(phone_number=phone_number, list_id=list_id)
    if exclude_lead_id is not None:
        leads = leads.exclude(lead_id=exclude_lead_id)
    row = leads.order_by("lead_id").values_list("lead_id", "list_id").first()
    if row is None:
        return None
    return DuplicateHit(check=DuplicateCheck.LIST, lead_id=row[0], list_id=row[1])


def dnc_numbers_present(numbers: Iterable[str], *, campaign_id: str | None = None) -> set[str]:
    """Which of these entries the system DNC list (or the campaign's own list) holds."""
    from campaigns.models import CampaignDnc

    rows = (
        DncNumber.objects.all()
        if campaign_id is None
        else CampaignDnc.objects.filter(campaign_id=campaign_id)
    )
    wanted = list(dict.fromkeys(numbers))
    present: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        present.update(rows.filter(phone_number__in=chunk).values_list("phone_number", flat=True))
    return present
