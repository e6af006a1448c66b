"""The database fast paths by the names domain code calls (``fastsql.lead_insert``, ...).

Each lives in a module of this package by job: ``cursors`` (the hot path's cursor, with
server-side prepared statements on PostgreSQL), ``inserts`` (single-row and per-request
inserts), ``lookups`` (the raw duplicate and DNC lookups), ``counts`` (screens' row counts, the
planner's estimate past a bound, and filter choices by an index walk), ``logins`` (the API
login's gate and failure count) and ``batches`` (the importer's COPY, ``executemany`` and bulk
statements).
"""

from .batches import (
    import_job_lock,
    index_scans_prefer,
    lead_ids_reserve,
    objects_insert,
    row_update,
    rows_copy,
    rows_insert,
    rows_insert_returning_ids,
)
from .counts import column_values_distinct, count_bounded
from .cursors import cursor, model_table
from .inserts import (
    api_log_insert,
    insert,
    insert_rows,
    instances_as_rows,
    lead_insert,
)
from .logins import LoginGate, login_failure_add, login_gate
from .lookups import dnc_number_listed, lead_phone_duplicate

__all__ = [
    "column_values_distinct",
    "LoginGate",
    "api_log_insert",
    "count_bounded",
    "cursor",
    "dnc_number_listed",
    "import_job_lock",
    "index_scans_prefer",
    "insert",
    "insert_rows",
    "instances_as_rows",
    "lead_ids_reserve",
    "lead_insert",
    "lead_phone_duplicate",
    "login_failure_add",
    "login_gate",
    "model_table",
    "objects_insert",
    "row_update",
    "rows_copy",
    "rows_insert",
    "rows_insert_returning_ids",
]
