"""Reading uploaded lead files: formats, encodings, delimiters, cells, resuming, errors, memory."""

import codecs
import datetime
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl  # test-only: python-calamine reads spreadsheets but cannot write them
import pytest

from leads.importing import workbooks
from leads.importing.errors import UnreadableFile
from leads.importing.reading import SheetInfo, inspect_file, iter_rows

LEADS = "phone_number,first_name,last_name\r\n7275551111,José,Müller\r\n7275551112,Zoë,Ärger\r\n"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def rows(path: Path, info: SheetInfo | None = None, **kwargs) -> list[tuple[int, list[str]]]:
    return list(iter_rows(path, info or inspect_file(path), **kwargs))


def excel_file(tmp_path: Path, sheet_rows: list[list], name: str = "leads.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in sheet_rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def hand_made_xlsx(
    tmp_path: Path,
    sheet_data: str,
    *,
    shared_strings: str | None = None,
    styles: str | None = None,
    workbook_pr: str = "",
    dimension: str = "",
) -> Path:
    """A minimal XLSX written by hand, to reach corners openpyxl does not write."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}">{workbook_pr}<sheets>'
            '<sheet name="Hidden" sheetId="2" state="hidden" r:id="rId2"/>'
            '<sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId4" Type="{rel}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<x:worksheet xmlns:x="{main}">{dimension}<x:sheetData>{sheet_data}</x:sheetData>'
            "</x:worksheet>"
        ),
        "xl/worksheets/sheet2.xml": (
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c t="inlineStr"><is><t>hidden'
            "</t></is></c></row></sheetData></worksheet>"
        ),
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{main}">{shared_strings}</sst>'
    if styles is not None:
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{main}">{styles}</styleSheet>'
    path = tmp_path / "hand.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return path


def xlsx_row(number: int, *cells: str) -> str:
    """A hand-made sheet row: numbers as numbers, anything else as an inline string."""
    xml = []
    for value in cells:
        if value.isdigit():
            xml.append(f"<x:c><x:v>{value}</x:v></x:c>")
        else:
            xml.append(f'<x:c t="inlineStr"><x:is><x:t>{value}</x:t></x:is></x:c>')
    return f'<x:row r="{number}">{"".join(xml)}</x:row>'


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_cell(kind: str, value: str = "", attribute: str = "office:value") -> str:
    if kind == "string":
        cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
        return cell.format(value)
    return f'<table:table-cell office:value-type="{kind}" {attribute}="{value}"/>'


def ods_file(tmp_path: Path, table_rows: list[str]) -> Path:
    """A minimal ODS: one sheet named Leads holding ``table_rows`` (table-row elements)."""
    body = "".join(table_rows)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES}>'
        f'<office:body><office:spreadsheet><table:table table:name="Leads">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    path = tmp_path / "leads.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return path


@pytest.fixture(params=["calamine", "streamed"])
def xlsx_engine(request, monkeypatch):
    """Every XLSX test runs twice: loaded by python-calamine, and streamed as a large sheet is."""
    if request.param == "streamed":
        monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    return request.param


# --- text encodings and delimiters -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (LEADS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + LEADS.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + LEADS.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + LEADS.encode("utf-16-be"), "utf-16"),
        (LEADS.encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "windows-1252"],
)
def test_encodings(tmp_path, data, encoding):
    path = write(tmp_path, "leads.csv", data)
    info = inspect_file(path)
    assert (info.format, info.encoding, info.delimiter) == ("csv", encoding, ",")
    assert info.header == ["phone_number", "first_name", "last_name"]
    assert rows(path, info) == [
        (2, ["7275551111", "José", "Müller"]),
        (3, ["7275551112", "Zoë", "Ärger"]),
    ]


def test_windows_1252_is_found_when_the_first_accent_is_far_down_the_file(tmp_path):
    plain = "".join(f"72755{i:05d},Ann,Lee\r\n" for i in range(30_000))
    path = write(tmp_path, "leads.csv", (plain + "7275559999,José,Müller\r\n").encode("cp1252"))
    info = inspect_file(path)
    assert info.encoding == "cp1252"
    assert rows(path, info, start_row=30_000) == [(30_001, ["7275559999", "José", "Müller"])]


def test_a_bom_left_in_the_first_cell_is_removed(tmp_path):
    path = write(tmp_path, "leads.csv", codecs.BOM_UTF8 * 2 + b"phone,name\n7275551111,Ann\n")
    assert inspect_file(path).header == ["phone", "name"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path, delimiter):
    text = "\n".join(
        delimiter.join(row) for row in [["Phone", "Name", "City"], ["7275551111", "Ann", "Tampa"]]
    )
    path = write(tmp_path, "leads.txt", text)
    info = inspect_file(path)
    assert info.delimiter == delimiter
    assert rows(path, info) == [(2, ["7275551111", "Ann", "Tampa"])]


def test_semicolons_win_over_decimal_commas(tmp_path):
    path = write(
        tmp_path, "leads.csv", "phone;amount;name\n7275551111;12,50;Ann\n7275551112;3,99;Bob\n"
    )
    assert inspect_file(path).delimiter == ";"


def test_tabs_win_over_commas_inside_addresses(tmp_path):
    path = write(
        tmp_path,
        "leads.tsv",
        "phone\taddress\n7275551111\t1 Main St, Apt 2\n7275551112\t5 Elm, Unit 3\n",
    )
    info = inspect_file(path)
    assert info.delimiter == "\t"
    assert info.sample[0] == ["7275551111", "1 Main St, Apt 2"]


def test_quoted_delimiters_and_quoted_newlines_stay_in_their_cell(tmp_path):
    text = (
        "phone,name,comments\r\n"
        '7275551111,"Lee, Ann","first line\r\nsecond line"\r\n'
        '7275551112,"Say ""hi""","a;b|c\tdone"\r\n'
    )
    path = write(tmp_path, "leads.csv", text)
    info = inspect_file(path)
    assert (info.delimiter, info.row_count) == (",", 2)
    assert rows(path, info) == [
        (2, ["7275551111", "Lee, Ann", "first line\r\nsecond line"]),
        (3, ["7275551112", 'Say "hi"', "a;b|c\tdone"]),
    ]


