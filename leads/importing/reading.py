"""Reading uploaded lead files row by row: delimited text, XLSX, XLS and ODS.

What callers may rely on:

* ``inspect_file`` looks at a file and describes it (``SheetInfo``); ``iter_rows`` then streams
  its data rows. Neither holds the file in memory: text and large XLSX sheets are parsed as a
  stream; smaller spreadsheets are loaded one sheet at a time by python-calamine, and an ODS
  sheet too large for that is refused.
* Every cell is a ``str``. Spreadsheet numbers never carry a ".0" or an exponent
  (7275551111.0 -> "7275551111"); dates read "YYYY-MM-DD", date-times "YYYY-MM-DD HH:MM:SS"
  (a date-time at midnight reads as a date), times "HH:MM:SS"; booleans "Y"/"N", the dialer's
  flag values; empty and error cells "". Text cells are passed on as they are, untrimmed.
* Row numbers are 1-based physical rows, as a spreadsheet program shows them: a text record
  with a quoted line break is one row. Rows whose cells are all blank are skipped but counted.
  Rows may differ in length; a missing cell is an empty one.
* The file is a local path or a ``StoredFile`` (``leadhub.stored_files``): delimited text is
  streamed from the storage; a stored spreadsheet is copied to a temporary local file first
  (its readers seek), which is deleted once read.
* Anything wrong with the file itself raises ``UnreadableFile`` with a message meant for the
  person who uploaded it, from ``inspect_file`` or, for damage further down, from ``iter_rows``.
"""

import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from leadhub.stored_files import StoredFile

from .encodings import EncodingRepairs, text_encoding
from .errors import UnreadableFile
from .limits import workbook_check, xls_check
from .mapping import field_for_header, looks_like_phone
from .sheet_rows import DAMAGED, Row, without_bom
from .text_files import text_delimiter, text_rows
from .workbooks import first_sheet_with_rows, workbook_rows

# Spreadsheets by name, text by content: web exports often call a tab-separated file ".xls".
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class SheetInfo:
    """What ``inspect_file`` found; ``iter_rows`` reads the file according to it.

    ``format``: "csv" (any delimited text), "xlsx", "xls" or "ods". ``encoding`` and
    ``delimiter``: text files only (a Python codec name, or ``encodings.MIXED`` for UTF-8 and
    Windows-1252 lines mixed; one of ``text_files.DELIMITERS``).
    ``row_count``: data rows. Exact, except for an XLSX sheet too large to load, where it comes
    from the sheet's declared dimension and may count blank rows (None when it declares none).
    ``header``: the header row's cells, when the first non-blank row was taken as a header;
    ``header_row`` is its row number, and ``iter_rows`` skips it. Replacing ``header`` with None
    (``dataclasses.replace``) makes ``iter_rows`` yield that row as data.
    ``sample``: the first data rows. ``sheet``: the worksheet read (spreadsheets only).
    ``column_count``: the widest row among the header and the sample.
    """

    format: str
    encoding: str | None
    delimiter: str | None
    row_count: int | None
    header: list[str] | None
    sample: list[list[str]]
    header_row: int | None = None
    sheet: str | None = None
    column_count: int = 0


