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
* Anything wrong with the file itself raises ``UnreadableFile`` with a message meant for the
  person who uploaded it, from ``inspect_file`` or, for damage further down, from ``iter_rows``.
"""

import contextlib
import csv
import datetime
import io
import math
import os
import posixpath
import re
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from xml.parsers import expat

import python_calamine
from django.conf import settings

from leads.importing.encodings import EncodingRepairs, MixedLines, open_lines, text_encoding
from leads.importing.errors import UnreadableFile
from leads.importing.grid import ods_grid_cells, xls_grid_cells, xlsx_grid_cells
from leads.importing.limits import cell_check, workbook_check, xls_check
from leads.importing.mapping import field_for_header, looks_like_phone

Row = tuple[int, list[str]]

DELIMITERS = ",;\t|"
_SAMPLE_CHARS = 64 * 1024
_CHUNK = 1024 * 1024
# python-calamine loads a whole sheet; it takes roughly this much memory per cell.
_CALAMINE_BYTES_PER_CELL = 100
# Above this estimate an XLSX sheet is streamed instead and an ODS sheet is refused.
_CALAMINE_BUDGET = 150 * 1024 * 1024
# Calamine keeps a sheet as a dense grid of 32-byte cells (see ``grid``); an ODS sheet of
# repeated values measured about 64 bytes a cell in all, and so did an XLS.
_XLSX_BYTES_PER_GRID_CELL = 32
_ODS_BYTES_PER_GRID_CELL = 64
# So is a sheet whose XML (with the shared strings) inflates past this: calamine keeps every
# value of a sheet, and a value may be made of many short runs of text that the size checks
# of ``limits`` let through one by one. One such value of 87 MB took 478 MB in all; at this
# size the worst case stays under 400 MB (a 100,000-row sheet of bench/import_bench.py is
# 55 MB of XML).
_CALAMINE_MAX_XML = 64 * 1024 * 1024

# Spreadsheets by name, text by content: web exports often call a tab-separated file ".xls".
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DAMAGED = "could not be read: it may be damaged. Open it and save it again, or save it as CSV."
_PASSWORD = "This spreadsheet is password-protected. Remove the password, save it and upload again."


@dataclass(frozen=True)
class SheetInfo:
    """What ``inspect_file`` found; ``iter_rows`` reads the file according to it.

    ``format``: "csv" (any delimited text), "xlsx", "xls" or "ods". ``encoding`` and
    ``delimiter``: text files only (a Python codec name, or ``encodings.MIXED`` for UTF-8 and
    Windows-1252 lines mixed; one of ``DELIMITERS``).
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


def inspect_file(path: str | os.PathLike[str], *, sample_rows: int = 20) -> SheetInfo:
    """Detect format, encoding, delimiter, sheet and header row; count rows; take a sample.

    A text file is read once in full, to count its rows and to be sure of its encoding.
    Raises UnreadableFile for an empty, one-column, corrupt or password-protected file.
    """
    path = Path(path)
    kind = _file_format(path)
    encoding = delimiter = sheet = None
    dimension_rows = None
    rows: Iterator[Row] | None
    if kind == "csv":
        try:
            encoding = text_encoding(path)
            delimiter = _text_delimiter(path, encoding)
        except UnreadableFile:
            if path.suffix.lower() in _SPREADSHEET_SUFFIXES:
                raise UnreadableFile(f"This {path.suffix} file {_DAMAGED}") from None
            raise
        rows = _without_bom(_text_rows(path, encoding, delimiter))
        head = list(islice(rows, sample_rows + 1))
    else:
        if kind == "xls":
            xls_check(path)
        else:
            workbook_check(path)  # zip archives: refused before anything inflates them
        sheet, rows, head, dimension_rows = _first_sheet_with_rows(path, kind, sample_rows + 1)
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
    path: str | os.PathLike[str],
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
    path = Path(path)
    skip = max(start_row, info.header_row or 0) if info.header is not None else start_row
    if info.format == "csv":
        if info.encoding is None or info.delimiter is None:
            raise ValueError("a csv SheetInfo needs its encoding and delimiter")
        rows = _text_rows(path, info.encoding, info.delimiter, skip, repairs)
    elif info.format == "xlsx" and _xlsx_too_big_to_load(path, part := _xlsx_part(path, info)):
        rows = _xlsx_stream_rows(path, part, skip)
    else:
        rows = _calamine_rows(path, info.format, info.sheet, skip)
    return _without_bom(rows)