def test_quoted_newlines_do_not_confuse_delimiter_detection(tmp_path):
    record = '7275551111;"note, with, commas\nand, more, commas, here";x\n'
    path = write(tmp_path, "leads.csv", "phone;comments;y\n" + record * 5)
    assert inspect_file(path).delimiter == ";"


def test_blank_lines_are_skipped_but_keep_their_row_numbers(tmp_path):
    path = write(
        tmp_path, "leads.csv", "phone,name\n\n7275551111,Ann\n,,\n  ,\t\n\r\n7275551112,Bob\n\n"
    )
    info = inspect_file(path)
    assert info.row_count == 2
    assert rows(path, info) == [(3, ["7275551111", "Ann"]), (7, ["7275551112", "Bob"])]


def test_old_mac_line_endings(tmp_path):
    path = write(tmp_path, "leads.csv", "phone,name\r7275551111,Ann\r7275551112,Bob\r")
    assert rows(path) == [(2, ["7275551111", "Ann"]), (3, ["7275551112", "Bob"])]


# --- header detection --------------------------------------------------------------------------


def test_header_with_known_field_names_is_detected(tmp_path):
    path = write(tmp_path, "leads.csv", "Vendor ID,Telephone,Given name\nV1,7275551111,Ann\n")
    info = inspect_file(path)
    assert (info.header, info.header_row) == (["Vendor ID", "Telephone", "Given name"], 1)
    assert info.sample == [["V1", "7275551111", "Ann"]]


