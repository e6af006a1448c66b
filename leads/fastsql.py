"""Plain SQL for the API's hot path: a few fixed statements, without the ORM's query building.

Values go through the same field methods the ORM's insert uses (``pre_save`` for auto_now and
``get_db_prep_save`` for adaptation), so rows are stored exactly as ``Model.save`` would store
them; model signals are not sent (no receiver listens to these models).

On PostgreSQL these statements run as server-side prepared statements (see ``cursor``).
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import CharField, Field, Model, TextField


def cursor() -> CursorWrapper:
    """A cursor for the hot path's fixed statements.

    On PostgreSQL (psycopg 3, with ``prepare_threshold`` set in the database OPTIONS, as
    settings.py does unless ``DATABASE_PREPARED_STATEMENTS`` is off) it binds parameters on
    the server, so psycopg prepares each statement on its second use per connection and the
    server skips parsing and planning from then on: that halves the database's time per
    add. The ORM keeps Django's client-side binding. Elsewhere it is the usual cursor
    (SQLite caches its statements by itself; MariaDB's driver has no prepared statements).
    Queries are logged and counted as any Django cursor's.
    """
    db = connections[DEFAULT_DB_ALIAS]
    cursor_class = _server_binding_cursor(db.vendor, db.settings_dict["OPTIONS"])
    if cursor_class is None:
        return db.cursor()
    # What db.cursor() does, with another cursor class (Django has no hook for that).
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        return db._prepare_cursor(cursor_class(db.connection))


@contextmanager
def pipeline() -> Iterator[None]:
    """Within ``transaction.atomic``: on PostgreSQL, send the statements run inside without
    waiting for each answer (psycopg's pipeline mode); a statement whose rows are fetched
    waits for everything sent before it. The transaction's BEGIN goes with the first
    statement and the last writes with the closing sync, so an add makes 4 round trips
    instead of 6. Each statement still runs on its own snapshot, in order, so a lock taken
    by one statement holds before the next one reads. Elsewhere it does nothing.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not db.in_atomic_block:
        yield
        return
    db.ensure_connection()
    with db.wrap_database_errors, db.connection.pipeline():
        yield


def _server_binding_cursor(vendor: str, options: dict) -> type | None:
    if vendor != "postgresql" or options.get("prepare_threshold") is None:
        return None
    from django.db.backends.postgresql.base import ServerBindingCursor

    return ServerBindingCursor


@cache
def _insert_sql(model: type[Model], vendor: str, returning: bool) -> tuple[str, tuple]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields


@cache
def _plain_text(field: Field) -> bool:
    """Whether the ORM stores a str value of this field as it is: text columns whose save
    conversion is the identity for str (so the hot path can skip the field methods)."""
    return type(field) in (CharField, TextField) and not getattr(field, "auto_now", False)


def _db_value(field: Field, value: object, db) -> object:
    if type(value) is str and _plain_text(field):
        return value
    return field.get_db_prep_save(value, db)


def insert(obj: Model) -> None:
    """INSERT one new object and set its auto primary key."""
    db = connections[DEFAULT_DB_ALIAS]
    returning = db.features.can_return_columns_from_insert
    sql, fields = _insert_sql(type(obj), db.vendor, returning)
    params = [_db_value(f, f.pre_save(obj, True), db) for f in fields]
    with cursor() as c:
        c.execute(sql, params)
        pk = c.fetchone()[0] if returning else c.lastrowid
    obj.pk = pk
    obj._state.adding = False


def insert_rows(model: type[Model], rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT new rows of one model in one statement, without building model instances.

    Each row maps every concrete field's attname but the primary key to its value (a missing
    one raises KeyError); values are converted as the ORM converts them, but no ``pre_save``
    runs, so auto_now fields must be given too."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    sql, fields = _insert_sql(model, db.vendor, False)
    head, values = sql.split(" VALUES ", 1)
    params = [_db_value(f, row[f.attname], db) for row in rows for f in fields]
    with cursor() as c:
        c.execute(f"{head} VALUES {', '.join([values] * len(rows))}", params)
