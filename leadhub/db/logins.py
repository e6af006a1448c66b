"""The API login's statements (D7): the gate read before a password is looked at, on which an
add's duplicate-check lock rides, and the per-address failure count."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections

from .cursors import cursor, model_table
from .locks import LockStatement


@dataclass(frozen=True)
class LoginGate:
    """What the database says of one login attempt's user and address (D7)."""

    user_locked: bool
    # The user's consecutive failures as stored (a remembered profile's copy may be older).
    user_failures: int
    address_failures: int


@cache
def _gate_columns() -> str:
    quote = connection.ops.quote_name
    profiles = quote(model_table("ApiUserProfile"))
    failures = quote(model_table("LoginFailureMinute"))
    # Three scalar subqueries, valid on SQLite, PostgreSQL and MariaDB alike.
    return (
        f"(SELECT COUNT(*) FROM {profiles} WHERE id = %s AND failed_login_count >= %s"
        f" AND last_login_date > %s),"
        f" (SELECT COALESCE(MAX(failed_login_count), 0) FROM {profiles} WHERE id = %s),"
        f" (SELECT COALESCE(SUM(failures), 0) FROM {failures} WHERE address = %s AND minute >= %s)"
    )


@cache
def _login_gate_sql(lock_columns: str) -> str:
    """The gate's SELECT, with the lock's columns when there is one (PostgreSQL: its advisory
    lock calls; MariaDB: a locking read of its bucket rows, see ``locks.LockStatement``)."""
    if not lock_columns:
        return f"SELECT {_gate_columns()}"
    return f"SELECT {_gate_columns()}, {lock_columns}"


def login_gate(
    *,
    profile_id: int | None,
    lock_after: int,
    locked_since: datetime,
    address: str,
    since: datetime,
    lock: LockStatement | None = None,
) -> LoginGate:
    """Whether the profile has ``lock_after`` failures, the latest after ``locked_since``,
    how many consecutive failures it has, and how many failed logins came from ``address``
    in the minutes from ``since`` on. One statement, which also takes ``lock`` (see
    ``locks.dedupe_lock_statement``) when given: its locks are held until the transaction
    ends; the gate reads what was committed when the statement started."""
    db = connections[DEFAULT_DB_ALIAS]
    adapt = db.ops.adapt_datetimefield_value
    params = [profile_id, lock_after, adapt(locked_since), profile_id, address, adapt(since)]
    if lock is not None:
        params += lock.params
    with cursor(db) as c:
        c.execute(_login_gate_sql(lock.select_list if lock is not None else ""), params)
        row = c.fetchone()
    if lock is not None:
        lock.finish(row[3:])
    locked, user_failures, failures = row[:3]
    return LoginGate(
        user_locked=bool(locked), user_failures=int(user_failures), address_failures=int(failures)
    )


@cache
def _login_failure_add_sql(vendor: str) -> str:
    table = connection.ops.quote_name(model_table("LoginFailureMinute"))
    insert = f"INSERT INTO {table} (address, minute, failures) VALUES (%s, %s, 1)"
    if vendor == "mysql":
        return insert + " ON DUPLICATE KEY UPDATE failures = failures + 1"
    return insert + f" ON CONFLICT (address, minute) DO UPDATE SET failures = {table}.failures + 1"


def login_failure_add(*, address: str, minute: datetime) -> None:
    """Count one failed login of ``address`` in ``minute``: one atomic upsert, so concurrent
    failures on any worker or host each count."""
    db = connections[DEFAULT_DB_ALIAS]
    with cursor(db) as c:
        c.execute(
            _login_failure_add_sql(db.vendor), [address, db.ops.adapt_datetimefield_value(minute)]
        )
