"""An import job's uploaded file as rows: the header and the data rows after a given row,
read from the storage (``leadhub.stored_files``) with the format the job was inspected with.
"""

from collections.abc import Iterator
from pathlib import Path

import python_calamine

from leadhub.stored_files import StoredFile
from leads.models import ImportJob

from .encodings import EncodingRepairs
from .reading import SheetInfo, inspect_file, iter_rows


def job_rows(
    job: ImportJob, *, start_row: int, repairs: EncodingRepairs | None = None
) -> tuple[list[str] | None, Iterator]:
    """(the header row's cells when it is read now, the data rows after ``start_row``);
    ``repairs`` collects the rows whose encoding was repaired (``reading.iter_rows``)."""
    stored = StoredFile(job.file.name)
    if job.file_format == "csv":
        info = SheetInfo(
            format="csv",
            encoding=job.encoding,
            delimiter=job.delimiter,
            row_count=job.total_rows,
            header=None,
            sample=[],
        )
        rows = iter_rows(stored, info, start_row=start_row, repairs=repairs)
    else:
        rows = _workbook_rows(job, stored, start_row)
    header = (list(job.header or []) or None) if job.has_header else None
    if job.has_header and start_row == 0:
        first = next(rows, None)
        header = header or (first[1] if first else None)
    return header, rows


def _workbook_rows(job: ImportJob, stored: StoredFile, start_row: int) -> Iterator:
    # A stored workbook is read from a local copy (``StoredFile.local_path``), made once for
    # the sheet's lookup and the rows and gone when the rows are.
    with stored.local_path() as path:
        # The job does not keep the sheet's name: a workbook of several sheets is inspected
        # again to find the one with rows. The header row is skipped below, not by the
        # reader, so that a header the detection missed (has_header set by hand) is too.
        sheet = _single_sheet(path) or inspect_file(path, sample_rows=0).sheet
        info = SheetInfo(
            format=job.file_format,
            encoding=None,
            delimiter=None,
            row_count=job.total_rows,
            header=None,
            sample=[],
            sheet=sheet,
        )
        yield from iter_rows(path, info, start_row=start_row)


def _single_sheet(path: Path) -> str | None:
    """The name of the workbook's only sheet; None when it has several (or cannot say)."""
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as workbook:
            names = workbook.sheet_names
    except Exception:  # the reader reports damaged files with a proper message
        return None
    return names[0] if len(names) == 1 else None
