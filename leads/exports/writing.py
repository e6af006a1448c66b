"""Writing leads to a CSV or XLSX file in constant memory.

``export_write`` reads the leads in chunks by ascending ``lead_id`` (keyset pagination: one
indexed query per chunk, constant memory on every backend, where ``.iterator()`` would buffer
the whole result on MariaDB) and streams each chunk to the file. On PostgreSQL a CSV is written
by the server's COPY, one per chunk, with the same cells (``_csv_by_copy``; about 145,000 rows
per CPU second against 89,000 through Python, bench/RESULTS.md). What a reader of the files
may rely on:

* the columns are ``LEAD_COLUMNS``, then one column per custom field label;
* CSV: UTF-8 with a BOM (Excel reads UTF-8 only so), dates and times as ``YYYY-MM-DD
  HH:MM:SS`` in the server's time zone;
* XLSX: numbers as numbers, dates and times as dates, a bold header row frozen at the top; past
  the XLSX row limit the leads go on in a further sheet;
* in both, a text cell that a spreadsheet would run as a formula starts with ``'``
  (``leads.cells``).
"""

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from django.db import models
from django.db.models import F, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from leads.cells import FORMULA_START, formula_risk, formula_safe
from leads.db_functions import (
    copy_csv,
    copy_csv_supported,
    formula_safe_text,
    local_datetime_text,
)
from leads.models import CustomFieldDefinition, Lead
from leads.rules import STANDARD_LAYOUT
from leads.spreadsheets import XlsxSheets, xlsx_workbook

CHUNK_ROWS = 10_000
LEAD_COLUMNS: tuple[str, ...] = (
    "lead_id",
    "list_id",
    "status",
    "entry_date",
    "modify_date",
    "door",
    "user",
    "gmt_offset_now",
    *(name for name in STANDARD_LAYOUT if name != "list_id"),
    "called_count",
    "entry_list_id",
)
_TEXT_FIELDS = frozenset(
    field.name
    for field in Lead._meta.get_fields()
    if isinstance(field, models.CharField | models.TextField)
)
_DATETIME_FIELDS = frozenset(
    field.name for field in Lead._meta.get_fields() if isinstance(field, models.DateTimeField)
)
DATETIME_TEXT = "%Y-%m-%d %H:%M:%S"
_CUSTOM_TEXT = Cast("custom_values", models.TextField())
ProgressHook = Callable[[int], None]


@dataclass(frozen=True)
class Layout:
    """The file's columns: the lead fields, then the custom field labels."""

    custom_labels: tuple[str, ...]

    @property
    def header(self) -> list[str]:
        return [*LEAD_COLUMNS, *self.custom_labels]

    @property
    def fields(self) -> tuple:
        # The JSON as text: decoded here only when present (the ORM's converter would run
        # for every row).
        return (*LEAD_COLUMNS, _CUSTOM_TEXT) if self.custom_labels else LEAD_COLUMNS


def export_layout(leads: QuerySet[Lead]) -> Layout:
    """The layout for ``leads``: one column per label of the custom fields (that store a
    value) of the lists that hold at least one of ``leads``; one small query, plus one
    index probe per list that has custom fields."""
    definitions = [
        (d.list_id, d.field_label)
        for d in CustomFieldDefinition.objects.only("list_id", "field_label", "field_type")
        if d.stores_value
    ]
    lists = {list_id for list_id, _ in definitions}
    used = {list_id for list_id in lists if leads.filter(list_id=list_id).exists()}
    labels = sorted({label for list_id, label in definitions if list_id in used})
    return Layout(custom_labels=tuple(labels))


