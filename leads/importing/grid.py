"""How many cells python-calamine would allocate for a sheet, found without loading it.

Calamine keeps a sheet as a dense grid, from its first used cell to its last, whatever lies
between: an XLSX of two cells, A1 and XFD1048576, asks for 17 billion cells (half a terabyte),
an ODS row of one value repeated 100 times, itself repeated 200,000 times, for 20 million, and
an XLS of A1 and IV65536 for 17 million (a 6 kB file that took 1.1 GB).
``workbooks`` loads a sheet with calamine only when these counts fit its budget; it streams (or
refuses) the others. A count of ``math.inf`` means "cannot be bounded cheaply".
"""

import math
import re
import struct
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.parsers import expat

import olefile

_CHUNK = 256 * 1024
# Cells and rows under a namespace prefix (<x:c>) are not counted: such a sheet is streamed.
_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")
_OTHER_C_TAGS = (b"<co", b"<cf", b"<cu")
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_CELL_REF = rb'<c r="'
_WIDE_COLUMN = re.compile(rb'<c r="([A-Z]{2,})')


def xlsx_grid_cells(path: Path, part: str) -> float:
    """Rows times columns of the grid calamine would build for this worksheet part (cached
    per file version: a worker reads the same file for the dry run and the import)."""
    stat = path.stat()
    return _xlsx_grid_cells(path, part, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _xlsx_grid_cells(path: Path, part: str, mtime: int, size: int) -> float:
    """Rows times columns of the grid calamine would build for this worksheet part.

    Bounded only for a sheet whose every row and cell tag starts with its reference
    (``<row r="7"``, ``<c r="B7"``), as Excel, LibreOffice and xlsxwriter write them; for
    any other, a cell without a reference could sit anywhere, and the answer is infinite.
    """
    rows = columns = 0
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            data = tail + chunk
            cut = data.rfind(b"<") if chunk else len(data)
            data, tail = data[:cut], data[cut:]
            numbers = _ROW_NUMBER.findall(data)
            referenced = data.count(_CELL_REF)
            # Every "<c" is a cell tag or one of the few others starting "<co", "<cf", "<cu"
            # (cols, conditionalFormatting, customSheetViews...): a cell without its
            # reference, or an unknown tag, makes the counts differ (and the sheet streamed).
            cells = data.count(b"<c") - sum(data.count(tag) for tag in _OTHER_C_TAGS)
            if (
                _PREFIXED.search(data)
                or len(numbers) != data.count(b"<row") - data.count(b"<rowB")
                or referenced != cells
            ):
                return math.inf
            rows = max(rows, *map(int, numbers), 0)
            if referenced:
                columns = max(columns, 26)
            for letters in _WIDE_COLUMN.findall(data):
                columns = max(columns, _column_number(letters))
            if not chunk:
                return rows * columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters[:4]:  # past XFD, four letters already say "too wide"
        number = number * 26 + letter - 64
    return number


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ROW = f"{_TABLE} table-row"
_CELLS = {f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"}
_ROWS_REPEATED = f"{_TABLE} number-rows-repeated"
_COLUMNS_REPEATED = f"{_TABLE} number-columns-repeated"
_VALUE_TYPE = f"{_OFFICE} value-type"
_TABLE_START = f"{_TABLE} table"


def ods_grid_cells(path: Path) -> float:
    """The largest grid calamine would build for a sheet of this ODS: from the first row to
    the last row holding a value, times the widest row up to its last value. Repeated empty
    rows and cells (LibreOffice ends every sheet with a million of them) count for nothing."""
    largest = 0
    row = width = position = last_row = widest = 0
    row_repeat = 1

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, width, position, last_row, widest, row_repeat, largest
        if name == _ROW:
            row_repeat = int(attrs.get(_ROWS_REPEATED, "1"))
            width = position = 0
        elif name in _CELLS:
            repeat = int(attrs.get(_COLUMNS_REPEATED, "1"))
            position += repeat
            if _VALUE_TYPE in attrs:
                width = position
        elif name == _TABLE_START:
            largest = max(largest, last_row * widest)
            row = last_row = widest = 0

    def end(name: str) -> None:
        nonlocal row, last_row, widest
        if name == _ROW:
            row += row_repeat
            if width:
                last_row, widest = row, max(widest, width)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as stream:
            parser.ParseFile(stream)
    except (ValueError, expat.ExpatError):
        return math.inf
    return max(largest, last_row * widest)


# BIFF records that hold one cell: row and column are their first two fields.
_XLS_CELLS = {0x0006, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6, 0x0201}
# Records that hold a run of cells in one row: row, first column, ..., last column.
_XLS_CELL_RUNS = {0x00BD, 0x00BE}
_XLS_BOF, _XLS_FILEPASS = 0x0809, 0x002F


def xls_grid_cells(path: Path) -> float:
    """The largest grid calamine would build for a sheet of this XLS workbook, from the cell
    records of its BIFF stream; 0 for an encrypted or unrecognised file (calamine reports
    it). Cached per file version: the reader asks once per sheet."""
    stat = path.stat()
    return _xls_grid_cells(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _xls_grid_cells(path: str, mtime: int, size: int) -> float:
    try:
        with olefile.OleFileIO(path) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return 0
            data = ole.openstream(name).read()
    except (OSError, ValueError, struct.error):
        return 0
    largest = rows = columns = 0
    position, end = 0, len(data) - 4
    while position <= end:
        kind, length = struct.unpack_from("<HH", data, position)
        body = position + 4
        position = body + length
        if kind in _XLS_CELLS and length >= 4:
            row, column = struct.unpack_from("<HH", data, body)
        elif kind in _XLS_CELL_RUNS and length >= 6:
            row = struct.unpack_from("<H", data, body)[0]
            column = struct.unpack_from("<H", data, position - 2)[0]
        elif kind == _XLS_BOF:
            largest, rows, columns = max(largest, rows * columns), 0, 0
            continue
        elif kind == _XLS_FILEPASS:
            return 0
        else:
            continue
        rows, columns = max(rows, row + 1), max(columns, column + 1)
    return max(largest, rows * columns)
