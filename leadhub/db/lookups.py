"""The raw lookups of the API's hot path: duplicates and the system DNC list."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections

from .cursors import cursor, model_table


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
    db = connections[DEFAULT_DB_ALIAS]
    params: list = [phone_number]
    if list_id is not None:
        params.append(list_id)
    if since is not None:
        params.append(db.ops.adapt_datetimefield_value(since))
    sql = _phone_duplicate_sql(db.vendor, list_id is not None, since is not None)
    with cursor(db) as c:
        c.execute(sql, params)
        return c.fetchone()


@cache
def _dnc_sql(vendor: str, patterns: int) -> str:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * patterns)
    return (
        f"SELECT 1 FROM {quote(model_table('DncNumber'))} "
        f"WHERE {quote('phone_number')} IN ({marks}) LIMIT 1"
    )


def dnc_number_listed(patterns: Sequence[str]) -> bool:
    """Whether the system DNC list holds any of these numbers or wildcards: one indexed
    query (the ORM's ``exists()`` compiles its SQL on every call)."""
    db = connections[DEFAULT_DB_ALIAS]
    with cursor(db) as c:
        c.execute(_dnc_sql(db.vendor, len(patterns)), list(patterns))
        return c.fetchone() is not None
