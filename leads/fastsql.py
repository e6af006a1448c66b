"""Plain INSERT statements for the API's hot path, without the ORM's query building.

Values go through the same field methods the ORM's insert uses (``pre_save`` for auto_now and
``get_db_prep_save`` for adaptation), so rows are stored exactly as ``Model.save`` would store
them; model signals are not sent (no receiver listens to these models).
"""

from functools import cache

from django.db import connection
from django.db.models import Model


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


def insert(obj: Model) -> None:
    """INSERT one new object and set its auto primary key."""
    returning = connection.features.can_return_columns_from_insert
    sql, fields = _insert_sql(type(obj), connection.vendor, returning)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    obj.pk = pk
    obj._state.adding = False


def insert_many(objs: list[Model]) -> None:
    """INSERT new objects of one model in one statement (their primary keys are not set)."""
    if not objs:
        return
    sql, fields = _insert_sql(type(objs[0]), connection.vendor, False)
    head, values = sql.split(" VALUES ", 1)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"{head} VALUES {', '.join([values] * len(objs))}", params)