# --- format and header ---------------------------------------------------------------------


def _file_format(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(8)
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
        raise UnreadableFile(f"This spreadsheet {_DAMAGED}") from None
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


def _without_bom(rows: Iterator[Row]) -> Iterator[Row]:
    for number, cells in rows:
        if cells and cells[0].startswith("\ufeff"):
            cells[0] = cells[0][1:]
        yield number, cells
        break
    yield from rows


def _is_blank(cells: list[str]) -> bool:
    joined = "".join(cells)
    return not joined or joined.isspace()


# --- delimited text -------------------------------------------------------------------------


def _sample(lines, size: int) -> str:
    """The first ``size`` characters of the decoded lines (fewer when the file is shorter)."""
    taken: list[str] = []
    count = 0
    for line in lines:
        taken.append(line)
        count += len(line)
        if count >= size:
            break
    return "".join(taken)[:size]


def _decode_error(encoding: str, where: str) -> UnreadableFile:
    return UnreadableFile(
        f"{where} is not valid {encoding} text. Save the file as UTF-8 (CSV UTF-8 in Excel) "
        "and upload it again."
    )


def _text_delimiter(path: Path, encoding: str) -> str:
    try:
        with open_lines(path, encoding) as lines:
            sample = _sample(lines, _SAMPLE_CHARS)
    except UnicodeDecodeError:
        raise _decode_error(encoding, "The start of the file") from None
    whole = len(sample) < _SAMPLE_CHARS
    start = sample.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<html", "<!doctype", "<?xml", "<table")):
        raise UnreadableFile(
            "This file is a web page or XML document, not a spreadsheet. Open it in Excel and "
            "save it as CSV or XLSX."
        )
    best: tuple[tuple[bool, int, float], str] | None = None
    for delimiter in DELIMITERS:
        widths = _record_widths(sample, delimiter, whole)
        if not widths:
            continue
        mode = max(set(widths), key=lambda width: (widths.count(width), width))
        consistency = widths.count(mode) / len(widths)
        steady = consistency >= 0.9
        # Among delimiters that split (nearly) every row alike, the one giving most columns
        # wins: a semicolon file with decimal commas, a tab file with commas in addresses.
        score = (steady, mode if steady else 0, consistency)
        if mode >= 2 and (best is None or score > best[0]):
            best = (score, delimiter)
    if best is None:
        if not sample.strip("\ufeff \t\r\n"):
            raise UnreadableFile("The file has no rows.")
        raise UnreadableFile(
            "The file has only one column. Separate the columns with commas, semicolons, tabs "
            "or | characters."
        )
    return best[1]


def _record_widths(sample: str, delimiter: str, whole: bool) -> list[int]:
    widths = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if not _is_blank(record):
                widths.append(len(record))
    except csv.Error:
        whole = False
    if not whole and len(widths) > 1:
        widths.pop()  # the sample may end inside this record
    return widths


def _text_rows(
    path: Path,
    encoding: str,
    delimiter: str,
    skip: int = 0,
    repairs: EncodingRepairs | None = None,
) -> Iterator[Row]:
    number = 0
    with open_lines(path, encoding) as lines:
        records = csv.reader(lines, delimiter=delimiter)
        mixed = isinstance(lines, MixedLines)
        try:
            if skip:
                number = skip
                deque(islice(records, skip), maxlen=0)
                if mixed:
                    lines.repaired = False
            for number, cells in enumerate(records, skip + 1):
                if mixed and lines.repaired:
                    lines.repaired = False
                    if repairs is not None:
                        repairs.add(number)
                joined = "".join(cells)
                if joined and not joined.isspace():
                    yield number, cells
        except csv.Error as error:
            raise UnreadableFile(_csv_error_message(number + 1, error)) from None
        except UnicodeDecodeError:
            raise _decode_error(encoding, f"Row {number + 1}") from None


def _csv_error_message(number: int, error: csv.Error) -> str:
    if "field limit" in str(error):
        return (
            f"Row {number} could not be read: it runs on for too long, usually because a quote "
            '(") is opened and never closed.'
        )
    if "NUL" in str(error):
        return f"Row {number} contains a NUL character: the file is probably not plain text."
    return f"Row {number} could not be read ({error})."


# --- spreadsheets through python-calamine -----------------------------------------------------


def _first_sheet_with_rows(
    path: Path, kind: str, wanted: int
) -> tuple[str, Iterator[Row] | None, list[Row], int | None]:
    """(sheet, rest of its rows or None when streamed, first rows, dimension's last row)."""
    if kind == "xlsx":
        for name, part in _xlsx_sheets(path):
            if _xlsx_too_big_to_load(path, part):
                head = list(islice(_without_bom(_xlsx_stream_rows(path, part)), wanted))
                if head:
                    return name, None, head, _xlsx_dimension_rows(path, part)
                continue
            rows = _without_bom(_calamine_rows(path, kind, name))
            if head := list(islice(rows, wanted)):
                return name, rows, head, None
        raise UnreadableFile("Every sheet of this workbook is empty.")
    for name in _calamine_sheet_names(path, kind):
        rows = _without_bom(_calamine_rows(path, kind, name))
        if head := list(islice(rows, wanted)):
            return name, rows, head, None
    raise UnreadableFile("Every sheet of this workbook is empty.")


def _calamine_workbook(path: Path, kind: str) -> python_calamine.CalamineWorkbook:
    if (kind == "ods" and _ods_too_big_to_load(path)) or (  # every ODS sheet is parsed at once
        kind == "xls" and xls_grid_cells(path) * _ODS_BYTES_PER_GRID_CELL > _CALAMINE_BUDGET
    ):
        raise UnreadableFile(
            f"This {kind.upper()} file is too large to read safely. Save it as XLSX or CSV and "
            "upload that."
        )
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except BaseException as error:  # pyo3 panics derive from BaseException
        raise _calamine_error(error, path, kind) from None


def _calamine_error(error: BaseException, path: Path, kind: str) -> BaseException:
    if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
        return error  # KeyboardInterrupt and the like pass through
    if isinstance(error, python_calamine.PasswordError) or (
        kind == "xls" and _is_encrypted_ooxml(path)
    ):
        return UnreadableFile(_PASSWORD)
    return UnreadableFile(f"This {kind.upper()} file {_DAMAGED}")


def _is_encrypted_ooxml(path: Path) -> bool:
    """An encrypted XLSX is an OLE container holding an "EncryptedPackage" stream."""
    marker = "EncryptedPackage".encode("utf-16-le")
    tail = b""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if marker in tail + chunk:
                return True
            tail = chunk[-len(marker) :]
    return False


def _calamine_sheet_names(path: Path, kind: str) -> list[str]:
    workbook = _calamine_workbook(path, kind)
    with workbook:
        return [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
            and sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]


def _calamine_rows(path: Path, kind: str, sheet_name: str | None, skip: int = 0) -> Iterator[Row]:
    workbook = _calamine_workbook(path, kind)
    with workbook:
        try:
            if sheet_name is None:
                sheet = workbook.get_sheet_by_index(0)
            else:
                sheet = workbook.get_sheet_by_name(sheet_name)
        except BaseException as error:
            raise _calamine_error(error, path, kind) from None
        if sheet.start is None:
            return
        all_rows = iter(sheet.iter_rows())
        first = next(all_rows, None)
        if first is None:
            return
        # python-calamine trims the empty rows and columns before the data, or only some of
        # them, depending on its version: count from the first row, pad to keep column A at 0.
        first_row, first_column = sheet.start
        if not any(cell != "" for cell in first):
            first_row = 0
        padding = [""] * (first_column if len(first) == sheet.width else 0)
        values = enumerate(chain([first], all_rows), first_row + 1)
        if skip > first_row:
            values = islice(values, skip - first_row, None)
        for number, row in values:
            cells = padding + [cell if type(cell) is str else _cell_text(cell) for cell in row]
            joined = "".join(cells)
            if joined and not joined.isspace():
                while not cells[-1]:  # calamine pads rows to the sheet's width; streaming does not
                    cells.pop()
                yield number, cells


def _cell_text(value: object) -> str:
    kind = type(value)
    if kind is float:
        return _number_text(value)  # type: ignore[arg-type]
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


def _number_text(value: float) -> str:
    """Plain digits, never "7275551111.0" nor "1e+16"."""
    if not math.isfinite(value):
        return ""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _too_big_to_load(
    path: Path,
    part: str,
    cell_tag: re.Pattern[bytes],
    grid_bytes: Callable[[], float],
    strings: str = "",
) -> bool:
    """Whether calamine would need more than its budget for the sheet in this XML part: for
    the cells, with their count extrapolated from the part's first megabyte, or for the dense
    grid it keeps them in (``grid_bytes``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            size = archive.getinfo(part).file_size
            extra = archive.getinfo(strings).file_size if strings in archive.namelist() else 0
            if size + extra > _CALAMINE_MAX_XML:
                return True  # calamine would hold it all, and a cell may be that long
            # Under 8 bytes a cell, a small part cannot hold too many cells.
            if size >= _CALAMINE_BUDGET // _CALAMINE_BYTES_PER_CELL * 8:
                with archive.open(part) as stream:
                    head = stream.read(_CHUNK)
                cells = len(cell_tag.findall(head)) * size / max(len(head), 1)
                if cells * _CALAMINE_BYTES_PER_CELL + extra > _CALAMINE_BUDGET:
                    return True
        return grid_bytes() > _CALAMINE_BUDGET
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return False  # the reader reports the damage


def _ods_too_big_to_load(path: Path) -> bool:
    return _too_big_to_load(
        path, "content.xml", _ODS_CELL_TAG, lambda: ods_grid_cells(path) * _ODS_BYTES_PER_GRID_CELL
    )


# --- XLSX sheets too large to load: streamed with expat ---------------------------------------

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*(\d*):?[A-Z]*(\d*)\"")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ODS_CELL_TAG = re.compile(rb"<table:table-cell\b")
_MAX_COLUMNS = 16_384  # Excel's last column, XFD
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
_ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EPOCHS = {
    False: datetime.datetime(1899, 12, 30),
    True: datetime.datetime(1904, 1, 1),
}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _xlsx_sheets(path: Path) -> list[tuple[str, str]]:
    """(name, zip part) of each visible worksheet, in workbook order."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, zlib.error):
        raise UnreadableFile(f"This XLSX file {_DAMAGED}") from None
    targets = {}
    for rel in rels:
        if rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            part = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            targets[rel.get("Id")] = posixpath.normpath(part)
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet" or element.get("state", "visible") != "visible":
            continue
        rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if rel_id in targets:
            sheets.append((element.get("name", ""), targets[rel_id]))
    return sheets


def _xlsx_part(path: Path, info: SheetInfo) -> str:
    for name, part in _xlsx_sheets(path):
        if name == info.sheet or info.sheet is None:
            return part
    raise UnreadableFile(f"The sheet {info.sheet!r} is no longer in this workbook.")


def _xlsx_too_big_to_load(path: Path, part: str) -> bool:
    return _too_big_to_load(
        path,
        part,
        _CELL_TAG,
        lambda: xlsx_grid_cells(path, part) * _XLSX_BYTES_PER_GRID_CELL,
        "xl/sharedStrings.xml",
    )


def _xlsx_dimension_rows(path: Path, part: str) -> int | None:
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        match = _DIMENSION.search(stream.read(64 * 1024))
    if not match:
        return None
    return int(match[2] or match[1] or 0) or None


class _TagCodes(dict):
    """Element name -> what the sheet parser does with it, whatever the namespace prefix."""

    _CODES = {"c": 1, "v": 2, "t": 3, "row": 4, "is": 5, "rPh": 6, "si": 7}

    def __missing__(self, name: str) -> int:
        code = self[name] = self._CODES.get(name.rpartition(":")[2], 0)
        return code


def _xml_parser(start, end, data) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    return parser


def _feed(stream, parser) -> Iterator[None]:
    """Feed an XML stream to expat, pausing after each chunk."""
    while chunk := stream.read(64 * 1024):
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)


