"""What every reader of uploaded lead files shares: the row they yield and how a cell reads.

``reading`` (the entry point), ``text_files``, ``workbooks`` and ``xlsx_stream`` all import
from here and never from each other's internals the other way round, so no two of them depend
on each other both ways.

* A ``Row`` is ``(1-based physical row number, cells)``, every cell a ``str``.
* ``cell_text`` turns a spreadsheet value into the text every reader gives: numbers without
  ".0" or an exponent, ISO dates and times, booleans "Y"/"N", nothing for empty and error cells.
"""

import datetime
import math
from collections.abc import Iterator
from decimal import Decimal

Row = tuple[int, list[str]]

DAMAGED = "could not be read: it may be damaged. Open it and save it again, or save it as CSV."


def without_bom(rows: Iterator[Row]) -> Iterator[Row]:
    """The rows, with a byte-order mark dropped from the first cell of the first row."""
    for number, cells in rows:
        if cells and cells[0].startswith("\ufeff"):
            cells[0] = cells[0][1:]
        yield number, cells
        break
    yield from rows


def is_blank(cells: list[str]) -> bool:
    joined = "".join(cells)
    return not joined or joined.isspace()


def cell_text(value: object) -> str:
    kind = type(value)
    if kind is float:
        return number_text(value)  # type: ignore[arg-type]
    if kind is bool:
        return "Y" if value else "N"
    if kind is int:
        return str(value)
    if kind is datetime.datetime:
        return value.isoformat(sep=" ", timespec="seconds")  # type: ignore[attr-defined]
    if kind is datetime.date:
        return value.isoformat()  # type: ignore[attr-defined]
    if kind is datetime.time:
        return value.isoformat(timespec="seconds")  # type: ignore[attr-defined]
    if kind is datetime.timedelta:
        seconds = round(value.total_seconds())  # type: ignore[attr-defined]
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return "" if value is None else str(value)


def number_text(value: float) -> str:
    """Plain digits, never "7275551111.0" nor "1e+16"."""
    if not math.isfinite(value):
        return ""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text