def lead_chunks(leads: QuerySet[Lead], fields: tuple, size: int) -> Iterator[list]:
    """Tuples of ``fields`` (names or expressions; the first is ``lead_id``) of ``leads``,
    ``size`` at a time, by ascending lead id."""
    rows = leads.order_by("lead_id").values_list(*fields)
    last = None
    while True:
        page = rows if last is None else rows.filter(lead_id__gt=last)
        chunk = list(page[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]
        if len(chunk) < size:
            return


def export_write(
    leads: QuerySet[Lead],
    *,
    path: Path,
    file_format: str,
    on_progress: ProgressHook | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> int:
    """Write ``leads`` to a new file at ``path`` as ``file_format`` ("csv" or "xlsx"); call
    ``on_progress(rows written)`` after each chunk. Returns the number of leads written."""
    layout = export_layout(leads)
    if file_format == "csv" and copy_csv_supported():
        return _csv_by_copy(leads, layout, path, on_progress, chunk_rows)
    writer = _CsvWriter(path, layout) if file_format == "csv" else _XlsxWriter(path, layout)
    done = 0
    try:
        for chunk in lead_chunks(leads, writer.select(layout), chunk_rows):
            done += writer.write(chunk)
            if on_progress is not None:
                on_progress(done)
    finally:
        writer.close()
    return done


def _csv_by_copy(
    leads: QuerySet[Lead],
    layout: Layout,
    path: Path,
    on_progress: ProgressHook | None,
    chunk_rows: int,
) -> int:
    """The CSV written by PostgreSQL's COPY, with the same cells as ``_CsvWriter`` (the
    server formats times and quotes formula-like text): one COPY per chunk of ``chunk_rows``
    lead ids, found first with one index query, so that progress is reported between COPYs
    (the connection is busy during one)."""
    zone = timezone.get_current_timezone_name()
    columns = []
    for name in LEAD_COLUMNS:
        if name in _DATETIME_FIELDS:
            columns.append(local_datetime_text(name, zone=zone))
        elif name in _TEXT_FIELDS:
            columns.append(formula_safe_text(F(name), starts=FORMULA_START))
        else:
            columns.append(F(name))
    for label in layout.custom_labels:
        value = Coalesce(KeyTextTransform(label, "custom_values"), Value(""))
        columns.append(formula_safe_text(value, starts=FORMULA_START))
    ordered = leads.order_by("lead_id")
    rows = ordered.values_list(*columns)
    ids = ordered.values_list("lead_id", flat=True)
    done, last = 0, None
    with path.open("wb") as stream:
        header = io.StringIO()
        header.write("\ufeff")  # Excel reads a CSV as UTF-8 only with a BOM
        csv.writer(header).writerow([formula_safe(name) for name in layout.header])
        stream.write(header.getvalue().encode())
        while True:
            after = ids if last is None else ids.filter(lead_id__gt=last)
            bound = after[chunk_rows - 1 : chunk_rows].first()
            chunk = rows if last is None else rows.filter(lead_id__gt=last)
            if bound is not None:
                chunk = chunk.filter(lead_id__lte=bound)
            done += copy_csv(chunk, stream.write)
            if on_progress is not None:
                on_progress(done)
            if bound is None:
                return done
            last = bound


class _Cells:
    """Turns the database's tuples into the file's cells: custom values spread into columns,
    text neutralised, times in the server's zone (``timed`` makes a time the writer's value)."""

    def __init__(self, layout: Layout, timed: Callable[[datetime], object] | None) -> None:
        self.labels = layout.custom_labels
        self.text_at = [i for i, name in enumerate(LEAD_COLUMNS) if name in _TEXT_FIELDS]
        self.texts = itemgetter(*self.text_at)
        self.datetime_at = [
            i for i, name in enumerate(LEAD_COLUMNS) if timed and name in _DATETIME_FIELDS
        ]
        self.timed = timed
        self.blanks = [""] * len(self.labels)

    def row(self, values: tuple) -> list:
        cells = list(values[: len(LEAD_COLUMNS)] if self.labels else values)
        timed = self.timed
        for i in self.datetime_at:
            if cells[i] is not None:
                cells[i] = timed(cells[i])
        if formula_risk(self.texts(cells)):
            for i in self.text_at:
                cells[i] = formula_safe(cells[i])
        if self.labels:
            if values[-1] is None:
                cells.extend(self.blanks)
            else:
                custom = json.loads(values[-1])
                cells.extend(formula_safe(_text(custom.get(label))) for label in self.labels)
        return cells


def _text(value: object) -> str:
    return "" if value is None else str(value)


class _CsvWriter:
    def __init__(self, path: Path, layout: Layout) -> None:
        self.stream = path.open("w", encoding="utf-8", newline="")
        self.stream.write("\ufeff")  # Excel reads a CSV as UTF-8 only with a BOM
        self.csv = csv.writer(self.stream)
        self.csv.writerow([formula_safe(name) for name in layout.header])
        # Times as text in the server's zone, formatted by the database where it can.
        zone = timezone.get_current_timezone()
        self.columns = tuple(
            (name in _DATETIME_FIELDS and local_datetime_text(name, zone=str(zone))) or name
            for name in layout.fields
        )
        by_database = self.columns != layout.fields
        timed = None if by_database else lambda when: when.astimezone(zone).strftime(DATETIME_TEXT)
        self.cells = _Cells(layout, timed)

    def select(self, layout: Layout) -> tuple:
        return self.columns

    def write(self, chunk: list[tuple]) -> int:
        row = self.cells.row
        self.csv.writerows(row(values) for values in chunk)
        return len(chunk)

    def close(self) -> None:
        self.stream.close()


class _XlsxWriter:
    def __init__(self, path: Path, layout: Layout) -> None:
        self.workbook = xlsx_workbook(path)
        self.datetime = self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.date = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.sheets = XlsxSheets(self.workbook, list(layout.header))
        zone = timezone.get_current_timezone()
        self.cells = _Cells(layout, lambda when: when.astimezone(zone).replace(tzinfo=None))

    def select(self, layout: Layout) -> tuple:
        return layout.fields

    def write(self, chunk: list[tuple]) -> int:
        for values in chunk:
            self._write_row(*self.sheets.next_row(), self.cells.row(values))
        return len(chunk)

    def _write_row(self, sheet, at: int, cells: list) -> None:
        for column, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(at, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(at, column, value, self.datetime)
            elif isinstance(value, date):
                sheet.write_datetime(at, column, value, self.date)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(at, column, value)
            else:
                sheet.write_string(at, column, str(value))

    def close(self) -> None:
        self.sheets.finish()
        self.workbook.close()
