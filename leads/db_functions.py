"""ORM expressions with per-vendor SQL, for speed work that the portable ORM cannot express."""

from collections.abc import Callable

from django.db import connection, models
from django.db.models import F, Func, QuerySet


class _PostgresLocalDateTimeText(Func):
    output_field = models.TextField()

    def __init__(self, field: str, *, zone: str) -> None:
        super().__init__(F(field))
        self.zone = zone

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        text = f"to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')"
        return text, (*params, self.zone)


def local_datetime_text(field: str, *, zone: str) -> Func | None:
    """An expression for the timestamp ``field`` as ``YYYY-MM-DD HH:MM:SS`` text in the time
    zone ``zone``, on PostgreSQL (reading and formatting a million timestamps in Python takes
    seconds); None elsewhere: the caller reads the field and formats it."""
    if connection.vendor == "postgresql":
        return _PostgresLocalDateTimeText(field, zone=zone)
    return None


class _PostgresFormulaSafe(Func):
    """Text with a leading ' when it starts with one of ``starts`` (leads.cells); NULL for
    an empty text."""

    output_field = models.TextField()

    def __init__(self, expression, *, starts: frozenset[str]) -> None:
        super().__init__(expression)
        self.starts = sorted(starts)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # NULLIF: COPY's CSV quotes an empty text ("") but leaves NULL empty.
        text = f"NULLIF(CASE WHEN left({sql}, 1) = ANY(%s) THEN '''' || {sql} ELSE {sql} END, '')"
        return text, (*params, self.starts, *params, *params)


def copy_csv_supported() -> bool:
    """Whether ``copy_csv`` and ``formula_safe_text`` work on the default database."""
    return connection.vendor == "postgresql"


def formula_safe_text(expression, *, starts: frozenset[str]) -> Func:
    """PostgreSQL: ``expression`` (text) with a leading ' when it starts with one of
    ``starts``, for ``copy_csv``."""
    return _PostgresFormulaSafe(expression, starts=starts)


def copy_csv(rows: QuerySet, write: Callable[[bytes], object]) -> int:
    """PostgreSQL: stream ``rows`` (a values_list query) as CSV lines through ``write``, with
    the server's COPY (no header, NULL as an empty field); returns the number of rows. The
    server formats every value, so the caller's process only moves bytes."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                write(bytes(block))
        return raw.rowcount
