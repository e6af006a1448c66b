"""Reading spreadsheets (XLSX, ODS, XLS) through python-calamine, one sheet at a time.

``first_sheet_with_rows`` finds the first visible worksheet holding a row; ``workbook_rows``
reads a chosen sheet. Calamine loads a whole sheet, so each sheet is first sized against a
memory budget (``grid`` counts the dense grid calamine would allocate): an XLSX sheet over it
is streamed by ``xlsx_stream`` instead, an ODS or XLS workbook over it is refused. A damaged
or password-protected workbook raises ``UnreadableFile``.
"""

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from itertools import chain, islice
from pathlib import Path

import python_calamine

from .errors import UnreadableFile
from .grid import ods_grid_cells, xls_grid_cells, xlsx_grid_cells
from .sheet_rows import DAMAGED, Row, cell_text, without_bom
from .xlsx_stream import xlsx_dimension_rows, xlsx_sheet_part, xlsx_sheets, xlsx_stream_rows

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
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ODS_CELL_TAG = re.compile(rb"<table:table-cell\b")
_PASSWORD = "This spreadsheet is password-protected. Remove the password, save it and upload again."


def workbook_rows(path: Path, kind: str, sheet: str | None, skip: int = 0) -> Iterator[Row]:
    """The non-blank rows after row ``skip`` of the sheet named ``sheet`` (the first for None)
    of a workbook of format ``kind`` ("xlsx", "ods" or "xls")."""
    if kind == "xlsx":
        part = xlsx_sheet_part(path, sheet)
        if _xlsx_too_big_to_load(path, part):
            return xlsx_stream_rows(path, part, skip)
    return _calamine_rows(path, kind, sheet, skip)


def first_sheet_with_rows(
    path: Path, kind: str, wanted: int
) -> tuple[str, Iterator[Row] | None, list[Row], int | None]:
    """(sheet, rest of its rows or None when streamed, first rows, dimension's last row)."""
    if kind == "xlsx":
        for name, part in xlsx_sheets(path):
            if _xlsx_too_big_to_load(path, part):
                head = list(islice(without_bom(xlsx_stream_rows(path, part)), wanted))
                if head:
                    return name, None, head, xlsx_dimension_rows(path, part)
                continue
            rows = without_bom(_calamine_rows(path, kind, name))
            if head := list(islice(rows, wanted)):
                return name, rows, head, None
        raise UnreadableFile("Every sheet of this workbook is empty.")
    for name in _calamine_sheet_names(path, kind):
        rows = without_bom(_calamine_rows(path, kind, name))
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
    return UnreadableFile(f"This {kind.upper()} file {DAMAGED}")


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
            cells = padding + [cell if type(cell) is str else cell_text(cell) for cell in row]
            joined = "".join(cells)
            if joined and not joined.isspace():
                while not cells[-1]:  # calamine pads rows to the sheet's width; streaming does not
                    cells.pop()
                yield number, cells


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


def _xlsx_too_big_to_load(path: Path, part: str) -> bool:
    return _too_big_to_load(
        path,
        part,
        _CELL_TAG,
        lambda: xlsx_grid_cells(path, part) * _XLSX_BYTES_PER_GRID_CELL,
        "xl/sharedStrings.xml",
    )
