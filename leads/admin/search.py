"""What the supervisors' search box and list filters look up (the leads and API log screens).

Read-only, like ``leads.selectors``, but for people browsing rather than for the pipeline.
"""

from django.core.cache import cache
from django.db.models import Q, QuerySet

from ..models import ApiLogEntry, Lead

DISTINCT_CACHE_SECONDS = 300
_PHONE_PUNCTUATION = str.maketrans("", "", " -().+/")


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
