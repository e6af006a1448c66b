"""The database fast paths, in one place: what domain code calls instead of building SQL.

- ``fastsql``: the names domain code calls, each living in a module by job:
  ``cursors`` (the hot path's cursor: server-side prepared statements on PostgreSQL),
  ``inserts`` (plain single-row inserts such as ``lead_insert`` and ``api_log_insert``),
  ``lookups`` (the raw duplicate and DNC lookups), ``logins`` (the API login's gate, which carries
  an add's lock, and its failure count) and ``batches`` (the importer's COPY, prepared
  ``executemany``, multi-row INSERT ... RETURNING, id reservation, the planner workaround);
- ``locks``: the transaction-scoped duplicate-check locks that the API, the editor and the
  importer share (advisory locks on PostgreSQL, bucket rows on MariaDB, none on SQLite);
- ``config_cache``: the process-local cache of slow-changing configuration.

This package imports no app: models are looked up by name when a statement is first built, so
``leads``, ``campaigns`` and ``callbacks`` can all use it without importing one another.
"""
