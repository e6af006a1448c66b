"""The hot path's plain SQL stores rows exactly as the ORM would."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from leads import fastsql
from leads.models import ApiLogEntry

LOG_ROW = {
    "api_date": datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
    "user": "6666",
    "agent_user": "",
    "function": "add_lead",
    "value": "",
    "result": "SUCCESS",
    "result_reason": "add_lead LEAD HAS BEEN ADDED",
    "source": "test",
    "data": "7275551111|101|1|-5",
    "api_script": "non-agent",
    "run_time": 0.001,
    "client_ip": "127.0.0.1",
    "url": "/API/lmapi.php?function=add_lead",
    "truncated_fields": "",
}
COMPARED = [name for name in LOG_ROW]


@pytest.mark.django_db
def test_insert_rows_stores_what_the_orm_stores():
    fastsql.insert_rows(ApiLogEntry, [LOG_ROW, {**LOG_ROW, "result": "NOTICE"}])
    ApiLogEntry.objects.create(**LOG_ROW)

    first, second, by_orm = ApiLogEntry.objects.order_by("id").values(*COMPARED)

    assert first == by_orm
    assert second == {**by_orm, "result": "NOTICE"}


@pytest.mark.django_db
def test_insert_rows_refuses_a_row_without_every_column():
    row = dict(LOG_ROW)
    del row["url"]

    with pytest.raises(KeyError, match="url"):
        fastsql.insert_rows(ApiLogEntry, [row])

    assert not ApiLogEntry.objects.exists()


@pytest.mark.django_db
def test_insert_rows_of_nothing_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        fastsql.insert_rows(ApiLogEntry, [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
@pytest.mark.django_db
def test_hot_path_statements_are_prepared_from_their_second_use():
    for _ in range(2):
        fastsql.insert_rows(ApiLogEntry, [LOG_ROW])

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]

    assert any(statement.startswith('INSERT INTO "leads_apilogentry"') for statement in prepared)
    assert ApiLogEntry.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
@pytest.mark.django_db
def test_prepared_statements_are_planned_for_their_own_values():
    """A generic plan made while the leads table was empty would scan it whole later on."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
