"""Statistics for the supervisors' screens (dashboard, lists): counts over big tables, each
one query on an index, whatever the data size. The pipeline's own lookups are in
``selectors``."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.core.cache import cache
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

from .models import ApiLogEntry, CustomFieldDefinition, DuplicateReview, ImportJob, Lead, LeadList

# A past day's leads per door, for the dashboard (see leads_loaded_per_day).
DAY_LOADS_CACHE_SECONDS = 24 * 3600


def duplicate_reviews_pending_count() -> int:
    return DuplicateReview.objects.filter(status=DuplicateReview.Status.PENDING).count()


@dataclass(frozen=True)
class DayLoads:
    day: date
    api: int = 0
    upload: int = 0
    manual: int = 0
    rest: int = 0

    @property
    def total(self) -> int:
        return self.api + self.upload + self.manual + self.rest


def leads_loaded_per_day(*, days: int, now: datetime) -> list[DayLoads]:
    """Leads added per local day and door over the last ``days`` days, today included, oldest
    first, days without leads included.

    One query on the (entry_date, door) index, from the first day whose counts are not in the
    cache: a past day's counts are cached for ``DAY_LOADS_CACHE_SECONDS`` (leads are entered
    now, never in the past), so a dashboard view reads today's index entries only, whatever
    the size of the table and the loading rate of the other days.

    Days are cut at local midnight at today's UTC offset: the timestamp is shifted by that
    offset and truncated in UTC, which every backend does without time-zone tables (MariaDB
    has none unless loaded). A DST change inside the window moves one hour across midnight.
    """
    offset = timezone.localtime(now).utcoffset() or timedelta(0)
    today = (now.astimezone(UTC) + offset).date()
    all_days = [today - timedelta(days=days - 1 - number) for number in range(days)]
    keys = {
        day: f"leadhub:loads-day:{day.isoformat()}:{offset.total_seconds():.0f}"
        for day in all_days[:-1]
    }
    cached = cache.get_many(keys.values())
    counts = {day: cached[key] for day, key in keys.items() if key in cached}
    first_read = next(day for day in all_days if day not in counts)
    read = _loads_per_day_and_door(since=first_read, offset=offset)
    for day in all_days[all_days.index(first_read) :]:
        counts[day] = read.get(day, {})
    cache.set_many(
        {keys[day]: counts[day] for day in all_days[:-1] if day >= first_read},
        DAY_LOADS_CACHE_SECONDS,
    )
    return [
        DayLoads(
            day=day,
            api=counts[day].get(Lead.Door.API, 0),
            upload=counts[day].get(Lead.Door.UPLOAD, 0),
            manual=counts[day].get(Lead.Door.MANUAL, 0),
            rest=counts[day].get(Lead.Door.REST, 0),
        )
        for day in all_days
    ]


def _loads_per_day_and_door(*, since: date, offset: timedelta) -> dict[date, dict[str, int]]:
    start = datetime.combine(since, time.min, tzinfo=dt_timezone(offset))
    local_entry = ExpressionWrapper(F("entry_date") + offset, output_field=DateTimeField())
    rows = (
        Lead.objects.filter(entry_date__gte=start)
        .annotate(day=TruncDate(local_entry, tzinfo=UTC))
        .values("day", "door")
        # COUNT(*): entry_date and door only, so the lead_entry_date_door index answers alone.
        .annotate(count=Count("*"))
        .order_by()
    )
    counts: dict[date, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["day"], {})[row["door"]] = row["count"]
    return counts


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
