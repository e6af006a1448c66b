"""The hot path's cursor: server-side prepared statements on PostgreSQL, and models by name.

Every module of this package runs its fixed statements through ``cursor``.
"""

from contextlib import AbstractContextManager
from functools import cache

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model


def cursor(db: BaseDatabaseWrapper | None = None) -> AbstractContextManager:
    """A cursor for the hot path's fixed statements, as a context manager.

    On PostgreSQL (psycopg 3, with ``prepare_threshold`` set in the database OPTIONS, as
    settings.py does unless ``DATABASE_PREPARED_STATEMENTS`` is off) it binds parameters on
    the server, so psycopg prepares each statement on its second use per connection and the
    server skips parsing from then on (a third less database time per add, bench/RESULTS.md;
    every execution is still planned for its own values, see settings.py). One such
    cursor is kept per connection and reused (creating one costs as much as a quarter of a
    round trip), behind a lean wrapper (``_HotCursor``). The ORM keeps Django's client-side
    binding. Elsewhere it is the usual cursor (SQLite caches its statements by itself;
    MariaDB's driver has no prepared statements). Queries are logged and counted as any
    Django cursor's (see ``_ServerBindingDebugCursor`` for their text). ``db``: the default
    database's connection when the caller has it already (each lookup costs).
    """
    if db is None:
        db = connections[DEFAULT_DB_ALIAS]
    hot = db.__dict__.get("_leadhub_hot_cursor")
    if hot is None:
        cursor_class = _server_binding_cursor(
            db.vendor, db.settings_dict["OPTIONS"].get("prepare_threshold")
        )
        if cursor_class is None:
            return db.cursor()
    # What db.cursor() does, with another cursor class (Django has no hook for that).
    db.close_if_health_check_failed()
    if db.connection is None:
        db.ensure_connection()
    if hot is None or hot.raw.closed or hot.raw.connection is not db.connection:
        cursor_class = _server_binding_cursor(
            db.vendor, db.settings_dict["OPTIONS"].get("prepare_threshold")
        )
        with db.wrap_database_errors:
            hot = db._leadhub_hot_cursor = _HotCursor(cursor_class(db.connection), db)
    db.validate_thread_sharing()
    if db.queries_logged:
        return _ServerBindingDebugCursor(hot.raw, db)
    if db.execute_wrappers:
        return db.make_cursor(hot.raw)
    return hot


class _HotCursor:
    """The reused server-binding cursor when queries are not logged: what Django's
    CursorWrapper does for these statements (errors raised as Django's, no statement in a
    broken transaction) without its per-call extras (execute wrappers, which ``cursor``
    leaves to Django's wrapper when any is installed, and a new wrapped method per fetch).
    Leaving its ``with`` block keeps it open for the connection's next statement."""

    __slots__ = ("raw", "db")

    def __init__(self, raw, db) -> None:
        self.raw = raw
        self.db = db

    def __enter__(self) -> "_HotCursor":
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def execute(self, sql: str, params=None):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.raw.execute(sql, params)

    def fetchone(self):
        with self.db.wrap_database_errors:
            return self.raw.fetchone()

    def fetchall(self):
        with self.db.wrap_database_errors:
            return self.raw.fetchall()

    @property
    def rowcount(self) -> int:
        return self.raw.rowcount

    @property
    def lastrowid(self):
        return self.raw.lastrowid


class _ServerBindingDebugCursor(CursorDebugWrapper):
    """Django's debug cursor reads the SQL it logs back from psycopg, which keeps no text for
    a prepared execution (it would log None): log the statement with its values composed in,
    as Django does for server-side binding."""

    def execute(self, sql, params=None):
        try:
            shown = self.db.ops.compose_sql(sql, params)
        except Exception:  # the query log must never fail the statement
            shown = sql
        with self.debug_sql(shown, params):
            return CursorWrapper.execute(self, sql, params)


@cache
def _server_binding_cursor(vendor: str, prepare_threshold: int | None) -> type | None:
    if vendor != "postgresql" or prepare_threshold is None:
        return None
    from django.db.backends.postgresql.base import ServerBindingCursor

    return ServerBindingCursor


@cache
def leads_model(model_name: str) -> type[Model]:
    """A leads model, looked up when first needed: this package is imported by every app, so
    it imports none of their models."""
    return apps.get_model("leads", model_name)


def model_table(model_name: str) -> str:
    """The table of a leads model (see ``leads_model``)."""
    return leads_model(model_name)._meta.db_table
