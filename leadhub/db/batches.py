"""The batch statements of the importer's stores: COPY, prepared ``executemany``, multi-row
INSERT ... RETURNING, id reservation, job rows and the planner workaround.

``cursor`` below is a Django cursor, or a psycopg cursor of a connection of the importer's
own (its store thread on PostgreSQL); statements use %s placeholders on every backend.
"""

from collections.abc import Mapping, Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

from .inserts import instances_as_rows

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


def objects_insert(objects: Sequence[Model]) -> None:
    """INSERT unsaved objects of one model (their keys left unset) with one prepared
    statement over all rows: for the outbox's many long-bodied rows, where bulk_create's
    PostgreSQL arrays cost more in quoting than the insert itself."""
    if objects:
        columns, rows = instances_as_rows(objects)
        with connection.cursor() as cur:
            rows_insert(cur, type(objects[0]), columns, rows)
