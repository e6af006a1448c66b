"""The admin's reads on big tables (issue 14, growth): the lead list's count is exact up to a
bound and PostgreSQL's planner estimate beyond it (``fastsql.count_bounded``); the status
filter's choices walk the (list, status) index on PostgreSQL; the dashboard's loads per day
read only what the (entry_date, door) index holds, and past days only once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadhub.db import fastsql
from leads.admin import paging
from leads.admin.search import lead_statuses
from leads.models import Lead
from leads.statistics import leads_loaded_per_day
from leads.tests.factories import LeadFactory, LeadListFactory

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_a_count_within_the_bound_is_exact(lead_list):
    LeadFactory.create_batch(3, list=lead_list)
    assert fastsql.count_bounded(Lead.objects.all(), exact_up_to=3) == (3, True)
    assert fastsql.count_bounded(Lead.objects.filter(pk=-1), exact_up_to=3) == (0, True)


@pytest.mark.skipif(ON_POSTGRESQL, reason="the other databases count exactly")
def test_past_the_bound_other_databases_count_exactly(lead_list):
    LeadFactory.create_batch(4, list=lead_list)
    assert fastsql.count_bounded(Lead.objects.all(), exact_up_to=2) == (4, True)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the planner's estimate: PostgreSQL")
def test_past_the_bound_postgresql_estimates_without_counting_every_row(lead_list):
    LeadFactory.create_batch(4, list=lead_list)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
    with CaptureQueriesContext(connection) as captured:
        count, exact = fastsql.count_bounded(Lead.objects.all(), exact_up_to=2)
    assert not exact
    assert count >= 3  # at least the rows counted before the bound stopped it
    counts = _counts(captured.captured_queries)
    assert len(counts) == 1 and "LIMIT 3" in counts[0]
    assert any(q["sql"].startswith("EXPLAIN") for q in captured.captured_queries)


def test_lead_list_counts_no_further_than_the_bound(admin_client, lead_list, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", 2)
    LeadFactory.create_batch(4, list=lead_list)
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(reverse("admin:leads_lead_changelist"))
    assert response.status_code == 200
    lead_counts = [sql for sql in _counts(captured.captured_queries) if "leads_lead" in sql]
    estimated = 'id="count-estimate"' in response.content.decode()
    if ON_POSTGRESQL:
        assert lead_counts and all("LIMIT 3" in sql for sql in lead_counts)
        assert estimated
    else:
        assert response.context["cl"].result_count == 4
        assert not estimated


def test_lead_list_filtered_to_few_leads_shows_their_exact_count(admin_client, lead_list):
    LeadFactory.create_batch(2, list=lead_list)
    LeadFactory()
    response = admin_client.get(
        reverse("admin:leads_lead_changelist"), {"list__list_id__exact": lead_list.pk}
    )
    assert response.context["cl"].result_count == 2
    assert 'id="count-estimate"' not in response.content.decode()


def test_status_choices_are_the_distinct_statuses_of_every_list(lead_list):
    other = LeadListFactory()
    for status in ("SALE", "NEW", "NEW", "B"):
        LeadFactory(list=lead_list, status=status)
    LeadFactory(list=other, status="A")
    LeadFactory(list_id=55555, status="DNC")  # a list that was never defined
    with CaptureQueriesContext(connection) as captured:
        assert lead_statuses() == ["A", "B", "DNC", "NEW", "SALE"]
    if ON_POSTGRESQL:
        # One index probe per (list, status) pair, not a read of the whole table.
        assert [q["sql"][:14] for q in captured.captured_queries] == ["WITH RECURSIVE"]


def test_status_choices_of_an_empty_table_are_none():
    assert fastsql.column_values_distinct(Lead, "status", index_leading="list_id") == []


def test_dashboard_loads_per_day_read_only_the_entry_date_door_index(lead_list):
    LeadFactory(list=lead_list, door=Lead.Door.UPLOAD)
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        days = leads_loaded_per_day(days=30, now=now)
    assert sum(day.upload for day in days) == 1
    (sql,) = [q["sql"] for q in captured.captured_queries]
    # COUNT(*) and the two columns of lead_entry_date_door: an index-only scan can answer.
    assert "COUNT(*)" in sql
    columns = {name for name in ("lead_id", "list_id", "status", "phone_number") if name in sql}
    assert columns == set()
    index = next(i for i in Lead._meta.indexes if i.name == "lead_entry_date_door")
    assert index.fields == ["entry_date", "door"]


def test_dashboard_reads_past_days_once_then_today_only(lead_list):
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    LeadFactory(list=lead_list, entry_date=yesterday)
    first = leads_loaded_per_day(days=3, now=now)
    # Leads are entered now: a lead dated yesterday after the first view is not read again
    # (yesterday's counts come from the cache), today's are counted at every view.
    LeadFactory(list=lead_list, entry_date=yesterday)
    LeadFactory(list=lead_list, entry_date=now, door=Lead.Door.REST)
    with CaptureQueriesContext(connection) as captured:
        second = leads_loaded_per_day(days=3, now=now)
    assert [day.total for day in first] == [0, 1, 0]
    assert [(day.total, day.rest) for day in second] == [(0, 0), (1, 0), (1, 1)]
    assert len(captured.captured_queries) == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="a PostgreSQL storage parameter")
def test_postgresql_vacuums_the_leads_table_after_one_percent_new_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'leads_lead'")
        (options,) = cursor.fetchone()
    assert "autovacuum_vacuum_insert_scale_factor=0.01" in options
    assert "autovacuum_analyze_scale_factor=0.01" in options
