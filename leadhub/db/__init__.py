"""The database fast paths, in one place: what domain code calls instead of building SQL.

- ``fastsql``: the API's hot path (server-side prepared statements on PostgreSQL, plain
  single-row inserts such as ``lead_insert`` and ``api_log_insert``, the raw duplicate
  lookup, the login gate) and the importer's batch statements (COPY, prepared ``executemany``,
  multi-row INSERT ... RETURNING, id reservation, the planner workaround);
- ``locks``: the transaction-scoped duplicate-check locks that the API, the editor and the
  importer share (advisory locks on PostgreSQL, bucket rows on MariaDB, none on SQLite);
- ``config_cache``: the process-local cache of slow-changing configuration.

This package imports no app: models are looked up by name when a statement is first built, so
``leads``, ``campaigns`` and ``callbacks`` can all use it without importing one another.
"""
