"""The raw duplicate lookup of the API's hot path."""

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
