"""Encodings never corrupt silently: a text file whose lines are UTF-8 and Windows-1252 mixed
is read line by line (UTF-8 first), the repaired rows are counted by the dry run, a line that
is neither is refused with its number, and whole-file encodings are still found."""

import codecs
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from leads.importing import encodings, engine, jobs
from leads.importing.encodings import EncodingRepairs
from leads.importing.errors import UnreadableFile
from leads.importing.options import ImportOptions
from leads.importing.reading import inspect_file, iter_rows
from leads.models import ImportJob, Lead
from leads.tests.factories import LeadListFactory

HEADER = "phone_number,first_name,last_name\r\n"
NAMES = [("José", "Müller"), ("Zoë", "Ärger"), ("Renée", "Søren"), ("Françoise", "Noël")]


def mixed_file(lines: int = 40) -> tuple[bytes, list[tuple[str, str, str]], list[int]]:
    """A vendor file put together from two sources: even rows UTF-8, odd rows Windows-1252.
    Returns the bytes, the rows as they must be read, and the row numbers in Windows-1252."""
    data = HEADER.encode()
    expected, legacy_rows = [], []
    for index in range(lines):
        first, last = NAMES[index % len(NAMES)]
        row = (f"72755{index:05d}", first, last)
        line = ",".join(row) + "\r\n"
        number = index + 2
        if number % 2:
            data += line.encode("cp1252")
            legacy_rows.append(number)
        else:
            data += line.encode("utf-8")
        expected.append(row)
    return data, expected, legacy_rows


def read(tmp_path, data: bytes, repairs: EncodingRepairs | None = None):
    path = tmp_path / "leads.csv"
    path.write_bytes(data)
    info = inspect_file(path)
    return info, list(iter_rows(path, info, repairs=repairs))


def test_mixed_utf8_and_windows_1252_lines_are_each_read_right(tmp_path):
    data, expected, legacy_rows = mixed_file()
    repairs = EncodingRepairs(keep=3)
    info, found = read(tmp_path, data, repairs)
    assert info.encoding == encodings.MIXED
    assert [tuple(cells) for _, cells in found] == expected
    assert (repairs.rows, repairs.examples) == (len(legacy_rows), legacy_rows[:3])


def test_a_line_neither_utf8_nor_windows_1252_refuses_the_file_with_its_number(tmp_path):
    data, _, _ = mixed_file(6)
    data += b"7275559999,Bad\x81Byte,Row\r\n"  # 0x81 means nothing in Windows-1252
    with pytest.raises(UnreadableFile, match="Line 8 is neither UTF-8 nor Windows-1252"):
        read(tmp_path, data)


def test_a_file_wholly_in_windows_1252_needs_no_repair(tmp_path):
    text = HEADER + "".join(
        f"72755{i:05d},{first},{last}\r\n" for i, (first, last) in enumerate(NAMES)
    )
    repairs = EncodingRepairs()
    info, found = read(tmp_path, text.encode("cp1252"), repairs)
    assert info.encoding == "cp1252"
    assert [tuple(cells[1:]) for _, cells in found] == NAMES
    assert repairs.rows == 0


def test_a_file_wholly_in_cyrillic_windows_1251_is_still_detected(tmp_path):
    names = ["Иван,Петров", "Ольга,Смирнова", "Дмитрий,Кузнецов", "Наталья,Васильева"] * 8
    text = HEADER + "".join(f"72755{i:05d},{name}\r\n" for i, name in enumerate(names))
    info, found = read(tmp_path, text.encode("cp1251"))
    assert info.encoding == "cp1251"
    assert found[0][1][1:] == ["Иван", "Петров"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + (HEADER + "7275550001,José,Müller\r\n").encode(), "utf-8-sig"),
        ((HEADER + "7275550001,José,Müller\r\n").encode("utf-16"), "utf-16"),
        ((HEADER + "7275550001,José,Müller\r\n").encode(), "utf-8"),
    ],
    ids=["utf-8-bom", "utf-16", "utf-8"],
)
def test_whole_file_unicode_encodings(tmp_path, data, encoding):
    repairs = EncodingRepairs()
    info, found = read(tmp_path, data, repairs)
    assert info.encoding == encoding
    assert found == [(2, ["7275550001", "José", "Müller"])]
    assert repairs.rows == 0


def test_a_mixed_file_keeps_its_rows_across_a_resume(tmp_path):
    data, expected, _ = mixed_file(10)
    path = tmp_path / "leads.csv"
    path.write_bytes(data)
    info = inspect_file(path)
    assert [tuple(c) for _, c in iter_rows(path, info, start_row=8)] == expected[7:]


# --- the dry run and the import -------------------------------------------------------------


@pytest.fixture
def target(campaign, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return LeadListFactory(list_id=6001, campaign=campaign)


def test_the_dry_run_counts_repaired_rows_and_the_import_stores_no_mojibake(target):
    data, expected, legacy_rows = mixed_file()
    job = jobs.import_job_create(
        upload=SimpleUploadedFile("mixed.csv", data), original_name="mixed.csv", created_by=None
    )
    mapping = {int(column): name for column, name in job.mapping.items()}
    jobs.import_job_configure(
        job=job, list_id=target.list_id, mapping=mapping, options=ImportOptions(), has_header=True
    )
    job = jobs.import_job_start_dry_run(job=job, background=False)
    tally = engine.import_dry_run(job)
    assert tally["encoding_repaired"] == {"rows": len(legacy_rows), "examples": legacy_rows[:5]}

    job = jobs.import_job_start_import(job=job, background=False)
    job = engine.import_run(job)
    assert job.status == ImportJob.Status.DONE
    stored = Lead.objects.order_by("phone_number").values_list(
        "phone_number", "first_name", "last_name"
    )
    assert list(stored) == expected


def test_the_command_line_dry_run_names_the_repaired_rows(tmp_path, target):
    data, _, legacy_rows = mixed_file(12)
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_leads", str(path), "--list", "6001", "--dry-run", stdout=out)
    rows = ", ".join(f"row {n}" for n in legacy_rows[:5])
    assert f"encoding repaired: 6 rows were not UTF-8 and were read as Windows-1252: {rows}" in (
        out.getvalue()
    )