class _SharedStrings:
    """The shared strings table, read only as far as the rows need it (Excel writes it in order
    of first use) and packed as UTF-8: a million-row sheet may hold millions of strings."""

    def __init__(self, stream) -> None:
        self._data = bytearray()
        self._ends = array("q")
        self._pending = self._read(stream) if stream is not None else iter(())

    def __getitem__(self, index: int) -> str:
        while index >= len(self._ends) and next(self._pending, True) is None:
            pass
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode()

    def _read(self, stream) -> Iterator[None]:
        tags = _TagCodes()
        parts: list[str] = []
        collecting = phonetic = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal collecting, phonetic
            code = tags[name]
            if code == 3:
                collecting = not phonetic
            elif code == 6:
                phonetic = True

        def end(name: str) -> None:
            nonlocal collecting, phonetic, size
            code = tags[name]
            if code == 3:
                collecting = False
            elif code == 6:
                phonetic = False
            elif code == 7:
                size = 0
                text = "".join(parts)
                if "_x" in text:  # Excel's escapes for control characters: _x000D_
                    text = _ESCAPED_CHAR.sub(lambda m: chr(int(m[1], 16)), text)
                self._data += text.encode()
                self._ends.append(len(self._data))
                parts.clear()

        def data(text: str) -> None:
            nonlocal size
            if collecting:
                parts.append(text)
                size += len(text)
                if size > limit:
                    cell_check(size)

        size = 0
        limit = settings.IMPORT_MAX_CELL_CHARS
        yield from _feed(stream, _xml_parser(start, end, data))


