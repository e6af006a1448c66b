"""Bounded input: uploads over the size limit, zip bombs, huge cells and shared strings, and
sheets whose dense grid would not fit in memory are refused with a reason naming the limit,
before anything inflates them (``leads.importing.limits``, ``leads.importing.grid``)."""

import json
import random
import string
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from leads.importing import limits, workbooks
from leads.importing.errors import UnreadableFile
from leads.importing.reading import inspect_file, iter_rows
from leads.models import ImportJob
from leads.tests.factories import LeadListFactory, UserFactory
from leads.tests.test_importing_reading import (
    hand_made_xlsx,
    ods_cell,
    ods_file,
    xlsx_row,
)

HEADER = xlsx_row(1, "Phone", "Name") + xlsx_row(2, "7275551111", "Ann")
MB = 1024 * 1024
FILES = Path(__file__).parent / "files"  # XLS written by xlwt (not a dependency)


def _raw_zip(path: Path, parts: dict[str, tuple[bytes, int, int]]) -> Path:
    """A zip archive from already deflated parts: name -> (raw deflate, crc32, size)."""
    local, central = bytearray(), bytearray()
    for name, (data, crc, size) in parts.items():
        encoded = name.encode()
        common = (20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *common, 0, 0, 0, 0, len(local)
        )
        central += encoded
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, *common) + encoded + data
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central) + end)
    return path


