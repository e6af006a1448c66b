"""Case-insensitive, trailing-space-insensitive equality for duplicate checks (D11).

MariaDB's utf8mb4 *_ci collations already compare that way (and pad trailing spaces), so
there the lookup is a plain ``=`` that uses ordinary indexes. PostgreSQL and SQLite compare
``LOWER(RTRIM(col))``, which the expression indexes declared on Lead serve.
"""

from django.db.models import CharField, Func, Lookup


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