def _xlsx_date_styles(archive: zipfile.ZipFile) -> list[bool]:
    """For each cell style index: whether it shows numbers as dates or times."""
    try:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return []
    custom: dict[int, bool] = {}
    result: list[bool] = []
    for element in styles.iter():
        local = _local(element.tag)
        if local == "numFmt":
            code = _NOT_DATE_PARTS.sub("", element.get("formatCode", ""))
            custom[int(element.get("numFmtId", "0"))] = bool(re.search("[dmyhs]", code, re.I))
        elif local == "cellXfs":
            for xf in element:
                fmt = int(xf.get("numFmtId", "0"))
                result.append(custom.get(fmt, fmt in _DATE_FORMAT_IDS))
    return result


def _serial_text(serial: float, date1904: bool) -> str:
    """An Excel date serial as ISO text, the way calamine converts it."""
    epoch = _EPOCHS[date1904]
    if not date1904 and serial < 61:
        epoch += datetime.timedelta(days=1)  # Excel's 29 February 1900 that never was
    try:
        moment = epoch + datetime.timedelta(seconds=round(serial * 86400))
    except OverflowError:
        return _number_text(serial)
    if serial < 1:
        return moment.time().isoformat()
    if moment.time() == datetime.time():
        return moment.date().isoformat()
    return moment.isoformat(sep=" ")