def test_header_of_unknown_names_is_detected_when_only_the_next_row_has_a_phone(tmp_path):
    path = write(tmp_path, "leads.csv", "\nKundennummer,Rufnummer\n17,727-555-1111\n")
    info = inspect_file(path)
    assert (info.header, info.header_row, info.row_count) == (["Kundennummer", "Rufnummer"], 2, 1)
    assert rows(path, info) == [(3, ["17", "727-555-1111"])]


def test_a_first_row_of_data_is_not_a_header(tmp_path):
    path = write(tmp_path, "leads.csv", "V1,7275551111,Ann\nV2,7275551112,Bob\n")
    info = inspect_file(path)
    assert (info.header, info.header_row, info.row_count) == (None, None, 2)
    assert [number for number, _ in rows(path, info)] == [1, 2]


def test_a_first_row_holding_a_phone_is_not_a_header_even_with_field_like_words(tmp_path):
    path = write(tmp_path, "leads.csv", "Notes,7275551111,City\nx,7275551112,Tampa\n")
    assert inspect_file(path).header is None


def test_a_first_row_of_words_without_phones_anywhere_is_not_a_header(tmp_path):
    path = write(tmp_path, "leads.csv", "alpha,beta\ngamma,delta\n")
    assert inspect_file(path).header is None


def test_a_mostly_numeric_first_row_is_not_a_header(tmp_path):
    path = write(tmp_path, "leads.csv", "7275551111,12,phone\n7275551112,13,x\n")
    assert inspect_file(path).header is None


def test_dropping_the_header_makes_iter_rows_yield_it(tmp_path):
    from dataclasses import replace

    path = write(tmp_path, "leads.csv", "phone,name\n7275551111,Ann\n")
    info = replace(inspect_file(path), header=None)
    assert rows(path, info) == [(1, ["phone", "name"]), (2, ["7275551111", "Ann"])]


def test_sample_size(tmp_path):
    path = write(
        tmp_path, "leads.csv", "phone,n\n" + "".join(f"72755511{i:02d},{i}\n" for i in range(50))
    )
    info = inspect_file(path, sample_rows=5)
    assert len(info.sample) == 5
    assert info.row_count == 50


# --- spreadsheets ----------------------------------------------------------------------------


def test_xlsx_numbers_dates_booleans_and_empty_cells(tmp_path, xlsx_engine):
    header = ["Phone", "Alt Phone", "DOB", "Called", "Flag", "Amount", "Name", "Rank"]
    called = datetime.datetime(2024, 5, 6, 7, 8, 9)
    path = excel_file(
        tmp_path,
        [
            header,
            [7275551111, 7275551111.0, datetime.date(1980, 1, 2), called, True, 1.5, " José ", 3],
            [],
            [8135550000, None, datetime.datetime(1999, 12, 31), None, False, 1e20, None, -2],
            [None, None, None, None, None, None, "Zoë"],
        ],
    )
    info = inspect_file(path)
    assert (info.format, info.encoding, info.delimiter, info.sheet) == ("xlsx", None, None, "Sheet")
    assert info.header == header
    assert rows(path, info) == [
        (
            2,
            [
                "7275551111",
                "7275551111",
                "1980-01-02",
                "2024-05-06 07:08:09",
                "Y",
                "1.5",
                " José ",
                "3",
            ],
        ),
        (4, ["8135550000", "", "1999-12-31", "", "N", "100000000000000000000", "", "-2"]),
        (5, ["", "", "", "", "", "", "Zoë"]),
    ]


def test_xlsx_row_count_and_resume(tmp_path, xlsx_engine):
    path = excel_file(
        tmp_path, [["Phone", "Name"]] + [[7275550000 + i, f"n{i}"] for i in range(30)]
    )
    info = inspect_file(path, sample_rows=3)
    assert info.row_count == 30
    assert info.sample == [["7275550000", "n0"], ["7275550001", "n1"], ["7275550002", "n2"]]
    assert rows(path, info, start_row=29) == [
        (30, ["7275550028", "n28"]),
        (31, ["7275550029", "n29"]),
    ]
    assert rows(path, info, start_row=31) == []


