"""Read-only lookups of the lead pipeline (lists, DNC, duplicates, custom fields)."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from campaigns.selectors import dnc_patterns

from . import config_cache, fastsql
from .models import (
    ApiLogEntry,
    CustomFieldDefinition,
    DncNumber,
    DuplicateReview,
    ImportJob,
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
    return DncNumber.objects.filter(
        phone_number__in=dnc_patterns(phone_number, match_areacode=match_areacode)
    ).exists()


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


@functools.cache
def _phone_duplicate_sql(vendor: str, by_list: bool, windowed: bool) -> str:
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('lead_id')}, {quote('list_id')} FROM {quote(Lead._meta.db_table)} "
        f"WHERE {quote('phone_number')} = %s"
    )
    if by_list:
        sql += f" AND {quote('list_id')} = %s"
    if windowed:
        sql += f" AND {quote('entry_date')} > %s"
    return sql + f" ORDER BY {quote('lead_id')} LIMIT 1"


def _phone_duplicate_row(
    phone_number: str, list_id: int | None, since: datetime | None
) -> tuple[int, int] | None:
    params: list = [phone_number]
    if list_id is not None:
        params.append(list_id)
    if since is not None:
        params.append(connection.ops.adapt_datetimefield_value(since))
    sql = _phone_duplicate_sql(connection.vendor, list_id is not None, since is not None)
    with fastsql.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


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
        row = _phone_duplicate_row(phone_number, list_id if scope == "LIST" else None, since)
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


def duplicate_reviews_pending_count() -> int:
    return DuplicateReview.objects.filter(status=DuplicateReview.Status.PENDING).count()


@dataclass(frozen=True)
class DayLoads:
    day: date
    api: int = 0
    upload: int = 0
    manual: int = 0

    @property
    def total(self) -> int:
        return self.api + self.upload + self.manual


def leads_loaded_per_day(*, days: int, now: datetime) -> list[DayLoads]:
    """Leads added per local day and door over the last ``days`` days, today included, oldest
    first, days without leads included. One query on the entry_date index.

    Days are cut at local midnight at today's UTC offset: the timestamp is shifted by that
    offset and truncated in UTC, which every backend does without time-zone tables (MariaDB
    has none unless loaded). A DST change inside the window moves one hour across midnight.
    """
    offset = timezone.localtime(now).utcoffset() or timedelta(0)
    today = (now.astimezone(UTC) + offset).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, time.min, tzinfo=dt_timezone(offset))
    local_entry = ExpressionWrapper(F("entry_date") + offset, output_field=DateTimeField())
    rows = (
        Lead.objects.filter(entry_date__gte=start)
        .annotate(day=TruncDate(local_entry, tzinfo=UTC))
        .values("day", "door")
        .annotate(count=Count("lead_id"))
        .order_by()
    )
    counts: dict[date, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["day"], {})[row["door"]] = row["count"]
    result = []
    for number in range(days):
        day = first_day + timedelta(days=number)
        by_door = counts.get(day, {})
        result.append(
            DayLoads(
                day=day,
                api=by_door.get(Lead.Door.API, 0),
                upload=by_door.get(Lead.Door.UPLOAD, 0),
                manual=by_door.get(Lead.Door.MANUAL, 0),
            )
        )
    return result


@dataclass(frozen=True)
class RejectionRates:
    total: int
    duplicates: int
    dnc: int

    @property
    def duplicate_percent(self) -> float | None:
        return 100 * self.duplicates / self.total if self.total else None

    @property
    def dnc_percent(self) -> float | None:
        return 100 * self.dnc / self.total if self.total else None


def api_rejection_rates(*, since: datetime) -> RejectionRates:
    """add_lead requests since ``since`` (their SUCCESS or ERROR log line; NOTICE lines are
    extras of a success) and how many were refused as duplicates or DNC. One query."""
    totals = ApiLogEntry.objects.filter(
        api_date__gte=since, function="add_lead", result__in=("SUCCESS", "ERROR")
    ).aggregate(
        total=Count("id"),
        duplicates=Count("id", filter=Q(result="ERROR", result_reason__contains="DUPLICATE")),
        dnc=Count("id", filter=Q(result="ERROR", result_reason__contains="DNC")),
    )
    return RejectionRates(**totals)


def import_rejection_rates(*, since: datetime) -> RejectionRates:
    """Rows of imports created since ``since``, and how many were duplicates (in the database
    or in the file) or DNC, from each job's counts per outcome (outcome names containing
    "dup" or "dnc"). The counts of one job add up to its rows done."""
    total = duplicates = dnc = 0
    for counts in ImportJob.objects.filter(created_at__gte=since).values_list("counts", flat=True):
        for outcome, count in (counts or {}).items():
            if not isinstance(count, int):
                continue
            total += count
            name = outcome.lower()
            duplicates += count if "dup" in name else 0
            dnc += count if "dnc" in name else 0
    return RejectionRates(total=total, duplicates=duplicates, dnc=dnc)


def import_jobs_recent(*, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.select_related("created_by")[:limit])


def lead_lists_with_counts(lists: QuerySet[LeadList]) -> QuerySet[LeadList]:
    """Lists annotated with ``lead_count``, ``new_lead_count`` and ``custom_field_count``.

    Correlated subqueries, each an index-only count on the (list, status) index, rather than
    a join and GROUP BY over all leads: a page of lists counts only its own lists' leads.
    """

    def count_of(rows: QuerySet) -> Coalesce:
        counted = (
            rows.filter(list_id=OuterRef("list_id"))
            .order_by()
            .values("list_id")
            .annotate(count=Count("*"))
            .values("count")
        )
        return Coalesce(Subquery(counted[:1]), 0)

    return lists.annotate(
        lead_count=count_of(Lead.objects.all()),
        new_lead_count=count_of(Lead.objects.filter(status="NEW")),
        custom_field_count=count_of(CustomFieldDefinition.objects.all()),
    )