def _xlsx_stream_rows(path: Path, part: str, skip: int = 0) -> Iterator[Row]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            with (
                archive.open(part) as sheet,
                archive.open("xl/sharedStrings.xml")
                if "xl/sharedStrings.xml" in names
                else contextlib.nullcontext() as strings,
            ):
                workbook = archive.read("xl/workbook.xml")
                cells = _XlsxCells(
                    _SharedStrings(strings),
                    _xlsx_date_styles(archive),
                    re.search(rb"date1904=\"(1|true)\"", workbook) is not None,
                )
                yield from _xlsx_sheet_rows(sheet, cells, skip)
    except (
        expat.ExpatError,
        ElementTree.ParseError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        IndexError,
        ValueError,
        KeyError,
    ):
        raise UnreadableFile(f"This XLSX file {_DAMAGED}") from None


@dataclass
class _XlsxCells:
    """Turns the raw text of a streamed cell into the text calamine would give."""

    strings: _SharedStrings
    date_styles: list[bool]
    date1904: bool

    def text(self, raw: str, kind: str | None, style: str | None) -> str:
        if kind == "s":
            return self.strings[int(raw)]
        if kind is None or kind == "n":
            if style is not None and self.date_styles and self._is_date(style):
                return _serial_text(float(raw), self.date1904)
            if raw.isdigit() and len(raw) < 16 and raw[0] != "0":
                return raw  # the common case: a whole number such as a phone number
            return _number_text(float(raw))
        if kind == "inlineStr" or kind == "str":
            return raw
        if kind == "b":
            return "Y" if raw.strip() in ("1", "true") else "N"
        if kind == "d":
            moment = datetime.datetime.fromisoformat(raw.strip().rstrip("Z"))
            return _cell_text(moment.date() if moment.time() == datetime.time() else moment)
        return ""  # "e": an error value such as #N/A

    def _is_date(self, style: str) -> bool:
        index = int(style)
        return index < len(self.date_styles) and self.date_styles[index]


