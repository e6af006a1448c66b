"""ORM expressions with per-vendor SQL, for speed work that the portable ORM cannot express."""

from django.db import connection, models
from django.db.models import F, Func


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
