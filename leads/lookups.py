"""Case-insensitive, trailing-space-insensitive equality for duplicate checks (D11).

MariaDB's utf8mb4 *_ci collations already compare that way (and pad trailing spaces), so
there the lookup is a plain ``=`` that uses ordinary indexes. PostgreSQL and SQLite compare
``LOWER(RTRIM(col))``, which the expression indexes declared on Lead serve. The batch forms
(``in_batch``, ``ci_in_batch``) match a column against many values at once.
"""

from django.db.models import CharField, F, Func, Lookup, Value
from django.db.models.lookups import In


class DedupeKey(Func):
    """The comparison key of a text column: the column itself on MySQL/MariaDB."""

    template = "LOWER(RTRIM(%(expressions)s))"

    def as_mysql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


@CharField.register_lookup
class CaseInsensitiveEquals(Lookup):
    lookup_name = "ci"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "mysql":
            return f"{lhs} = {rhs}", [*lhs_params, *rhs_params]
        return f"LOWER(RTRIM({lhs})) = LOWER(RTRIM({rhs}))", [*lhs_params, *rhs_params]


class InBatch(Lookup):
    """``lhs`` is one of a batch's values: ``= ANY(%s)`` with one array parameter on
    PostgreSQL (thousands of placeholders cost more to build than the query takes to run),
    ``IN (...)`` elsewhere."""

    lookup_name = "in_batch"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            if all(type(v) is str and v and "\x1f" not in v for v in values):
                # One text parameter: psycopg dumps a long list of strings slowly.
                return f"{lhs} = ANY(string_to_array(%s, chr(31)))", [
                    *lhs_params,
                    "\x1f".join(values),
                ]
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def in_batch(column: str, values) -> InBatch:
    """``column`` is one of ``values`` (see ``InBatch``)."""
    return InBatch(F(column), list(values))


def ci_in_batch(column: str, values) -> Lookup:
    """``column`` equals one of ``values`` the way the ``ci`` lookup compares: the database
    folds both sides (plain parameters when folding cannot change them)."""
    if all(v.isascii() and v == v.rstrip(" ").lower() for v in values):
        return InBatch(DedupeKey(column), list(values))
    return In(DedupeKey(column), [DedupeKey(Value(v, output_field=CharField())) for v in values])


class Unindexed(Func):
    """A column behind an expression no index serves (``list_id + 0``, ``status || ''``).

    Duplicate checks must find rows by phone (or the other compared values), never by list
    or status: while an import fills a list, the planner's statistics make that list look
    tiny and it would scan the whole list once per batch.
    """

    def __init__(self, column: str, *, numeric: bool = False) -> None:
        super().__init__(F(column))
        self.numeric = numeric

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        if self.numeric:
            return f"({sql} + 0)", params
        if connection.vendor == "mysql":
            return f"CONCAT({sql}, '')", params
        return f"({sql} || '')", params
