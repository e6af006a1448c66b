"""Which encoding a delimited text file is in, and its lines decoded without silent damage.

What callers (``text_files``, ``reading``) may rely on:

* ``text_encoding`` reads the whole file once and names how to decode it: a Python codec
  name, or ``MIXED`` for a file whose lines are UTF-8 and Windows-1252 mixed (see its
  docstring for the rule). It raises ``UnreadableFile``, with the line number, for a line
  that no rule can read.
* ``open_lines`` gives the decoded lines (line ends kept, as ``csv.reader`` wants them). A
  byte that is not valid in the chosen encoding raises ``UnreadableFile``; nothing is ever
  replaced by U+FFFD or read as another alphabet's letters.
* In a ``MIXED`` file each line is tried as UTF-8 first, then as Windows-1252; the lines read
  the second way are reported (``MixedLines.repaired``) so that the dry run can count and
  show the rows it repaired.
"""

import codecs
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

from .errors import UnreadableFile

MIXED = "utf-8+cp1252"
SAMPLE_BYTES = 64 * 1024
# A line longer than this is refused as it is read, so a file of one endless line never
# sits in memory (a row of 16,384 wide cells is far shorter).
MAX_LINE_CHARS = 1024 * 1024
_CHUNK = 256 * 1024
# Windows-1252 is what Excel writes in Western locales: prefer it to charset-normalizer's
# first guess unless it reads the sample clearly worse (percent "chaos").
_CP1252_TOLERANCE = 10.0
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class EncodingRepairs:
    """Rows of a MIXED file read as Windows-1252 because they were not UTF-8: how many, and
    the first row numbers."""

    rows: int = 0
    examples: list[int] = field(default_factory=list)
    keep: int = 5

    def add(self, row: int) -> None:
        self.rows += 1
        if len(self.examples) < self.keep:
            self.examples.append(row)


def text_encoding(path: Path) -> str:
    """How to decode a delimited text file.

    * A byte-order mark names the encoding (UTF-8, UTF-16, UTF-32).
    * NUL bytes without a mark: UTF-16 or UTF-32 as charset-normalizer finds it, else the file
      is not text.
    * Every line valid UTF-8: "utf-8".
    * Some lines valid UTF-8 with non-ASCII letters, others not UTF-8 at all: ``MIXED``. Such a
      file was put together from several sources; no single-byte encoding reads its UTF-8
      lines right, so each line is decoded on its own, UTF-8 first, then Windows-1252. A line
      that is neither refuses the file with its line number.
    * No line valid UTF-8 with non-ASCII letters: the file is wholly in one legacy single-byte
      encoding, and only then is it guessed. The guess is Windows-1252 (what Excel writes in
      Western locales) unless charset-normalizer finds another encoding that reads the file's
      non-UTF-8 lines with clearly less "chaos" (more than 10 points): a Cyrillic or Greek
      file, whose letters read as Windows-1252 would be runs of accented capitals. Among
      close readings Windows-1252 always wins, so a Western file never becomes ISO-8859-10.
    """
    with path.open("rb") as stream:
        head = stream.read(SAMPLE_BYTES)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head:  # UTF-16 without a BOM, or not text at all
        encoding = _guess_encoding(head)
        if not encoding.startswith(("utf_16", "utf_32")):
            raise UnreadableFile("This file is neither text nor a spreadsheet.")
        return encoding
    utf8_letters, legacy = _survey(path)
    if not legacy:
        return "utf-8"
    if utf8_letters:
        return MIXED  # a line neither UTF-8 nor Windows-1252 is refused as it is read
    return _guess_encoding(b"\n".join(legacy))


def _survey(path: Path) -> tuple[bool, list[bytes]]:
    """(whether a valid UTF-8 line holds non-ASCII letters, a sample of the lines that are
    not UTF-8)."""
    utf8_letters = False
    legacy: list[bytes] = []
    sampled = 0
    for block in _blocks(path):
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            utf8_letters = utf8_letters or not text.isascii()
            continue
        for line in block.split(b"\n"):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                if sampled < SAMPLE_BYTES:
                    legacy.append(line)
                    sampled += len(line)
                elif utf8_letters:
                    return True, legacy
            else:
                utf8_letters = utf8_letters or not text.isascii()
    return utf8_letters, legacy


def _blocks(path: Path) -> Iterator[bytes]:
    """The file in blocks of whole lines (each but the last ends with a line feed)."""
    with path.open("rb") as stream:
        yield from _blocks_of(stream, b"\n")


def _too_long(number: int) -> UnreadableFile:
    return UnreadableFile(
        f"Line {number} is longer than {MAX_LINE_CHARS:,} characters: the file is not a lead "
        'file, or a quote (") is opened and never closed.'
    )


def _cp1252_line(line: bytes, number: int) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"Line {number} is neither UTF-8 nor Windows-1252 text. Save the file as UTF-8 "
            "(CSV UTF-8 in Excel) and upload it again."
        ) from None


def _guess_encoding(sample: bytes) -> str:
    matches = charset_normalizer.from_bytes(sample)
    best = matches.best()
    if best is None:
        raise UnreadableFile("This file is neither text nor a spreadsheet.")
    for match in matches:
        if (
            "cp1252" in match.could_be_from_charset
            and match.percent_chaos <= best.percent_chaos + _CP1252_TOLERANCE
        ):
            return "cp1252"
    return best.encoding


class MixedLines:
    """The lines of a MIXED file, each decoded as UTF-8 or else as Windows-1252.
    ``repaired`` turns True when a line is read the second way (the reader resets it)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.repaired = False
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for block in _blocks_of(self.stream):
            for line in block.splitlines(keepends=True):
                self.number += 1
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError:
                    self.repaired = True
                    yield _cp1252_line(line, self.number)


def _blocks_of(stream, ends: bytes = b"\n\r") -> Iterator[bytes]:
    """The stream in blocks that end with a line end (one of ``ends``; a CR that may be the
    first half of a CRLF waits for the next block), the last one excepted."""
    rest = b""
    lines = 0
    while chunk := stream.read(_CHUNK):
        data = rest + chunk
        cut = data.rfind(b"\n")
        if b"\r" in ends:
            cut = max(cut, data.rfind(b"\r", 0, len(data) - 1))
        cut += 1
        if cut:
            lines += data.count(b"\n", 0, cut)
            yield data[:cut]
        rest = data[cut:]
        if len(rest) > MAX_LINE_CHARS * 4:  # bytes: up to four a character
            raise _too_long(lines + 1)
    if rest:
        yield rest


@contextlib.contextmanager
def open_lines(path: Path, encoding: str):
    """The file's decoded lines (see the module docstring), as a context manager."""
    if encoding == MIXED:
        with path.open("rb") as stream:
            yield MixedLines(stream)
    else:
        with path.open(encoding=encoding, errors="strict", newline="") as stream:
            yield _bounded_lines(stream)


def _bounded_lines(stream) -> Iterator[str]:
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise _too_long(number)
        yield line
