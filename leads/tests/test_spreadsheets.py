"""XLSX files written in constant memory (``leads.spreadsheets``): the export and the import
result file share the workbook options and the sheets, a further one past the row limit."""

import csv

import openpyxl
import pytest

from leads import spreadsheets
from leads.importing.results import result_path, result_xlsx_write
from leads.models import ImportJob


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db
def test_an_import_result_goes_on_in_a_further_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 3)  # a header and two rows per sheet
    job = ImportJob.objects.create(original_name="leads.csv", content_hash="x")
    with result_path(job, "csv").open("w", encoding="utf-8-sig", newline="") as stream:
        lines = csv.writer(stream)
        lines.writerow(["row", "outcome", "reason", "lead_id", "phone", "'=Name"])
        for number in range(2, 7):
            lines.writerow([number, "added", "", 100 + number, "7275550000", f"'=x{number}"])

    result_xlsx_write(job)

    book = openpyxl.load_workbook(result_path(job, "xlsx"))
    assert [sheet.max_row for sheet in book.worksheets] == [3, 3, 2]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert [cell.value for cell in sheet[1]] == [
            "row", "outcome", "reason", "lead_id", "phone", "=Name"
        ]  # fmt: skip
    rows = [row for sheet in book.worksheets for row in sheet.iter_rows(2, values_only=True)]
    assert [row[0] for row in rows] == [2, 3, 4, 5, 6]
    assert rows[0][3] == 102 and rows[0][5] == "=x2"
    assert book.worksheets[0].cell(2, 6).data_type == "s"  # text, not a formula


def test_a_workbook_without_rows_has_one_sheet_with_the_header(tmp_path):
    path = tmp_path / "empty.xlsx"
    workbook = spreadsheets.xlsx_workbook(path)
    sheets = spreadsheets.XlsxSheets(workbook, ["a", "b"])
    sheets.finish()
    workbook.close()

    (sheet,) = openpyxl.load_workbook(path).worksheets
    assert [cell.value for cell in sheet[1]] == ["a", "b"]
