"""Reading delimited text files (CSV, TSV, semicolon or | separated) row by row.

``text_delimiter`` finds the delimiter from the start of the file; ``text_rows`` streams the
records as ``Row``s (see ``sheet_rows``), in the encoding ``encodings.text_encoding`` chose.
A record with a quoted line break is one row; blank records are skipped but counted. Damage
(a quote never closed, a NUL byte, a byte not valid in the encoding) raises ``UnreadableFile``
naming the row.
"""

import csv
import io
from collections import deque
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from .encodings import EncodingRepairs, MixedLines, open_lines
from .errors import UnreadableFile
from .sheet_rows import Row, is_blank

DELIMITERS = ",;\t|"
_SAMPLE_CHARS = 64 * 1024


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


def text_delimiter(path: Path, encoding: str) -> str:
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
            if not is_blank(record):
                widths.append(len(record))
    except csv.Error:
        whole = False
    if not whole and len(widths) > 1:
        widths.pop()  # the sample may end inside this record
    return widths


def text_rows(
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
