"""What the supervisors' search box and list filters look up (the leads and API log screens).

Read-only, like ``leads.selectors``, but for people browsing rather than for the pipeline.
"""

import re
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Q

from leadhub.db import fastsql

from ..models import ApiLogEntry, Lead
from ..phones import NANP_PHONE_CODE, phone_normalise

DISTINCT_CACHE_SECONDS = 300
# A search term that is a number as people type one (Unicode spaces included).
_TYPED_NUMBER = re.compile(r"[\d\s().+/-]+")
_NON_DIGITS = re.compile(r"[^0-9]")
# A phone number without its area code: found by the numbers it ends.
LOCAL_NUMBER_DIGITS = (7, 9)


def typed_phone_number(term: str) -> str | None:
    """The phone number a search term means when it is a number as people type one
    (``(727) 555-1000``, ``+1 727 555 1000``), None for other terms."""
    term = term.strip()
    if not (_TYPED_NUMBER.fullmatch(term) and _NON_DIGITS.sub("", term)):
        return None
    return phone_normalise(term, phone_code=NANP_PHONE_CODE).number


def lead_search_filter(term: str) -> Q:
    """The leads a supervisor means by a search box entry, as index-friendly conditions.

    A number, typed as people type it (``phones.phone_normalise``: ``(727) 555-1000``,
    ``+1 727 555 1000``), is a whole phone or alt phone number, a lead id or a vendor code;
    a local number of 7 to 9 digits (``555-1000``) also finds the phone numbers it ends
    (that part scans the leads table). Words must each start a first name, a last name or a
    vendor code, except words with a digit, which only start vendor codes (an index lookup;
    names are scanned).
    """
    term = term.strip()
    number = typed_phone_number(term)
    if number is not None:
        digits = _NON_DIGITS.sub("", term)
        match = Q(vendor_lead_code=term)
        for phone in {number, digits}:
            match |= Q(phone_number=phone) | Q(alt_phone=phone)
        if LOCAL_NUMBER_DIGITS[0] <= len(number) <= LOCAL_NUMBER_DIGITS[1]:
            match |= Q(phone_number__endswith=number)
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


def leads_of_import_filter(job) -> Q:
    """The leads an import job loaded: its door, its user, its list (when it had one) and
    the time it ran. (Leads do not name their import; two imports of one user into one list
    at the same time would be shown together.)"""
    match = Q(door=Lead.Door.UPLOAD, user=job.created_by.get_username() if job.created_by else "")
    if job.list_id:
        match &= Q(list_id=job.list_id)
    if job.started_at is None:
        return match & Q(pk__in=[])
    match &= Q(entry_date__gte=job.started_at)
    if job.finished_at is not None:
        match &= Q(entry_date__lte=job.finished_at)
    return match


def lead_statuses() -> list[str]:
    """The statuses leads have, for the leads filter (cached: see ``_distinct_cached``). On
    PostgreSQL a walk of the (list, status) index (``fastsql.column_values_distinct``)."""
    return _distinct_cached(
        "lead-statuses",
        lambda: fastsql.column_values_distinct(Lead, "status", index_leading="list_id"),
    )


def api_log_functions() -> list[str]:
    """The functions the API log holds, for its filter (cached: see ``_distinct_cached``)."""
    rows = ApiLogEntry.objects.order_by("function").values_list("function", flat=True)
    return _distinct_cached("api-log-functions", lambda: list(rows.distinct()))


def _distinct_cached(key: str, read: Callable[[], list[str]]) -> list[str]:
    """Distinct values of a column of a big table. Reading them scans the table or an index,
    so the answer is cached for a few minutes: such values change rarely."""
    return cache.get_or_set(f"leadhub:{key}", read, DISTINCT_CACHE_SECONDS)
