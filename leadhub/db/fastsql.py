"""Plain SQL for the API's hot path: a few fixed statements, without the ORM's query building.

Values go through the same field methods the ORM's insert uses (``pre_save`` for auto_now and
``get_db_prep_save`` for adaptation), so rows are stored exactly as ``Model.save`` would store
them; model signals are not sent (no receiver listens to these models).

On PostgreSQL these statements run as server-side prepared statements (see ``cursor``).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import attrgetter

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import CharField, DateField, Field, Model, TextField


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
    statements). Queries are logged and counted as any Django cursor's (see
    ``_ServerBindingDebugCursor`` for their text).
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
    db.validate_thread_sharing()
    yield _ServerBindingDebugCursor(raw, db) if db.queries_logged else db.make_cursor(raw)


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
    # The fields' attributes of an instance, read in one call (what Field.pre_save does).
    read: Callable[[Model], tuple]
    # Positions of the fields whose pre_save does more than read the attribute (auto_now).
    pre_saved: tuple[int, ...]

    def instance_values(self, obj: Model, db) -> list:
        raw = list(self.read(obj))
        for position in self.pre_saved:
            raw[position] = self.fields[position].pre_save(obj, True)
        return self.values(raw, db)

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
    getter = attrgetter(*(f.attname for f in fields))
    read = getter if len(fields) > 1 else lambda obj: (getter(obj),)
    pre_saved = tuple(i for i, f in enumerate(fields) if _pre_save_needed(f))
    return _Insert(sql, fields, plain_text, read, pre_saved)


def _pre_save_needed(field: Field) -> bool:
    if type(field).pre_save is Field.pre_save:
        return False
    # Date and time fields only stamp the time when auto_now or auto_now_add is set.
    return not isinstance(field, DateField) or field.auto_now or field.auto_now_add


def insert(obj: Model) -> None:
    """INSERT one new object and set its auto primary key."""
    db = connections[DEFAULT_DB_ALIAS]
    returning = db.features.can_return_columns_from_insert
    plan = _insert_sql(type(obj), db.vendor, returning)
    params = plan.instance_values(obj, db)
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


@cache
def _leads_model(model_name: str) -> type[Model]:
    """A leads model, looked up when first needed: this package is imported by every app, so
    it imports none of their models."""
    return apps.get_model("leads", model_name)


def model_table(model_name: str) -> str:
    """The table of a leads model (see ``_leads_model``)."""
    return _leads_model(model_name)._meta.db_table


# --- What domain code inserts, by name -------------------------------------------------------


def lead_insert(lead: Model) -> None:
    """INSERT a new lead and set its lead_id (the pipeline's one way to store a lead)."""
    insert(lead)


def hopper_insert(entry: Model) -> None:
    """INSERT a new hopper row and set its id."""
    insert(entry)


def callback_insert(callback: Model) -> None:
    """INSERT a new scheduled callback and set its id."""
    insert(callback)


def api_log_insert(rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT the API log rows of one request in one statement."""
    insert_rows(_leads_model("ApiLogEntry"), rows)


# --- Raw duplicate lookups ---------------------------------------------------------------------


@cache
def _phone_duplicate_sql(vendor: str, by_list: bool, windowed: bool) -> str:
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('lead_id')}, {quote('list_id')} FROM {quote(model_table('Lead'))} "
        f"WHERE {quote('phone_number')} = %s"
    )
    if by_list:
        sql += f" AND {quote('list_id')} = %s"
    if windowed:
        sql += f" AND {quote('entry_date')} > %s"
    return sql + f" ORDER BY {quote('lead_id')} LIMIT 1"


def lead_phone_duplicate(
    phone_number: str, *, list_id: int | None, since: datetime | None
) -> tuple[int, int] | None:
    """(lead_id, list_id) of the lowest-id lead with this phone number (in ``list_id`` when
    given, entered after ``since`` when given), or None: the DUPLIST/DUPSYS lookup of the
    API's hot path, one indexed query."""
    params: list = [phone_number]
    if list_id is not None:
        params.append(list_id)
    if since is not None:
        params.append(connection.ops.adapt_datetimefield_value(since))
    sql = _phone_duplicate_sql(connection.vendor, list_id is not None, since is not None)
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchone()


@dataclass(frozen=True)
class LoginGate:
    """What the database says of one login attempt's user and address (D7)."""

    user_locked: bool
    # The user's consecutive failures as stored (a remembered profile's copy may be older).
    user_failures: int
    address_failures: int


@cache
def _login_gate_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    profiles = quote(model_table("ApiUserProfile"))
    failures = quote(model_table("LoginFailureMinute"))
    # Two scalar subqueries, one round trip; valid on SQLite, PostgreSQL and MariaDB alike.
    return (
        f"SELECT (SELECT COUNT(*) FROM {profiles} WHERE id = %s AND failed_login_count >= %s"
        f" AND last_login_date > %s),"
        f" (SELECT COALESCE(MAX(failed_login_count), 0) FROM {profiles} WHERE id = %s),"
        f" (SELECT COALESCE(SUM(failures), 0) FROM {failures} WHERE address = %s AND minute >= %s)"
    )


def login_gate(
    *,
    profile_id: int | None,
    lock_after: int,
    locked_since: datetime,
    address: str,
    since: datetime,
) -> LoginGate:
    """Whether the profile has ``lock_after`` failures, the latest after ``locked_since``,
    how many consecutive failures it has, and how many failed logins came from ``address``
    in the minutes from ``since`` on. One statement."""
    db = connections[DEFAULT_DB_ALIAS]
    adapt = db.ops.adapt_datetimefield_value
    params = [profile_id, lock_after, adapt(locked_since), profile_id, address, adapt(since)]
    with cursor() as c:
        c.execute(_login_gate_sql(db.vendor), params)
        locked, user_failures, failures = c.fetchone()
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
    with cursor() as c:
        c.execute(
            _login_failure_add_sql(db.vendor), [address, db.ops.adapt_datetimefield_value(minute)]
        )


# --- Batches: the importer's stores ---------------------------------------------------------
# ``cursor`` below is a Django cursor, or a psycopg cursor of a connection of the importer's
# own (its store thread on PostgreSQL); statements use %s placeholders on every backend.

_RETURNING_CHUNK_ROWS = 1000
_COPY_CHUNK_ROWS = 1000


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def rows_copy(cursor, model: type[Model], columns: Sequence[str], lines: Sequence[str]) -> None:
    """PostgreSQL: COPY lines in COPY's text format (each ending in a newline) into a
    model's table."""
    if not lines:
        return
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with cursor.copy(statement) as copy:
        # Sent in pieces, so the server stores rows while the rest is sent.
        for start in range(0, len(lines), _COPY_CHUNK_ROWS):
            copy.write("".join(lines[start : start + _COPY_CHUNK_ROWS]))


@cache
def _insert_statement(table: str, columns: tuple[str, ...], rows: int, returning: str) -> str:
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES " + ", ".join(
        [marks] * rows
    )
    return sql + (f" RETURNING {quote(returning)}" if returning else "")


def rows_insert(cursor, model: type[Model], columns: Sequence[str], rows: Sequence[Sequence]):
    """INSERT rows of values ready for the database (``get_db_prep_save``'s output) with one
    prepared statement run over every row (``executemany``: SQLite steps its compiled
    statement per row, mysqlclient sends multi-row INSERTs)."""
    if rows:
        sql = _insert_statement(model._meta.db_table, tuple(columns), 1, "")
        cursor.executemany(sql, rows)


def rows_insert_returning_ids(
    cursor, model: type[Model], columns: Sequence[str], rows: Sequence[Sequence]
) -> list[int]:
    """INSERT rows whose primary key is None (the database numbers them) and return their
    keys in row order: multi-row INSERT ... RETURNING (MariaDB 10.5+, PostgreSQL, SQLite)."""
    ids: list[int] = []
    table, pk = model._meta.db_table, model._meta.pk.column
    for start in range(0, len(rows), _RETURNING_CHUNK_ROWS):
        chunk = rows[start : start + _RETURNING_CHUNK_ROWS]
        sql = _insert_statement(table, tuple(columns), len(chunk), pk)
        cursor.execute(sql, [value for row in chunk for value in row])
        ids += [row[0] for row in cursor.fetchall()]
    return ids


def lead_ids_reserve(cursor, model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, ascending. PostgreSQL: taken from the sequence
    (gaps if unused). SQLite: the next ones after every key used so far, which only holds
    inside a write transaction (IMMEDIATE: no other writer until it ends)."""
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())
    if connection.vendor != "sqlite":
        raise RuntimeError("lead ids are reserved on PostgreSQL and SQLite only")
    cursor.execute(
        f"SELECT MAX(used) FROM (SELECT MAX({pk}) AS used FROM {table} "
        "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
        [model._meta.db_table],
    )
    last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + count))


def instances_as_rows(objects: Sequence[Model]) -> tuple[list[str], list[list]]:
    """(columns, rows of database values) of unsaved objects of one model, as ``save`` would
    store them (pre_save, get_db_prep_save), the primary key left to the database."""
    db = connections[DEFAULT_DB_ALIAS]
    plan = _insert_sql(type(objects[0]), db.vendor, False)
    return [f.column for f in plan.fields], [plan.instance_values(obj, db) for obj in objects]


def objects_insert(objects: Sequence[Model]) -> None:
    """INSERT unsaved objects of one model (their keys left unset) with one prepared
    statement over all rows: for the outbox's many long-bodied rows, where bulk_create's
    PostgreSQL arrays cost more in quoting than the insert itself."""
    if objects:
        columns, rows = instances_as_rows(objects)
        with connection.cursor() as cur:
            rows_insert(cur, type(objects[0]), columns, rows)


def import_job_lock(cursor, model: type[Model], job_id: int) -> tuple:
    """Lock an import job's row for the transaction (SQLite: its write lock does) and return
    (status, task_id, cancel_requested)."""
    lock = "" if connection.vendor == "sqlite" else " FOR UPDATE"
    cursor.execute(
        f"SELECT status, task_id, cancel_requested FROM {quote(model._meta.db_table)} "
        f"WHERE id = %s{lock}",
        [job_id],
    )
    return tuple(cursor.fetchone())


def row_update(cursor, model: type[Model], pk: object, values: Mapping[str, object]) -> None:
    """UPDATE one row's fields (by attname), converted as the ORM converts them."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(v, db) for f, v in zip(fields, values.values(), strict=True)]
    cursor.execute(
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"WHERE {quote(model._meta.pk.column)} = %s",
        [*params, pk],
    )


def index_scans_prefer(cursor) -> None:
    """PostgreSQL: make the rest of the transaction look rows up by index rather than scan a
    table whose statistics an import has made stale (see checks.prefer_index_lookups)."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL enable_seqscan = off")
