"""Streaming an XLSX sheet too large for python-calamine to load, with expat.

``xlsx_stream_rows`` reads one worksheet part as a stream and yields ``Row``s (see
``sheet_rows``) with the same cell texts calamine would give: shared strings looked up as far
as the rows need them, date styles turned into ISO dates, numbers without ".0". Memory stays
flat whatever the sheet's size; ``limits.cell_check`` refuses a value growing past the cell
limit. ``xlsx_sheets`` lists the visible worksheets and ``xlsx_dimension_rows`` the row count
a sheet declares. Damage raises ``UnreadableFile``.
"""

import contextlib
import datetime
import posixpath
import re
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from django.conf import settings

from .errors import UnreadableFile
from .limits import cell_check
from .sheet_rows import DAMAGED, Row, cell_text, is_blank, number_text

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*(\d*):?[A-Z]*(\d*)\"")
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


def xlsx_sheets(path: Path) -> list[tuple[str, str]]:
    """(name, zip part) of each visible worksheet, in workbook order."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, zlib.error):
        raise UnreadableFile(f"This XLSX file {DAMAGED}") from None
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


def xlsx_sheet_part(path: Path, sheet: str | None) -> str:
    """The zip part of the worksheet named ``sheet`` (the first one for None)."""
    for name, part in xlsx_sheets(path):
        if name == sheet or sheet is None:
            return part
    raise UnreadableFile(f"The sheet {sheet!r} is no longer in this workbook.")


def xlsx_dimension_rows(path: Path, part: str) -> int | None:
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
        return number_text(serial)
    if serial < 1:
        return moment.time().isoformat()
    if moment.time() == datetime.time():
        return moment.date().isoformat()
    return moment.isoformat(sep=" ")


def xlsx_stream_rows(path: Path, part: str, skip: int = 0) -> Iterator[Row]:
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
        raise UnreadableFile(f"This XLSX file {DAMAGED}") from None


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
            return number_text(float(raw))
        if kind == "inlineStr" or kind == "str":
            return raw
        if kind == "b":
            return "Y" if raw.strip() in ("1", "true") else "N"
        if kind == "d":
            moment = datetime.datetime.fromisoformat(raw.strip().rstrip("Z"))
            return cell_text(moment.date() if moment.time() == datetime.time() else moment)
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
                raise UnreadableFile(f"This XLSX file {DAMAGED}")
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
            if number > skip and not is_blank(row):
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
