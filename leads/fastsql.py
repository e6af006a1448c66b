"""Plain SQL for the API's hot path: a few fixed statements, without the ORM's query building.

Values go through the same field methods the ORM's insert uses (``pre_save`` for auto_now and
``get_db_prep_save`` for adaptation), so rows are stored exactly as ``Model.save`` would store
them; model signals are not sent (no receiver listens to these models).

On PostgreSQL these statements run as server-side prepared statements (see ``cursor``).
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import CharField, Field, Model, TextField


@contextmanager
def cursor() -> Iterator[CursorWrapper]:
    """A cursor for the hot path's fixed statements, as a context manager.

    On PostgreSQL (psycopg 3, with ``prepare_threshold`` set in the database OPTIONS, as
    settings.py does unless ``DATABASE_PREPARED_STATEMENTS`` is off) it binds parameters on
    the server, so psycopg prepares each statement on its second use per connection and the
    server skips parsing from then on (a third less database time per add, bench/RESULTS.md;
    every execution is still planned for its own values, see settings.py). One such
    cursor is kept per connection and reused (creating one costs as much as a quarter of a
    round trip). The ORM keeps Django's client-side binding. Elsewhere it is the usual
    cursor (SQLite caches its statements by itself; MariaDB's driver has no prepared
    statements). Queries are logged and counted as any Django cursor's.
    """
    db = connections[DEFAULT_DB_ALIAS]
    cursor_class = _server_binding_cursor(db.vendor, db.settings_dict["OPTIONS"])
    if cursor_class is None:
        with db.cursor() as wrapped:
            yield wrapped
        return
    # What db.cursor() does, with another cursor class (Django has no hook for that).
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = getattr(db, "_leadhub_hot_cursor", None)
    if raw is None or raw.closed or raw.connection is not db.connection:
        with db.wrap_database_errors:
            raw = db._leadhub_hot_cursor = cursor_class(db.connection)
    yield db._prepare_cursor(raw)


def _server_binding_cursor(vendor: str, options: dict) -> type | None:
    if vendor != "postgresql" or options.get("prepare_threshold") is None:
        return None
    from django.db.backends.postgresql.base import ServerBindingCursor

    return ServerBindingCursor


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: tuple[Field, ...]
    # Per field: a str value is stored as it is (text columns, whose conversion of a str is
    # the identity), so the hot path skips the field methods for it.
    plain_text: tuple[bool, ...]

    def values(self, raw: Iterable[object], db) -> list:
        return [
            value if plain and type(value) is str else field.get_db_prep_save(value, db)
            for field, plain, value in zip(self.fields, self.plain_text, raw, strict=True)
        ]


@cache
def _insert_sql(model: type[Model], vendor: str, returning: bool) -> _Insert:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    plain_text = tuple(type(f) in (CharField, TextField) for f in fields)
    return _Insert(sql, fields, plain_text)


def insert(obj: Model) -> None:
    """INSERT one new object and set its auto primary key."""
    db = connections[DEFAULT_DB_ALIAS]
    returning = db.features.can_return_columns_from_insert
    plan = _insert_sql(type(obj), db.vendor, returning)
    params = plan.values([f.pre_save(obj, True) for f in plan.fields], db)
    with cursor() as c:
        c.execute(plan.sql, params)
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
    plan = _insert_sql(model, db.vendor, False)
    head, values = plan.sql.split(" VALUES ", 1)
    params = []
    for row in rows:
        params += plan.values([row[f.attname] for f in plan.fields], db)
    with cursor() as c:
        c.execute(f"{head} VALUES {', '.join([values] * len(rows))}", params)