def _deflated(text: str) -> tuple[bytes, int, int]:
    data = text.encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def _bomb(prefix: bytes, size: int, suffix: bytes) -> tuple[bytes, int, int]:
    """``prefix``, then ``size`` bytes of "A", then ``suffix``, deflated in about size/1000
    bytes: one megabyte of "A" compresses to the same block each time after a full flush."""
    block = b"A" * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(size // MB):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    return head + body * (size // MB) + tail, crc, len(prefix) + size // MB * MB + len(suffix)


def _xlsx_parts(tmp_path: Path) -> dict[str, tuple[bytes, int, int]]:
    """The parts of a small valid XLSX (with a shared strings part), deflated."""
    plain = hand_made_xlsx(tmp_path, HEADER, shared_strings="<si><t>x</t></si>")
    with zipfile.ZipFile(plain) as archive:
        return {name: _deflated(archive.read(name).decode()) for name in archive.namelist()}


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A 2 MB XLSX whose one shared string inflates to 2 GB."""
    folder = tmp_path_factory.mktemp("bomb")
    parts = _xlsx_parts(folder)
    parts["xl/sharedStrings.xml"] = _bomb(
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>',
        2048 * MB,
        b"</t></si></sst>",
    )
    path = _raw_zip(folder / "bomb.xlsx", parts)
    assert path.stat().st_size < 3 * MB
    return path


def _random_text(length: int) -> str:
    chooser = random.Random(7)
    return "".join(chooser.choices(string.ascii_letters, k=length))


# --- workbooks checked before they are read ------------------------------------------------


def test_a_zip_bomb_xlsx_is_refused_before_it_is_unpacked(zip_bomb):
    with pytest.raises(UnreadableFile, match="compressed more than 100:1.*zip bomb"):
        inspect_file(zip_bomb)


def test_a_workbook_unpacking_past_the_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = MB
    big = "".join(xlsx_row(n, f"72755{n:05d}", _random_text(200)) for n in range(3, 6000))
    path = hand_made_xlsx(tmp_path, HEADER + big)
    with pytest.raises(
        UnreadableFile, match=r"unpack to more than 1 MB \(IMPORT_MAX_UNZIPPED_MB\)"
    ):
        inspect_file(path)


def test_shared_strings_unpacking_past_their_limit_are_refused(tmp_path, monkeypatch):
    """The streaming reader keeps the shared strings it reads: their part is bounded."""
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS_BYTES", MB)
    strings = "".join(f"<si><t>{_random_text(100)}{n}</t></si>" for n in range(20_000))
    path = hand_made_xlsx(tmp_path, HEADER, shared_strings=strings)
    with pytest.raises(UnreadableFile, match="shared strings unpack to more than 1 MB"):
        inspect_file(path)


def test_an_xls_over_its_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLS_BYTES", 1000)
    with pytest.raises(UnreadableFile, match="XLS files up to 1,000 bytes are read"):
        inspect_file(FILES / "leads.xls")


def test_a_zip_of_too_many_entries_is_refused(tmp_path):
    path = hand_made_xlsx(tmp_path, HEADER)
    with zipfile.ZipFile(path, "a") as archive:
        for number in range(10_001):
            archive.writestr(f"junk/{number}", "")
    with pytest.raises(UnreadableFile, match="10,0.. parts, more than the 10,000"):
        inspect_file(path)


@pytest.mark.parametrize("engine", ["calamine", "streamed"])
def test_a_huge_cell_is_refused(tmp_path, monkeypatch, engine):
    if engine == "streamed":
        monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    path = hand_made_xlsx(tmp_path, HEADER + xlsx_row(3, "7275551112", _random_text(200_000)))
    with pytest.raises(UnreadableFile, match="longer than 32,767 characters"):
        inspect_file(path)


def test_a_huge_shared_string_is_refused(tmp_path):
    sheet = HEADER + '<x:row r="3"><x:c t="s"><x:v>0</x:v></x:c></x:row>'
    path = hand_made_xlsx(
        tmp_path, sheet, shared_strings=f"<si><t>{_random_text(200_000)}</t></si>"
    )
    with pytest.raises(UnreadableFile, match="IMPORT_MAX_CELL_CHARS"):
        inspect_file(path)


def test_a_shared_string_of_many_short_runs_is_refused_while_streaming(tmp_path, monkeypatch):
    """Each run passes the check before reading; their sum is caught as the string grows."""
    monkeypatch.setattr(workbooks, "_CALAMINE_BUDGET", 0)
    runs = "".join(f"<r><t>{_random_text(1000)}</t></r>" for _ in range(40))
    sheet = HEADER + '<x:row r="3"><x:c t="s"><x:v>0</x:v></x:c><x:c><x:v>1</x:v></x:c></x:row>'
    path = hand_made_xlsx(tmp_path, sheet, shared_strings=f"<si>{runs}</si>")
    with pytest.raises(UnreadableFile, match="longer than 32,767 characters"):
        inspect_file(path)


def test_a_huge_ods_content_is_refused(tmp_path):
    plain = ods_file(
        tmp_path, ["<table:table-row>" + ods_cell("string", "x") + "</table:table-row>"]
    )
    with zipfile.ZipFile(plain) as archive:
        parts = {name: _deflated(archive.read(name).decode()) for name in archive.namelist()}
    parts["content.xml"] = _bomb(b"<office:document-content><text:p>", 512 * MB, b"</text:p>")
    path = _raw_zip(tmp_path / "bomb.ods", parts)
    with pytest.raises(UnreadableFile, match="zip bomb"):
        inspect_file(path)


def test_an_ods_of_repeated_values_whose_grid_is_too_large_is_refused(tmp_path):
    """Two kilobytes that calamine would expand to 20 million cells (1.3 GB measured)."""
    path = ods_file(
        tmp_path,
        [
            "<table:table-row>"
            + ods_cell("string", "Phone")
            + ods_cell("string", "Name")
            + "</table:table-row>",
            "<table:table-row>"
            + ods_cell("float", "7275551111")
            + ods_cell("string", "Ann")
            + "</table:table-row>",
            '<table:table-row table:number-rows-repeated="200000"><table:table-cell '
            'table:number-columns-repeated="100" office:value-type="float" office:value="1"/>'
            "</table:table-row>",
        ],
    )
    with pytest.raises(UnreadableFile, match="too large to read safely"):
        inspect_file(path)


def test_libreoffice_s_trailing_empty_repeats_do_not_count(tmp_path):
    path = ods_file(
        tmp_path,
        [
            "<table:table-row>"
            + ods_cell("string", "Phone")
            + ods_cell("string", "Name")
            + "</table:table-row>",
            "<table:table-row>"
            + ods_cell("float", "7275551111")
            + ods_cell("string", "Ann")
            + "</table:table-row>",
            '<table:table-row table:number-rows-repeated="1048574">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
        ],
    )
    assert list(iter_rows(path, inspect_file(path))) == [(2, ["7275551111", "Ann"])]


def test_a_sparse_xlsx_is_streamed_not_expanded_into_a_grid(tmp_path):
    """A1 and XFD1048576 make calamine ask for half a terabyte; the stream reads two rows."""
    sheet = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Name</t></is></c></row>'
        '<row r="2"><c r="A2"><v>7275551111</v></c><c r="B2" t="inlineStr"><is><t>Ann</t></is>'
        '</c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    path = hand_made_xlsx(tmp_path, sheet.replace("<", "<x:").replace("<x:/", "</x:"))
    unprefixed = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(unprefixed, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("xl/worksheets/"):
                data = (
                    data.replace(b"<x:", b"<")
                    .replace(b"</x:", b"</")
                    .replace(b"xmlns:x=", b"xmlns=")
                )
            target.writestr(name, data)
    found = list(iter_rows(unprefixed, inspect_file(unprefixed)))
    assert found[0] == (2, ["7275551111", "Ann"])
    assert found[1][0] == 1048576 and found[1][1][-1] == "1" and len(found[1][1]) == 16384


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["utf-8", "utf-8-bom"])
def test_a_text_file_of_one_endless_line_is_refused_as_it_is_read(tmp_path, bom):
    path = tmp_path / "leads.csv"
    path.write_bytes(bom + b"phone,name\n7275551111,Ann\n" + b"7275551112,Bob," * 400_000)
    with pytest.raises(UnreadableFile, match="Line 3 is longer than 1,048,576 characters"):
        inspect_file(path)


def test_an_xls_whose_grid_is_too_large_is_refused():
    """6 kB holding A1 and IV65536: calamine took 1.1 GB for it."""
    with pytest.raises(UnreadableFile, match="This XLS file is too large to read safely"):
        inspect_file(FILES / "sparse.xls")


def test_an_ordinary_xls_is_read():
    info = inspect_file(FILES / "leads.xls")
    assert (info.format, info.header, info.row_count) == ("xls", ["Phone", "Name"], 200)
    assert next(iter_rows(FILES / "leads.xls", info)) == (2, ["7275550001", "Ann"])


# --- the doors: command line and upload page ------------------------------------------------


@pytest.fixture
def target(campaign, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return LeadListFactory(list_id=7001, campaign=campaign)


def test_the_command_line_refuses_a_zip_bomb_and_a_file_over_the_upload_limit(
    zip_bomb, tmp_path, target, settings
):
    with pytest.raises(CommandError, match="zip bomb"):
        call_command("import_leads", str(zip_bomb), "--list", "7001")
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    big = tmp_path / "big.csv"
    big.write_text("phone,name\n" + "7275551111,Ann\n" * 100)
    with pytest.raises(CommandError, match=r"files up to 1,000 bytes are accepted \(IMPORT_MAX"):
        call_command("import_leads", str(big), "--list", "7001")
    assert not ImportJob.objects.exists()
    assert not list((tmp_path / "media").rglob("*.*"))


def test_the_upload_page_refuses_a_zip_bomb_and_a_file_over_the_upload_limit(
    zip_bomb, client, target, settings, tmp_path
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = reverse("admin:leads_importjob_upload")

    def post(name: str, content: bytes):
        data = {"file": SimpleUploadedFile(name, content), "target_list": "7001", "phone_code": "1"}
        return client.post(page, data)

    response = post("bomb.xlsx", zip_bomb.read_bytes())
    assert response.status_code == 200
    assert "looks like a zip bomb" in response.content.decode()
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    response = post("big.csv", b"phone,name\n" + b"7275551111,Ann\n" * 100)
    assert "This file is 1,511 bytes; files up to 1,000 bytes are accepted" in (
        response.content.decode()
    )
    assert not ImportJob.objects.exists()
    assert not list((tmp_path / "media").rglob("*.*"))


# --- memory -----------------------------------------------------------------------------------

_MEASURE = """
import json, resource, sys, django
django.setup()
from leads.importing.errors import UnreadableFile
from leads.importing.reading import inspect_file
try:
    inspect_file(sys.argv[1])
    outcome = "read"
except UnreadableFile as error:
    outcome = error.message
# VmHWM: this program's own peak. (ru_maxrss keeps the forking test process's size across
# exec, so a big test session would be measured instead.)
with open("/proc/self/status") as status:
    hwm = [line for line in status if line.startswith("VmHWM:")]
if hwm:
    peak = int(hwm[0].split()[1]) * 1024
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"outcome": outcome, "peak": peak}))
"""


@pytest.fixture
def repeated_ods(tmp_path) -> Path:
    return ods_file(
        tmp_path,
        [
            "<table:table-row>" + ods_cell("string", "Phone") + "</table:table-row>",
            '<table:table-row table:number-rows-repeated="200000"><table:table-cell '
            'table:number-columns-repeated="100" office:value-type="float" office:value="1"/>'
            "</table:table-row>",
        ],
    )


@pytest.mark.parametrize(
    ("bomb", "refusal"),
    [
        ("zip_bomb", "zip bomb"),
        ("repeated_ods", "too large to read safely"),
        ("sparse_xls", "too large to read safely"),
    ],
)
def test_refusing_a_bomb_takes_little_memory(request, bomb, refusal):
    """The peak memory (VmHWM) of a fresh process that inspects the file: Python and Django
    take about 60 MB; before the checks, these files took 2 GB and more, 1.3 GB and 1.1 GB."""
    path = FILES / "sparse.xls" if bomb == "sparse_xls" else request.getfixturevalue(bomb)
    found = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "leadhub.settings"},
    )
    result = json.loads(found.stdout.strip().splitlines()[-1])
    print(f"peak memory refusing {bomb}: {result['peak'] / MB:.0f} MB")
    assert refusal in result["outcome"]
    assert result["peak"] < 400 * MB
