"""The hot path's plain SQL stores rows exactly as the ORM would."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadhub.db import fastsql
from leads.models import ApiLogEntry, Lead
from leads.tests.factories import LeadFactory, LeadListFactory

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


@pytest.mark.django_db
def test_insert_of_an_instance_stores_what_save_stores():
    """fastsql.insert reads the attributes directly and runs pre_save only where it stamps
    something (modify_date's auto_now): the row must equal the one Model.save writes."""
    list_ = LeadListFactory()
    values = {
        "list": list_,
        "phone_number": "7275551111",
        "first_name": "Ann",
        "gmt_offset_now": Decimal("-5.00"),
        "date_of_birth": date(1980, 2, 29),
        "rank": -3,
        "custom_values": {"cf_text": "x"},
        "entry_date": datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
    }
    columns = [f.attname for f in Lead._meta.concrete_fields if not f.primary_key]
    with time_machine.travel(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), tick=False):
        by_fastsql = LeadFactory.build(**values)
        by_orm = Lead(**{name: getattr(by_fastsql, name) for name in columns})
        fastsql.insert(by_fastsql)
        by_orm.save()

    assert by_fastsql.pk is not None and by_fastsql.pk != by_orm.pk
    stored_fastsql, stored_orm = (
        Lead.objects.filter(pk=pk).values(*columns).get() for pk in (by_fastsql.pk, by_orm.pk)
    )
    assert stored_fastsql == stored_orm
    assert stored_fastsql["modify_date"] == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_hot_path_statements_are_logged_with_their_text():
    """DEBUG's query log and django_assert_num_queries show each statement's SQL, also for a
    prepared execution on PostgreSQL, whose text psycopg does not keep."""
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            fastsql.insert_rows(ApiLogEntry, [LOG_ROW])

    logged = [query["sql"] for query in captured.captured_queries]
    assert len(logged) == 3
    for sql in logged:
        assert sql.startswith('INSERT INTO "leads_apilogentry"') or sql.startswith(
            "INSERT INTO `leads_apilogentry`"
        )
        assert "7275551111|101|1|-5" in sql
