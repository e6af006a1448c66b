"""Writing XLSX files in constant memory: the lead exports and the import result files.

One declaration of what both need: the workbook options (streamed to disk, every text cell
written as text, never read as a number, formula or link) and the sheets (a bold header row,
frozen at the top; past the XLSX row limit the rows go on in a further sheet with the header
again). Text that a spreadsheet would run as a formula is the caller's (``leads.cells``).
"""

from pathlib import Path

XLSX_MAX_ROWS = 1_048_576


def xlsx_workbook(path: Path):
    """An ``xlsxwriter.Workbook`` writing to ``path`` in constant memory."""
    import xlsxwriter  # only the writers of XLSX files pay for the import

    return xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "in_memory": False,
        },
    )


class XlsxSheets:
    """The sheets of a workbook, filled row by row: ``next_row`` gives the sheet and row
    number of the next row, starting a further sheet (with the header) when one is full;
    ``finish`` makes sure the workbook has a sheet, the header's at least."""

    def __init__(self, workbook, header: list[str]) -> None:
        self.workbook = workbook
        self.header = header
        self.bold = workbook.add_format({"bold": True})
        self.sheet = None
        self.row_at = XLSX_MAX_ROWS

    def next_row(self) -> tuple[object, int]:
        if self.row_at >= XLSX_MAX_ROWS:
            self._new_sheet()
        at = self.row_at
        self.row_at += 1
        return self.sheet, at

    def finish(self) -> None:
        if self.sheet is None:
            self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheet = self.workbook.add_worksheet()
        self.sheet.write_row(0, 0, self.header, self.bold)
        self.sheet.freeze_panes(1, 0)
        self.row_at = 1
