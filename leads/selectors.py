"""Read-only lookups of the lead pipeline (lists, DNC, duplicates, custom fields) and of the
supervisors' search boxes and filters; dashboard statistics are in ``statistics``."""

from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db.models import (
    Q,
    QuerySet,
)

from campaigns.selectors import dnc_patterns
from leadhub.db import config_cache, fastsql

from .models import (
    ApiLogEntry,
    CustomFieldDefinition,
    DncNumber,
    Lead,
    LeadList,
    SystemSettings,
    UserGroup,
)
from .outcomes import DuplicateCheck, DuplicateHit, DuplicateMatch


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
    return fastsql.dnc_number_listed(dnc_patterns(phone_number, match_areacode=match_areacode))


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


def lead_find_duplicate(
    check: DuplicateCheck,
    *,
    phone_number: str,
    list_id: int,
    title: str,
    alt_phone: str,
    first_name: str,
    last_name: str,
    since: datetime | None,
) -> DuplicateHit | None:
    """The existing lead that makes a new lead a duplicate under ``check``, or None.

    Text comparisons ignore letter case and trailing spaces (D11); empty title and alt_phone
    match each other (U33, kept on purpose); among several matches the lowest lead_id is
    reported (D18). One indexed query.
    """
    scope = check.scope
    kind = check.kind
    if kind == "PHONE" and scope != "CAMP":
        # DUPLIST and DUPSYS, the checks callers use most: plain SQL on the hot path.
        row = fastsql.lead_phone_duplicate(
            phone_number, list_id=list_id if scope == "LIST" else None, since=since
        )
        if row is None:
            return None
        return DuplicateHit(check=check, lead_id=row[0], list_id=row[1])
    leads = Lead.objects.all()
    if since is not None:
        leads = leads.filter(entry_date__gt=since)
    if scope == "LIST":
        leads = leads.filter(list_id=list_id)
    elif scope == "CAMP":
        target = list_get(list_id)
        if target is None:
            # The original's query is broken for undefined lists; P7 finds nothing (U24, D9).
            return None
        leads = leads.filter(list_id__in=lists_of_campaign(target.campaign_id))
    if kind == "PHONE":
        leads = leads.filter(phone_number=phone_number)
    elif kind == "PHONE_ALT":
        leads = leads.filter(Q(phone_number=phone_number) | Q(alt_phone__ci=phone_number))
    elif kind == "TITLE_ALT":
        leads = leads.filter(title__ci=title, alt_phone__ci=alt_phone)
    else:
        leads = leads.filter(
            phone_number=phone_number, first_name__ci=first_name, last_name__ci=last_name
        )
    row = leads.order_by("lead_id").values_list("lead_id", "list_id", "phone_number").first()
    if row is None:
        return None
    found_id, found_list, found_phone = row
    matched = DuplicateMatch.PHONE if found_phone == phone_number else DuplicateMatch.ALT
    return DuplicateHit(check=check, lead_id=found_id, list_id=found_list, matched=matched)


# --- Supervisor screens ------------------------------------------------------------------------

# Rows per query when a list of values is matched with IN (SQLite caps query parameters).
IN_CHUNK = 500
DISTINCT_CACHE_SECONDS = 300
_PHONE_PUNCTUATION = str.maketrans("", "", " -().+/")


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


def lead_search_filter(term: str) -> Q:
    """The leads a supervisor means by a search box entry, as index-friendly conditions.

    A number (phone punctuation allowed) is a whole phone or alt phone number, a lead id or a
    vendor code; words must each start a first name, a last name or a vendor code, except
    words with a digit, which only start vendor codes (an index lookup; names are scanned).
    """
    term = term.strip()
    digits = term.translate(_PHONE_PUNCTUATION)
    if digits.isdigit():
        match = Q(phone_number=digits) | Q(alt_phone=digits) | Q(vendor_lead_code=term)
        if len(digits) <= 18:
            match |= Q(lead_id=int(digits))
        return match
    match = Q()
    for word in term.split():
        vendor_code = Q(vendor_lead_code__startswith=word)
        if any(char.isdigit() for char in word):
            match &= vendor_code
        else:
            match &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word) | vendor_code
    return match


def lead_statuses() -> list[str]:
    """The statuses leads have, for the leads filter (cached: see ``_distinct_cached``)."""
    return _distinct_cached("lead-statuses", Lead.objects.all(), "status")


def api_log_functions() -> list[str]:
    """The functions the API log holds, for its filter (cached: see ``_distinct_cached``)."""
    return _distinct_cached("api-log-functions", ApiLogEntry.objects.all(), "function")


def _distinct_cached(key: str, rows: QuerySet, column: str) -> list[str]:
    """Distinct values of a column of a big table. Reading them scans the table or an index,
    so the answer is cached for a few minutes: such values change rarely."""
    return cache.get_or_set(
        f"leadhub:{key}",
        lambda: list(rows.order_by(column).values_list(column, flat=True).distinct()),
        DISTINCT_CACHE_SECONDS,
    )
