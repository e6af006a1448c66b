"""Size limits of uploaded lead files, checked before anything reads them into memory.

What callers may rely on:

* ``upload_check_size`` refuses a file over ``settings.IMPORT_MAX_UPLOAD_BYTES``; the upload
  form, ``jobs.import_job_create`` (and so ``manage.py import_leads``) use it, and
  ``LimitedUploadHandler`` stops keeping the bytes of a web upload past the limit.
* ``workbook_check`` looks at a workbook (XLSX or ODS: zip archives) before any reader opens
  it: the number of entries, each entry's uncompressed size, the total, the compression ratio,
  and then, by decompressing each XML part once as a stream, the longest run of bytes between
  two tags. Past the checks, no single text or tag of the file is longer than four times
  ``settings.IMPORT_MAX_CELL_CHARS`` in bytes (UTF-8 takes up to four a character), so neither
  python-calamine nor the streaming reader can be made to hold a huge value. The streaming
  reader counts again, cell by cell (``cell_check``), for values made of many runs.
* ``xls_check`` refuses an XLS workbook (not compressed, read whole) over MAX_XLS_BYTES.
* A refusal is an ``UnreadableFile`` whose message names the limit.
"""

import os
import zipfile
import zlib
from collections.abc import Iterator

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from .errors import UnreadableFile

# A real workbook holds a few dozen parts; a zip of thousands is not a spreadsheet.
MAX_ENTRIES = 10_000
# Spreadsheet XML compresses about 10:1; deflate's ceiling is about 1,000:1. Parts smaller
# than RATIO_FLOOR may compress as well as they like: they are small once inflated.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
# The streaming XLSX reader keeps the shared strings it has read (packed as UTF-8): their part
# may not unpack to more than this. A million rows of distinct names take about 100 MB.
MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024
_SHARED_STRINGS = "xl/sharedStrings.xml"
# python-calamine reads an XLS workbook (uncompressed, 65,536 rows at most) whole; real ones
# are a few megabytes.
MAX_XLS_BYTES = 64 * 1024 * 1024
_SCAN_CHUNK = 128 * 1024  # split in pieces: a megabyte would hold 40,000 of them
_XML_SUFFIXES = (".xml", ".rels")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def upload_too_large_message(size: int) -> str:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    return (
        f"This file is {_mb(size)}; files up to {_mb(limit)} are accepted "
        "(IMPORT_MAX_UPLOAD_MB). Split it into smaller files and upload each."
    )


def upload_check_size(size: int) -> None:
    """Raise UnreadableFile when an upload of ``size`` bytes is over the configured limit."""
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise UnreadableFile(upload_too_large_message(size))


class OversizedUpload(UploadedFile):
    """What is left of an upload past the limit: its name and size, and no content."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(file=None, name=name, size=size)

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        raise UnreadableFile(upload_too_large_message(self.size))

    def close(self) -> None:
        pass


class LimitedUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: passes chunks on to the next handlers until a file
    passes ``IMPORT_MAX_UPLOAD_BYTES``, then swallows the rest (counting it), so no more of
    it reaches memory or disk; the view then gets an ``OversizedUpload`` and says why."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.received <= settings.IMPORT_MAX_UPLOAD_BYTES else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received > settings.IMPORT_MAX_UPLOAD_BYTES:
            return OversizedUpload(self.file_name or "upload", self.received)
        return None


def cell_too_long_message() -> str:
    return (
        f"This spreadsheet holds a cell or text longer than {settings.IMPORT_MAX_CELL_CHARS:,} "
        "characters (IMPORT_MAX_CELL_CHARS): it is not a lead file, or it is damaged."
    )


def cell_check(length: int) -> None:
    """Raise UnreadableFile when a value being read has grown past the cell limit (in
    characters, or UTF-8 bytes for the raw scan)."""
    if length > settings.IMPORT_MAX_CELL_CHARS:
        raise UnreadableFile(cell_too_long_message())


def workbook_check(path) -> None:
    """Refuse a zip-based workbook whose parts would inflate past the limits (see the module
    docstring); a damaged archive is left for the reader to report."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_sizes(entries)
            for entry in entries:
                if entry.filename.lower().endswith(_XML_SUFFIXES):
                    with archive.open(entry) as stream:
                        _scan_xml(stream)
    # zipfile raises NotImplementedError for a compression method it does not know.
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError):
        return  # the reader says the file is damaged, in its own words


def xls_check(path) -> None:
    """Refuse an XLS workbook larger than MAX_XLS_BYTES (read whole by python-calamine)."""
    size = os.path.getsize(path)
    if size > MAX_XLS_BYTES:
        raise UnreadableFile(
            f"This XLS file is {_mb(size)}; XLS files up to {_mb(MAX_XLS_BYTES)} are read. "
            "Save it as XLSX or CSV and upload that."
        )


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise UnreadableFile(
            f"This workbook holds {len(entries):,} parts, more than the {MAX_ENTRIES:,} a "
            "spreadsheet may have: it is not a lead file."
        )
    part_limit = settings.IMPORT_MAX_UNZIPPED_BYTES
    total = 0
    for entry in entries:
        size = entry.file_size
        total += size
        if size > RATIO_FLOOR and size > MAX_RATIO * max(entry.compress_size, 1):
            raise UnreadableFile(
                f"This workbook's part {entry.filename} is compressed more than {MAX_RATIO}:1, "
                "as no spreadsheet is: it looks like a zip bomb and is refused."
            )
        if entry.filename == _SHARED_STRINGS and size > MAX_SHARED_STRINGS_BYTES:
            raise UnreadableFile(
                f"This workbook's shared strings unpack to more than "
                f"{_mb(MAX_SHARED_STRINGS_BYTES)}, more than it is safe to read. Save it as "
                "CSV and upload that."
            )
        if size > part_limit or total > part_limit:
            raise UnreadableFile(
                f"This workbook would unpack to more than {_mb(part_limit)} "
                "(IMPORT_MAX_UNZIPPED_MB). Save it as CSV, or split it into smaller files."
            )


def _scan_xml(stream) -> None:
    """Decompress one XML part as a stream; refuse it when the bytes between two "<" (a tag
    and the text after it) run longer than four times the cell limit. Zipfile stops at the
    declared size and checks the CRC, so what is scanned is what a reader would get."""
    limit = settings.IMPORT_MAX_CELL_CHARS * 4
    run = 0  # the run still open at the end of the previous chunk
    while chunk := stream.read(_SCAN_CHUNK):
        pieces = chunk.split(b"<")
        run += len(pieces[0])
        if len(pieces) > 1:
            run = max(run, max(map(len, pieces[1:-1]), default=0))
            if run > limit:
                break
            run = len(pieces[-1])
        if run > limit:
            break
    if run > limit:
        raise UnreadableFile(cell_too_long_message())