def test_xlsx_data_not_starting_in_a1_keeps_spreadsheet_rows_and_columns(tmp_path, xlsx_engine):
    workbook = openpyxl.Workbook()
    workbook.active["C3"], workbook.active["D3"] = "Phone", "Name"
    workbook.active["C4"], workbook.active["D4"] = 7275551111, "Ann"
    path = tmp_path / "offset.xlsx"
    workbook.save(path)
    info = inspect_file(path)
    assert (info.header, info.header_row) == (["", "", "Phone", "Name"], 3)
    assert rows(path, info) == [(4, ["", "", "7275551111", "Ann"])]


def test_xlsx_first_visible_sheet_with_data_is_read(tmp_path, xlsx_engine):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Empty"
    hidden = workbook.create_sheet("Hidden")
    hidden.append(["secret", "rows"])
    hidden.sheet_state = "hidden"
    workbook.create_sheet("Leads").append(["7275551111", "Ann"])
    path = tmp_path / "sheets.xlsx"
    workbook.save(path)
    info = inspect_file(path)
    assert info.sheet == "Leads"
    assert rows(path, info) == [(1, ["7275551111", "Ann"])]


def test_hand_made_xlsx_shared_strings_rich_text_styles_and_types(tmp_path, xlsx_engine):
    shared = (
        "<si><t>Phone</t></si><si><t>Name</t></si>"
        "<si><r><t>Jo</t></r><r><rPr><b/></rPr><t>sé</t></r><rPh><t>ホセ</t></rPh></si>"
        "<si><t>a_x000D_b</t></si><si><t>When</t></si>"
    )
    styles = (
        '<numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm"/>'
        '<numFmt numFmtId="165" formatCode="&quot;day&quot;0"/></numFmts>'
        '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/>'
        "</cellXfs>"
    )
    sheet = (
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C1" t="s"><x:v>4</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:v>7.275551111E9</x:v></x:c><x:c r="B2" t="s"><x:v>2</x:v>'
        '</x:c><x:c r="C2" s="1"><x:v>29222</x:v></x:c><x:c r="D2" s="3"><x:v>12</x:v></x:c>'
        "</x:row>"
        '<x:row r="4"><x:c r="A4" t="str"><x:f>A2&amp;""</x:f><x:v>8135550000</x:v></x:c>'
        '<x:c r="B4" t="s"><x:v>3</x:v></x:c><x:c r="C4" s="2"><x:v>45418.5</x:v></x:c></x:row>'
        '<x:row><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>in &amp; line</x:t></x:is></x:c></x:row>'
    )
    path = hand_made_xlsx(tmp_path, sheet, shared_strings=shared, styles=styles)
    info = inspect_file(path)
    assert (info.sheet, info.header) == ("Leads", ["Phone", "Name", "When"])
    assert rows(path, info) == [
        (2, ["7275551111", "José", "1980-01-02", "12"]),
        (4, ["8135550000", "a\rb", "2024-05-06 12:00:00"]),
        (5, ["Y", "", "in & line"]),
    ]


def test_xlsx_1904_dates(tmp_path, xlsx_engine):
    sheet = (
        '<x:row r="1"><x:c r="A1"><x:v>7275551111</x:v></x:c><x:c r="B1" s="1"><x:v>0</x:v>'
        '</x:c><x:c r="C1" s="1"><x:v>1</x:v></x:c></x:row>'
    )
    styles = '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    path = hand_made_xlsx(tmp_path, sheet, styles=styles, workbook_pr='<workbookPr date1904="1"/>')
    assert rows(path) == [(1, ["7275551111", "00:00:00", "1904-01-02"])]


def test_streamed_xlsx_row_count_comes_from_the_dimension(tmp_path, monkeypatch):
    monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    sheet = xlsx_row(1, "Phone", "Name") + xlsx_row(2, "7275551111", "Ann")
    path = hand_made_xlsx(tmp_path, sheet, dimension='<x:dimension ref="A1:B40"/>')
    assert inspect_file(path).row_count == 39
    assert inspect_file(hand_made_xlsx(tmp_path, sheet)).row_count is None


