"""Loading the time-zone reference tables (phone codes, postal codes, NANPA prefixes) from CSV.

Shared by the ``load_phone_codes``, ``load_postal_codes`` and ``load_nanpa_prefixes``
commands. A load is all or nothing: the file is streamed and stored in batches inside one
transaction, and the first bad row raises :class:`RowError` (line number and problem), which
rolls back everything, including the ``--replace`` delete.
"""

import argparse
import csv
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, models, router, transaction

from leadhub.db import config_cache
from leads.management.progress import Progress, count_lines
from leads.models import NanpaPrefix, PhoneCode, PostalCode

DEFAULT_BATCH_SIZE = 5000
TRUE_WORDS = frozenset({"y", "1", "true"})
FALSE_WORDS = frozenset({"n", "0", "false"})
# Hours with an optional sign and up to two decimals: -5, +10, 9.5, -5.0, +5.75.
OFFSET_PATTERN = re.compile(r"[+-]?\d{1,2}(?:\.\d{1,2})?")


class RowError(Exception):
    """A row (or the header, line 1) that cannot be loaded; nothing of the file is stored."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def clean_offset(value: str) -> str:
    """Return the offset text unchanged (the tables keep the original's spelling)."""
    if not OFFSET_PATTERN.fullmatch(value) or not -12 <= float(value) <= 14:
        raise ValueError(f"{value!r} is not a UTC offset in hours like -5, +10, 9.5 or -5.0")
    return value


def clean_dst(value: str) -> bool:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not one of Y, N, 1, 0, true, false")


def clean_iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone name") from None
    return value


def exact_digits(count: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        if len(value) != count or not value.isdigit():
            raise ValueError(f"{value!r} is not {count} digits")
        return value

    return clean


COMMON_CLEANERS: dict[str, Callable[[str], Any]] = {
    "gmt_offset": clean_offset,
    "dst": clean_dst,
    "iana_zone": clean_iana_zone,
}


@dataclass(frozen=True)
class ReferenceTable:
    """How one model is read from CSV: its required columns, value cleaners and upsert key.

    Accepted columns are the model's concrete field names except the primary key. An empty
    ``upsert_on`` means rows are appended in file order.
    """

    model: type[models.Model]
    required: tuple[str, ...]
    upsert_on: tuple[str, ...] = ()
    cleaners: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if not f.primary_key]

    def cleaner(self, column: str) -> Callable[[str], Any] | None:
        return self.cleaners.get(column) or COMMON_CLEANERS.get(column)

    def describe_columns(self) -> str:
        names = [f"{c}*" if c in self.required else c for c in self.columns]
        return (
            f"Columns (header row, any order, case-insensitive; others ignored): "
            f"{', '.join(names)} (* = required, must not be empty). gmt_offset is hours like "
            f"-5, +10, 9.5 or -5.0; dst is Y/N/1/0/true/false (empty = N)."
        )


PHONE_CODES = ReferenceTable(model=PhoneCode, required=("country_code", "gmt_offset"))
POSTAL_CODES = ReferenceTable(model=PostalCode, required=("postal_code", "gmt_offset"))
NANPA_PREFIXES = ReferenceTable(
    model=NanpaPrefix,
    required=("areacode", "prefix", "gmt_offset"),
    upsert_on=("areacode", "prefix"),
    cleaners={"areacode": exact_digits(3), "prefix": exact_digits(3)},
)


@dataclass(frozen=True)
class LoadResult:
    rows: int
    deleted: int
    seconds: float


def load_reference_csv(
    table: ReferenceTable,
    path: str | Path,
    *,
    replace: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> LoadResult:
    """Load ``path`` (UTF-8, optional BOM) into ``table.model`` in one transaction.

    ``replace`` deletes all existing rows first, in the same transaction. Otherwise rows are
    appended in file order (ids follow the file), or, for tables with ``upsert_on``, inserted
    or updated by that key; an update changes only the columns present in the file, and the
    last row for a key wins. Raises :class:`RowError` for a bad header or row, ``OSError`` if
    the file cannot be opened; in both cases nothing has been written. ``progress`` is
    advanced by each stored batch and not closed.
    """
    started = time.monotonic()
    db = router.db_for_write(table.model)
    with open(path, encoding="utf-8-sig", newline="") as stream, transaction.atomic(using=db):
        deleted = table.model._default_manager.using(db).all().delete()[0] if replace else 0
        try:
            rows = _load_rows(table, db, stream, batch_size, progress)
        except UnicodeDecodeError:
            # The text layer decodes ahead in chunks, so the reader's line number is not
            # where the bad bytes are; find them (only on this error path).
            raise RowError(_first_undecodable_line(path), "the text is not valid UTF-8") from None
        # bulk writes send no save signals: drop cached reference tables once committed.
        transaction.on_commit(config_cache.invalidate, using=db)
    return LoadResult(rows=rows, deleted=deleted, seconds=time.monotonic() - started)


def _load_rows(
    table: ReferenceTable, db: str, stream: TextIO, batch_size: int, progress: Progress | None
) -> int:
    reader = csv.reader(stream)
    positions, width = _read_header(table, reader)
    update_fields = [c for c in positions if c not in table.upsert_on]
    rows = 0
    batch: list[dict[str, Any]] = []
    for values in _read_rows(table, reader, positions, width):
        batch.append(values)
        if len(batch) >= batch_size:
            rows += _store(table, db, batch, update_fields)
            batch = []
            if progress:
                progress.advance(batch_size)
    if batch:
        rows += _store(table, db, batch, update_fields)
        if progress:
            progress.advance(len(batch))
    return rows


def _first_undecodable_line(path: str | Path) -> int:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1  # not reached for a file that failed to decode


def _read_header(table: ReferenceTable, reader: Any) -> tuple[dict[str, int], int]:
    """Map each known column present in the header to its position; also the header width."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RowError(1, f"unreadable header ({exc})") from None
    if not header:
        raise RowError(1, "the file is empty; expected a header row")
    known = set(table.columns)
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = name.strip().lower()
        if column in known:
            if column in positions:
                raise RowError(1, f"column {column!r} appears twice in the header")
            positions[column] = index
    missing = [c for c in table.required if c not in positions]
    if missing:
        raise RowError(
            1,
            f"the header lacks required column(s) {', '.join(missing)}; "
            f"accepted columns: {', '.join(table.columns)}",
        )
    return positions, len(header)


def _read_rows(
    table: ReferenceTable, reader: Any, positions: dict[str, int], width: int
) -> Iterator[dict[str, Any]]:
    """Yield cleaned field values per data row; empty optional cells take the model default.

    Every row must have as many fields as the header: a stray comma shifts the columns.
    """
    max_lengths = {f.name: f.max_length for f in table.model._meta.concrete_fields}
    while True:
        # The line a record starts on; multi-line quoted fields make line_num run ahead.
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RowError(line, f"malformed CSV ({exc})") from None
        if not any(cell.strip() for cell in fields):
            continue
        if len(fields) != width:
            raise RowError(line, f"the row has {len(fields)} fields, the header has {width}")
        values: dict[str, Any] = {}
        for column, index in positions.items():
            raw = fields[index].strip()
            if not raw:
                if column in table.required:
                    raise RowError(line, f"{column} is empty")
                continue
            clean = table.cleaner(column)
            try:
                value = clean(raw) if clean else raw
            except ValueError as exc:
                raise RowError(line, f"{column}: {exc}") from None
            limit = max_lengths[column]
            if isinstance(value, str) and limit and len(value) > limit:
                raise RowError(line, f"{column} {value!r} is longer than {limit} characters")
            values[column] = value
        yield values


def _store(
    table: ReferenceTable,
    db: str,
    batch: list[dict[str, Any]],
    update_fields: list[str],
) -> int:
    """Insert (or upsert) one batch; return the number of file rows it covered."""
    manager = table.model._default_manager.using(db)
    if not table.upsert_on:
        manager.bulk_create([table.model(**values) for values in batch])
        return len(batch)
    # PostgreSQL refuses to update one row twice in a statement, so keep the last row per key,
    # which is also what a later batch does to an earlier one.
    by_key = {tuple(values[k] for k in table.upsert_on): values for values in batch}
    options: dict[str, Any] = {"update_conflicts": True, "update_fields": update_fields}
    if connections[db].features.supports_update_conflicts_with_target:
        options["unique_fields"] = list(table.upsert_on)
    manager.bulk_create([table.model(**values) for values in by_key.values()], **options)
    return len(batch)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


class ReferenceLoadCommand(BaseCommand):
    """Base for the reference loaders: subclasses set ``table``, ``noun`` and ``help``."""

    table: ReferenceTable
    noun: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (UTF-8, a BOM is fine) with a header row.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete all existing rows first (in the same transaction as the load).",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per INSERT (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="Show the progress bar on stderr even when it is not a terminal.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        stream: TextIO = options.get("stderr") or sys.stderr
        progress = Progress(None, stream, enabled=True if options["progress"] else None)
        try:
            if progress.enabled:
                progress.total = max(count_lines(path) - 1, 0)
            with progress:
                result = load_reference_csv(
                    self.table,
                    path,
                    replace=options["replace"],
                    batch_size=options["batch_size"],
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from None
        except RowError as exc:
            raise CommandError(f"{path}, {exc}. Nothing was loaded.") from None
        summary = f"Loaded {result.rows:,} {self.noun} from {path.name} in {result.seconds:.2f} s"
        if options["replace"]:
            summary += f", replacing {result.deleted:,} existing rows"
        self.stdout.write(f"{summary}.")
