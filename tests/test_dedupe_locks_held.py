"""An add's duplicate-check lock taken with the API login's gate (issue 9: 6 queries per add).

The legacy API puts the add's lock statement into the login gate's SELECT, then tells the
pipeline that those keys are held (``dedupe_locks_held``), so ``dedupe_lock`` sends nothing
for them; any other key is still locked. On SQLite no lock statement exists at all.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from leadhub.db import fastsql
from leadhub.db.locks import (
    dedupe_lock,
    dedupe_lock_rows_create,
    dedupe_lock_statement,
    dedupe_locks_held,
    dedupe_locks_taken,
    phone_lock_key,
)

HELD = phone_lock_key("7275550100")
OTHER = phone_lock_key("7275550101")


def _gate(lock):
    now = timezone.now()
    return fastsql.login_gate(
        profile_id=None,
        lock_after=10,
        locked_since=now - timedelta(minutes=15),
        address="127.0.0.1",
        since=now - timedelta(minutes=15),
        lock=lock,
    )


@pytest.mark.django_db
def test_keys_held_are_not_locked_again_and_other_keys_are(django_assert_num_queries):
    dedupe_lock_rows_create()
    statements = 1 if dedupe_locks_taken() else 0
    with transaction.atomic(), dedupe_locks_held([HELD]):
        with django_assert_num_queries(0):
            dedupe_lock([HELD])
        with django_assert_num_queries(statements):
            dedupe_lock([HELD, OTHER])


@pytest.mark.django_db
def test_the_gate_carries_the_lock_in_its_one_statement(django_assert_num_queries):
    """Gate values as without a lock, one statement (the bucket rows existing on MariaDB)."""
    dedupe_lock_rows_create()
    lock = dedupe_lock_statement([HELD, OTHER])
    assert (lock is not None) == dedupe_locks_taken()
    with transaction.atomic(), django_assert_num_queries(1):
        gate = _gate(lock)
    assert (gate.user_locked, gate.user_failures, gate.address_failures) == (False, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_missing_bucket_row_is_created_and_locked_by_a_second_statement(
    django_assert_num_queries,
):
    """MariaDB: without the migration's rows, the gate's locking read finds none and the
    upsert that creates them runs too."""
    if connection.vendor != "mysql":
        pytest.skip("bucket rows are MariaDB's lock")
    from leads.models import DedupeLock

    DedupeLock.objects.all().delete()
    with transaction.atomic(), django_assert_num_queries(2):
        _gate(dedupe_lock_statement([HELD]))
    assert DedupeLock.objects.count() == 1
