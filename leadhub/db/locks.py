"""Transaction-scoped locks that make check-then-insert race-free on every backend (D11)."""

import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from django.db import connection

from . import cursors
from .cursors import model_table

if TYPE_CHECKING:
    from leads.services.request import DuplicatePolicy

BUCKETS = 1 << 16
# PostgreSQL advisory locks take two int4 keys: this one names LeadHub's lock space ("LH"),
ADVISORY_LOCK_SPACE = 0x4C48
# and this one the buckets that a batch locks exclusively and an add shared ("LB").
BATCH_LOCK_SPACE = 0x4C42
BATCH_BUCKETS = 256


def bucket_for(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


def _batch_bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BATCH_BUCKETS


def _advisory_key(key: str) -> int:
    """The key's CRC-32 as a signed 32-bit integer (an advisory lock's second key)."""
    value = zlib.crc32(key.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


def phone_lock_key(phone: str) -> str:
    """The key of a phone number: whoever checks or stores a lead with this phone (or, under
    a check that matches alt phones, this alt phone) for duplicates takes it."""
    return f"phone:{phone}"


def lead_lock_keys(
    policy: "DuplicatePolicy", *, phone: str, alt_phone: str, title: str
) -> list[str]:
    """The keys a lead's duplicate check locks before it looks, and a store of that lead
    locks before it inserts: every door (the API's add, the importer's batches) takes these,
    so a check and a concurrent insert of a matching lead run one after the other."""
    kinds = _kinds(policy)
    keys = [phone_lock_key(phone)]
    if "PHONE_ALT" in kinds and alt_phone and alt_phone != phone:
        keys.append(phone_lock_key(alt_phone))
    if "TITLE_ALT" in kinds:
        keys.append(f"title-alt:{title.rstrip().lower()}|{alt_phone.rstrip().lower()}")
    return keys


@lru_cache(maxsize=64)
def _kinds(policy: "DuplicatePolicy") -> frozenset[str]:
    return frozenset(check.kind for check in policy.checks)


def dedupe_locks_taken() -> bool:
    """Whether ``dedupe_lock`` locks anything on this backend (SQLite's writers already run
    one at a time)."""
    return _locks_taken(connection.vendor)


def _locks_taken(vendor: str) -> bool:
    return vendor != "sqlite"


@dataclass(frozen=True)
class LockStatement:
    """An add's lock statement. ``sql`` takes the locks alone; ``select_list`` takes them as
    the columns of another SELECT (see ``logins.login_gate``), after which ``finish`` gets
    those columns' values."""

    sql: str
    params: list
    select_list: str
    # MariaDB: the select list locks the bucket rows that exist and counts them; when fewer
    # than this exist, ``finish`` runs ``sql``, which creates and locks them all.
    rows: int = 0

    def finish(self, selected: Sequence) -> None:
        if self.rows and selected[0] < self.rows:
            with cursors.cursor() as c:
                c.execute(self.sql, self.params)


@cache
def _lock_calls(buckets: int, keys: int) -> str:
    """PostgreSQL: shared locks on the keys' buckets, then the keys (left to right, so in
    sorted order)."""
    shared = [f"pg_advisory_xact_lock_shared({BATCH_LOCK_SPACE}, %s::integer)"] * buckets
    calls = [f"pg_advisory_xact_lock({ADVISORY_LOCK_SPACE}, %s::integer)"] * keys
    return ", ".join(shared + calls)


@cache
def _bucket_rows_select(count: int) -> str:
    """MariaDB: lock the existing bucket rows (in key order) and count them; a locking read in
    a derived table, so the rest of the SELECT stays a plain read that locks nothing."""
    table = connection.ops.quote_name(model_table("DedupeLock"))
    marks = ", ".join(["%s"] * count)
    return (
        f"(SELECT COUNT(*) FROM (SELECT bucket FROM {table} WHERE bucket IN ({marks}) "
        "FOR UPDATE) AS held)"
    )


@cache
def _bucket_rows_sql(count: int) -> str:
    table = connection.ops.quote_name(model_table("DedupeLock"))
    # MySQL's form takes no conflict target; it locks the existing row exclusively.
    return (
        f"INSERT INTO {table} (bucket, uses) VALUES "
        + ", ".join(["(%s, 1)"] * count)
        + " ON DUPLICATE KEY UPDATE uses = 1"
    )


def dedupe_lock_rows_create() -> None:
    """MariaDB/MySQL: create every bucket's row that is missing (what migration
    leads/0009 does), so that an add's lock is one locking read; elsewhere nothing."""
    if connection.vendor != "mysql":
        return
    chunk = 4096
    sql = _bucket_rows_sql(chunk).replace("uses = 1", "uses = uses")
    with cursors.cursor() as c:
        for start in range(0, BUCKETS, chunk):
            c.execute(sql, list(range(start, start + chunk)))


# Keys whose locks the current transaction already holds (``dedupe_locks_held``).
_held: ContextVar[frozenset[str]] = ContextVar("dedupe_locks_held", default=frozenset())


def dedupe_lock_statement(keys: Iterable[str]) -> LockStatement | None:
    """The one statement that locks ``keys`` (see ``dedupe_lock``), or None when there is
    nothing to lock on this backend."""
    keys = set(keys)
    if not keys:
        return None
    vendor = connection.vendor
    if not _locks_taken(vendor):
        return None
    if vendor == "postgresql":
        buckets = sorted({_batch_bucket(key) for key in keys})
        advisory = sorted({_advisory_key(key) for key in keys})
        calls = _lock_calls(len(buckets), len(advisory))
        return LockStatement(f"SELECT {calls}", buckets + advisory, calls)
    values = sorted({bucket_for(key) for key in keys})
    rows = len(values)
    return LockStatement(_bucket_rows_sql(rows), values, _bucket_rows_select(rows), rows)


def dedupe_lock(keys: Iterable[str]) -> None:
    """Hold a lock on each key until the surrounding transaction ends.

    Must be called inside ``transaction.atomic``. A second request with the same key then
    waits until the first commits and sees its lead; keys are locked in sorted order, so two
    requests never deadlock. One statement (none for keys ``dedupe_locks_held`` names):

    - PostgreSQL: transaction-scoped advisory locks on the keys' CRC-32 (no row is written),
      after shared locks on the keys' batch buckets (see ``dedupe_lock_batch``);
    - MariaDB/MySQL: an upsert of the keys' bucket rows in ``DedupeLock``, which locks each
      row exclusively whether or not it existed (its locks are session-scoped otherwise);
    - SQLite: nothing, since IMMEDIATE transactions (settings.py) already run writers one at
      a time.
    """
    held = _held.get()
    statement = dedupe_lock_statement(key for key in keys if key not in held)
    if statement is not None:
        with cursors.cursor() as c:
            c.execute(statement.sql, statement.params)


@contextmanager
def dedupe_locks_held(keys: Collection[str]) -> Iterator[None]:
    """Within this block, ``dedupe_lock`` skips ``keys``: the caller has locked them in the
    current transaction already (the API takes an add's lock with its login gate, one
    statement); leave the block before that transaction ends."""
    token = _held.set(_held.get() | frozenset(keys))
    try:
        yield
    finally:
        _held.reset(token)


def dedupe_lock_batch(keys: Iterable[str], *, cursor) -> None:
    """``dedupe_lock`` for a batch of thousands of keys, on ``cursor`` (the importer's own
    connection on PostgreSQL, else Django's), in one statement, in sorted order.

    PostgreSQL: an advisory lock per key would fill the server's lock table (64 per
    connection by default), so the batch locks the keys' buckets (``BATCH_BUCKETS``)
    exclusively, which waits for, and holds off, every add whose keys fall in them (an add
    holds its buckets shared). MariaDB: the keys' bucket rows, as an add. SQLite: nothing.
    """
    vendor = connection.vendor
    if not dedupe_locks_taken():
        return
    if vendor == "postgresql":
        buckets = sorted({_batch_bucket(key) for key in keys})
        if buckets:
            cursor.execute(
                f"SELECT pg_advisory_xact_lock({BATCH_LOCK_SPACE}, bucket) "
                "FROM unnest(%s::integer[]) AS bucket",  # in the array's (sorted) order
                [buckets],
            )
        return
    values = sorted({bucket_for(key) for key in keys})
    if values:
        cursor.execute(_bucket_rows_sql(len(values)), values)
