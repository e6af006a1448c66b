"""Plain SQL inserts for the API's hot path, without the ORM's query building.

Values go through the same field methods the ORM's insert uses (``pre_save`` for auto_now and
``get_db_prep_save`` for adaptation), so rows are stored exactly as ``Model.save`` would store
them; model signals are not sent (no receiver listens to these models).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import attrgetter

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import CharField, DateField, Field, Model, TextField

from .cursors import cursor, leads_model


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
    with cursor(db) as c:
        c.execute(plan.sql, params)
        pk = c.fetchone()[0] if returning else c.lastrowid
    obj.pk = pk
    obj._state.adding = False


def insert_with_rows(obj: Model, rows: Sequence[Model], link: str) -> None:
    """INSERT a new object and new rows that point at it (their ``link`` attribute is set to
    its new primary key), setting every primary key. On PostgreSQL it is one statement (data
    modifying CTEs: one round trip instead of one per row); elsewhere one INSERT each."""
    db = connections[DEFAULT_DB_ALIAS]
    if not rows or db.vendor != "postgresql":
        insert(obj)
        for row in rows:
            setattr(row, link, obj.pk)
            insert(row)
        return
    sql, positions = _chained_sql(type(obj), tuple(type(row) for row in rows), link)
    params = _insert_sql(type(obj), db.vendor, True).instance_values(obj, db)
    for row, position in zip(rows, positions, strict=True):
        values = _insert_sql(type(row), db.vendor, True).instance_values(row, db)
        del values[position]
        params += values
    with cursor(db) as c:
        c.execute(sql, params)
        keys = c.fetchone()
    obj.pk = keys[0]
    obj._state.adding = False
    for row, pk in zip(rows, keys[1:], strict=True):
        setattr(row, link, obj.pk)
        row.pk = pk
        row._state.adding = False


@cache
def _chained_sql(
    model: type[Model], row_models: tuple[type[Model], ...], link: str
) -> tuple[str, tuple[int, ...]]:
    """PostgreSQL's one statement for ``insert_with_rows``, and per row model the position of
    its ``link`` field (filled in by the statement, not a parameter)."""
    quote = connection.ops.quote_name
    first = _insert_sql(model, "postgresql", True).sql
    parts = [f"r0 AS ({first})"]
    positions = []
    new_key = f"(SELECT {quote(model._meta.pk.column)} FROM r0)"
    for number, row_model in enumerate(row_models, start=1):
        plan = _insert_sql(row_model, "postgresql", True)
        position = [f.attname for f in plan.fields].index(link)
        positions.append(position)
        marks = ["%s"] * len(plan.fields)
        marks[position] = new_key
        head = plan.sql.split(" VALUES ", 1)[0]
        returning = quote(row_model._meta.pk.column)
        parts.append(f"r{number} AS ({head} VALUES ({', '.join(marks)}) RETURNING {returning})")
    names = [f"r{n}" for n in range(len(row_models) + 1)]
    keys = ", ".join(
        f"{name}.{quote(m._meta.pk.column)}"
        for name, m in zip(names, (model, *row_models), strict=True)
    )
    sql = f"WITH {', '.join(parts)} SELECT {keys} FROM {', '.join(names)}"
    return sql, tuple(positions)


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
    with cursor(db) as c:
        c.execute(f"{head} VALUES {', '.join([values] * len(rows))}", params)


# --- What domain code inserts, by name -------------------------------------------------------


def lead_insert(lead: Model, rows: Sequence[Model] = ()) -> None:
    """INSERT a new lead and set its lead_id (the pipeline's one way to store a lead), with
    new rows of the lead (a hopper row, a callback: ``lead_id`` set here) in the same round
    trip on PostgreSQL."""
    insert_with_rows(lead, rows, "lead_id")


def api_log_insert(rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT the API log rows of one request in one statement."""
    insert_rows(leads_model("ApiLogEntry"), rows)


def instances_as_rows(objects: Sequence[Model]) -> tuple[list[str], list[list]]:
    """(columns, rows of database values) of unsaved objects of one model, as ``save`` would
    store them (pre_save, get_db_prep_save), the primary key left to the database."""
    db = connections[DEFAULT_DB_ALIAS]
    plan = _insert_sql(type(objects[0]), db.vendor, False)
    return [f.column for f in plan.fields], [plan.instance_values(obj, db) for obj in objects]