def _xlsx_sheet_rows(stream, cells: _XlsxCells, skip: int) -> Iterator[Row]:
    ready: list[Row] = []
    parts: list[str] = []
    tags = _TagCodes()
    columns: dict[str, int] = {}
    row: list[str] = []
    number = 0
    column = -1
    kind = style = None
    collecting = inline = phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, number, column, kind, style, collecting, inline, phonetic, size
        code = tags[name]
        if code == 1:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = columns.get(letters, -1)
                if column < 0:
                    column = columns[letters] = _column_index(letters)
            else:
                column += 1
            if column >= _MAX_COLUMNS:
                raise UnreadableFile(f"This XLSX file {_DAMAGED}")
            kind = attrs.get("t")
            style = attrs.get("s")
            parts.clear()
            size = 0
        elif code == 2 or (code == 3 and inline and not phonetic):
            collecting = True
        elif code == 4:
            given = attrs.get("r")
            number = int(given) if given else number + 1
            row = []
            column = -1
        elif code == 5:
            inline = True
        elif code == 6:
            phonetic = True

    def end(name: str) -> None:
        nonlocal collecting, inline, phonetic
        code = tags[name]
        if code == 1:
            if parts and number > skip:
                value = cells.text("".join(parts), kind, style)
                if value:
                    if column > len(row):
                        row.extend([""] * (column - len(row)))
                    if column == len(row):
                        row.append(value)
                    else:
                        row[column] = value
        elif code == 2 or code == 3:
            collecting = False
        elif code == 4:
            if number > skip and not _is_blank(row):
                ready.append((number, row))
        elif code == 5:
            inline = False
        elif code == 6:
            phonetic = False

    def data(text: str) -> None:
        nonlocal size
        if collecting:
            parts.append(text)
            size += len(text)
            if size > limit:
                cell_check(size)

    size = 0
    limit = settings.IMPORT_MAX_CELL_CHARS
    for _ in _feed(stream, _xml_parser(start, end, data)):
        yield from ready
        ready.clear()
    yield from ready


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1