def test_ods(tmp_path):
    path = ods_file(
        tmp_path,
        [
            "<table:table-row>"
            + ods_cell("string", "Phone")
            + ods_cell("string", "Name")
            + ods_cell("string", "DOB")
            + "</table:table-row>",
            "<table:table-row>"
            + ods_cell("float", "7275551111")
            + ods_cell("string", "Zoë")
            + ods_cell("date", "1980-01-02", "office:date-value")
            + "</table:table-row>",
            '<table:table-row table:number-rows-repeated="2">'
            '<table:table-cell table:number-columns-repeated="3"/></table:table-row>',
            "<table:table-row>"
            + ods_cell("float", "7275551112")
            + ods_cell("boolean", "true", "office:boolean-value")
            + "</table:table-row>",
        ],
    )
    info = inspect_file(path)
    assert (info.format, info.sheet, info.header) == ("ods", "Leads", ["Phone", "Name", "DOB"])
    assert info.row_count == 2
    assert rows(path, info) == [(2, ["7275551111", "Zoë", "1980-01-02"]), (5, ["7275551112", "Y"])]


def test_an_ods_too_large_to_load_is_refused(tmp_path, monkeypatch):
    row = "<table:table-row>" + ods_cell("float", "7275551111") * 2 + "</table:table-row>"
    path = ods_file(tmp_path, [row])
    monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    with pytest.raises(UnreadableFile, match="ODS file is too large"):
        inspect_file(path)


def test_format_is_detected_by_content_not_by_name(tmp_path):
    xlsx = excel_file(tmp_path, [["Phone", "Name"], [7275551111, "Ann"]], name="leads.csv")
    assert inspect_file(xlsx).format == "xlsx"
    text = write(tmp_path, "export.xls", "Phone\tName\n7275551111\tAnn\n")
    assert (inspect_file(text).format, inspect_file(text).delimiter) == ("csv", "\t")


# --- resuming -------------------------------------------------------------------------------


def test_resume_after_a_row_number(tmp_path):
    text = "phone,n\n" + "".join(
        f"72755{i:05d},{i}\n" + ("\n" if i == 5 else "") for i in range(10)
    )
    path = write(tmp_path, "leads.csv", text)
    info = inspect_file(path)
    assert [n for n, _ in rows(path, info)] == [2, 3, 4, 5, 6, 7, 9, 10, 11, 12]
    assert rows(path, info, start_row=9) == [
        (10, ["7275500007", "7"]),
        (11, ["7275500008", "8"]),
        (12, ["7275500009", "9"]),
    ]
    assert rows(path, info, start_row=6) == rows(path, info)[5:]
    assert rows(path, info, start_row=12) == []


def test_resuming_before_the_header_still_skips_it(tmp_path):
    path = write(tmp_path, "leads.csv", "\n\nphone,name\n7275551111,Ann\n")
    info = inspect_file(path)
    assert rows(path, info, start_row=1) == [(4, ["7275551111", "Ann"])]


def test_resume_counts_records_not_lines(tmp_path):
    path = write(tmp_path, "leads.csv", 'phone,note\n7275551111,"a\nb\nc"\n7275551112,x\n')
    assert rows(path, start_row=2) == [(3, ["7275551112", "x"])]


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("leads.csv", b"", "The file is empty."),
        ("leads.csv", b"\n\r\n  \n", "The file has no rows."),
        ("leads.csv", codecs.BOM_UTF8, "The file has no rows."),
        ("leads.csv", b"7275551111\n7275551112\n", "only one column"),
        ("leads.csv", b"phone,\n7275551111,\n", "only one column"),
        ("leads.xlsx", b"this is not a workbook\n", "could not be read: it may be damaged"),
        ("leads.csv", b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table>", "web page"),
        ("leads.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "neither text nor"),
        ("leads.zip", b"PK\x05\x06" + b"\x00" * 18, "not a spreadsheet"),
    ],
)
def test_user_errors_are_plain_messages(tmp_path, name, data, message):
    with pytest.raises(UnreadableFile, match=message) as raised:
        inspect_file(write(tmp_path, name, data))
    assert raised.value.message == str(raised.value)


