"""The stored lead the JSON door answers with, read by a query compiled once.

Compiling the ORM's query of the lead's 37 columns costs more CPU than running it; the single
add reads one lead per request, so its SQL and the backend's value converters are made once
per database connection and reused (Django's own compiler makes both, so every backend's
conversions apply as in any ORM query).
"""

import threading

from django.db import connection

from ..models import Lead
from .outputs import STORED_COLUMNS

_COMPILED: dict = {}


def _compiled():
    key = (connection.alias, threading.get_ident())
    hit = _COMPILED.get(key)
    if hit is None or hit[0] is not connection:
        query = Lead.objects.values(*STORED_COLUMNS).filter(pk=0).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        assert list(params) == [0], params
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        names = tuple(query.values_select)
        hit = (connection, compiler, sql, compiler.get_converters(fields), names)
        _COMPILED[key] = hit
    return hit


def stored_lead(lead_id: int) -> dict:
    """The lead's stored columns (``STORED_COLUMNS``) as a dict, as ``values()`` gives them."""
    _, compiler, sql, converters, names = _compiled()
    with connection.cursor() as cursor:
        cursor.execute(sql, [lead_id])
        row = cursor.fetchone()
    if row is None:
        raise Lead.DoesNotExist(lead_id)
    if converters:
        row = next(compiler.apply_converters([row], converters))
    return dict(zip(names, row, strict=True))