def inspect_file(path: str | os.PathLike[str] | StoredFile, *, sample_rows: int = 20) -> SheetInfo:
    """Detect format, encoding, delimiter, sheet and header row; count rows; take a sample.

    A text file is read once in full, to count its rows and to be sure of its encoding.
    Raises UnreadableFile for an empty, one-column, corrupt or password-protected file.
    """
    if isinstance(path, StoredFile):
        if _head(path).startswith((*_ZIP_MAGIC, _OLE_MAGIC)):
            with path.local_path() as local:
                return inspect_file(local, sample_rows=sample_rows)
    else:
        path = Path(path)
    kind = _file_format(path)
    encoding = delimiter = sheet = None
    dimension_rows = None
    rows: Iterator[Row] | None
    if kind == "csv":
        try:
            encoding = text_encoding(path)
            delimiter = text_delimiter(path, encoding)
        except UnreadableFile:
            if path.suffix.lower() in _SPREADSHEET_SUFFIXES:
                raise UnreadableFile(f"This {path.suffix} file {DAMAGED}") from None
            raise
        rows = without_bom(text_rows(path, encoding, delimiter))
        head = list(islice(rows, sample_rows + 1))
    else:
        if kind == "xls":
            xls_check(path)
        else:
            workbook_check(path)  # zip archives: refused before anything inflates them
        sheet, rows, head, dimension_rows = first_sheet_with_rows(path, kind, sample_rows + 1)
    if not head:
        raise UnreadableFile("The file has no rows.")
    used_columns = {i for _, cells in head for i, cell in enumerate(cells) if cell.strip()}
    if len(used_columns) < 2:
        raise UnreadableFile(
            "The file has only one column. A lead file needs at least two, such as the phone "
            "number and a name, in separate columns."
        )

    has_header = _is_header(head[0][1], head[1][1] if len(head) > 1 else None)
    data = head[1:] if has_header else head[:sample_rows]
    row_count: int | None
    if rows is None:  # a streamed sheet: counting its rows would mean reading all of it
        rows_before = head[0][0] if has_header else head[0][0] - 1
        row_count = None if dimension_rows is None else dimension_rows - rows_before
    else:
        row_count = len(head) - has_header + sum(1 for _ in rows)
    return SheetInfo(
        format=kind,
        encoding=encoding,
        delimiter=delimiter,
        row_count=row_count,
        header=head[0][1] if has_header else None,
        sample=[cells for _, cells in data],
        header_row=head[0][0] if has_header else None,
        sheet=sheet,
        column_count=max(len(cells) for _, cells in head),
    )


def iter_rows(
    path: str | os.PathLike[str] | StoredFile,
    info: SheetInfo,
    *,
    start_row: int = 0,
    repairs: EncodingRepairs | None = None,
) -> Iterator[Row]:
    """Yield ``(row number, cells)`` for each non-blank data row after row ``start_row``.

    Resuming with the last row number handled skips the rows before it without converting
    them, so an import killed half-way restarts cheaply. May raise UnreadableFile while
    iterating, when the file is damaged further down than inspect_file looked. ``repairs``
    collects the rows of a mixed-encoding text file that were read as Windows-1252.
    """
    if not isinstance(path, StoredFile):
        path = Path(path)
    skip = max(start_row, info.header_row or 0) if info.header is not None else start_row
    if info.format == "csv":
        if info.encoding is None or info.delimiter is None:
            raise ValueError("a csv SheetInfo needs its encoding and delimiter")
        rows = text_rows(path, info.encoding, info.delimiter, skip, repairs)
    elif isinstance(path, StoredFile):
        rows = _stored_workbook_rows(path, info, skip)
    else:
        rows = workbook_rows(path, info.format, info.sheet, skip)
    return without_bom(rows)


def _stored_workbook_rows(stored: StoredFile, info: SheetInfo, skip: int) -> Iterator[Row]:
    with stored.local_path() as path:
        yield from workbook_rows(path, info.format, info.sheet, skip)


# --- format and header ---------------------------------------------------------------------


def _head(path: Path | StoredFile) -> bytes:
    with path.open("rb") as stream:
        return stream.read(8)


def _file_format(path: Path | StoredFile) -> str:
    head = _head(path)
    if not head:
        raise UnreadableFile("The file is empty.")
    if head.startswith(_OLE_MAGIC):
        return "xls"  # or an encrypted XLSX, which is an OLE container too
    if not head.startswith(_ZIP_MAGIC):
        return "csv"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(256)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise UnreadableFile(f"This spreadsheet {DAMAGED}") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        return "ods"
    if "xl/workbook.bin" in names:
        raise UnreadableFile("XLSB workbooks are not supported: save it as XLSX or CSV.")
    raise UnreadableFile("This is a zip archive, not a spreadsheet. Upload CSV, XLSX, XLS or ODS.")


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def _is_header(first: list[str], second: list[str] | None) -> bool:
    """Most cells not numeric, no phone number, and either a cell names a lead field or the
    next row holds a phone number."""
    cells = [cell.strip() for cell in first if cell.strip()]
    numeric = sum(1 for cell in cells if _DIGIT.search(cell) and not _LETTER.search(cell))
    if numeric * 2 >= len(cells) or any(looks_like_phone(cell) for cell in cells):
        return False
    if any(field_for_header(cell) for cell in cells):
        return True
    return second is not None and any(looks_like_phone(cell) for cell in second)