def test_a_one_column_spreadsheet_is_refused(tmp_path):
    with pytest.raises(UnreadableFile, match="only one column"):
        inspect_file(excel_file(tmp_path, [["Phone"], [7275551111]]))


def test_an_empty_workbook_is_refused(tmp_path):
    with pytest.raises(UnreadableFile, match="Every sheet of this workbook is empty"):
        inspect_file(excel_file(tmp_path, []))


def test_a_truncated_xlsx_is_refused(tmp_path):
    whole = excel_file(
        tmp_path, [["Phone", "Name"]] + [[7275550000 + i, f"n{i}"] for i in range(200)]
    )
    path = write(tmp_path, "cut.xlsx", whole.read_bytes()[:3000])
    with pytest.raises(UnreadableFile, match="damaged"):
        inspect_file(path)


@pytest.mark.parametrize("engine", ["calamine", "streamed"])
def test_an_xlsx_with_a_broken_sheet_is_refused(tmp_path, monkeypatch, engine):
    if engine == "streamed":
        monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    path = hand_made_xlsx(tmp_path, '<x:row r="1"><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:row>')
    with pytest.raises(UnreadableFile, match="XLSX file could not be read"):
        inspect_file(path)


def test_a_password_protected_xlsx_is_named_as_such(tmp_path):
    # Encrypted Office files are OLE containers holding an "EncryptedPackage" stream.
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 1000
        + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(UnreadableFile, match="password-protected"):
        inspect_file(write(tmp_path, "secret.xlsx", data + b"\x00" * 3000))


def test_a_damaged_xls_is_refused(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 4000
    with pytest.raises(UnreadableFile, match="This XLS file could not be read"):
        inspect_file(write(tmp_path, "old.xls", data))


def test_an_unclosed_quote_further_down_is_reported_with_its_row(tmp_path):
    text = 'phone,name\n7275551111,Ann\n7275551112,"Bob\n' + "x" * 200_000 + "\n"
    path = write(tmp_path, "leads.csv", text)
    info = SheetInfo("csv", "utf-8", ",", None, ["phone", "name"], [], header_row=1)
    with pytest.raises(UnreadableFile, match="Row 3 could not be read: .* quote"):
        rows(path, info)


# --- memory ---------------------------------------------------------------------------------


def test_a_large_csv_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("phone_number,first_name,last_name,address1,city,state,postal_code,email\r\n")
        for i in range(200_000):
            address = f"{i} Main Street,Tampa,FL,33{i % 1000:03d}"
            out.write(f"727{i:07d},First{i},Last{i},{address},u{i}@example.com\r\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        info = inspect_file(path)
        count = sum(1 for _ in iter_rows(path, info, start_row=1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.row_count == 200_000
    assert count == 200_000 - 999
    assert size > 15_000_000
    assert peak < 4_000_000, f"peak {peak} bytes while reading a {size}-byte file"


def test_a_streamed_xlsx_is_not_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    shared = '<x:c t="s"><x:v>{}</x:v></x:c>'
    sheet = "".join(
        xlsx_row(n, f"72755{n:05d}", f"{n} Main St").replace(
            "</x:c>", "</x:c>" + shared.format(n % 3), 1
        )
        for n in range(1, 40_001)
    )
    path = hand_made_xlsx(
        tmp_path, sheet, shared_strings="<si><t>a</t></si><si><t>b</t></si><si><t>c</t></si>"
    )
    tracemalloc.start()
    try:
        info = inspect_file(path)
        count = sum(1 for _ in iter_rows(path, info))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (info.header, count) == (None, 40_000)
    assert peak < 4_000_000, f"peak {peak} bytes"
