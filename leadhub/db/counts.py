"""Row counts for screens over big tables: exact while they are small, the planner's estimate
beyond (PostgreSQL). An exact ``COUNT(*)`` reads every matching row or index entry: about a
second for ten million leads, on every page view."""

import json

from django.db import connections
from django.db.models import QuerySet


def count_bounded(rows: QuerySet, *, exact_up_to: int) -> tuple[int, bool]:
    """(count, exact) of ``rows``. Counts at most ``exact_up_to`` + 1 rows; when there are more,
    PostgreSQL answers with its planner's estimate (``EXPLAIN``, no row read; at least the rows
    counted), the other databases with the exact count."""
    rows = rows.order_by()
    counted = rows.values("pk")[: exact_up_to + 1].count()
    if counted <= exact_up_to:
        return counted, True
    if connections[rows.db].vendor != "postgresql":
        return rows.count(), True
    return max(counted, count_estimated(rows)), False


def count_estimated(rows: QuerySet) -> int:
    """The rows PostgreSQL's planner expects ``rows`` to return (its table statistics, kept by
    autovacuum's ANALYZE): one ``EXPLAIN``, no row read."""
    plan = json.loads(rows.order_by().values("pk").explain(format="json"))
    # Django flattens EXPLAIN's one-element JSON array; older versions kept it.
    plan = plan[0] if isinstance(plan, list) else plan
    return int(plan["Plan"]["Plan Rows"])
