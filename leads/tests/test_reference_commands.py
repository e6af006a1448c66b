"""The reference-data loaders (load_phone_codes, load_postal_codes, load_nanpa_prefixes) and
the shared progress bar."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from leads.management.progress import Progress, count_lines
from leads.models import NanpaPrefix, PhoneCode, PostalCode

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
PHONE_HEADER = "country_code,country,areacode,state,gmt_offset,dst,dst_range,tz_code,description"


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text, encoding=encoding)
    return path


def load(command: str, path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def area_codes() -> list[str]:
    return list(PhoneCode.objects.order_by("id").values_list("areacode", flat=True))


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "sample", "model", "count"),
    [
        ("load_phone_codes", "phone_codes.csv", PhoneCode, 21),
        ("load_postal_codes", "postal_codes.csv", PostalCode, 12),
        ("load_nanpa_prefixes", "nanpa_prefixes.csv", NanpaPrefix, 13),
    ],
)
def test_sample_files_load(command, sample, model, count):
    out, err = load(command, SAMPLES / sample)

    assert model.objects.count() == count
    assert out.startswith(f"Loaded {count} ")
    assert f"from {sample} in " in out
    assert err == ""  # stderr is not a TTY and --progress was not given


@pytest.mark.django_db
def test_sample_values_are_stored_as_text_and_booleans():
    load("load_phone_codes", SAMPLES / "phone_codes.csv")
    load("load_postal_codes", SAMPLES / "postal_codes.csv")

    newfoundland = PhoneCode.objects.get(country_code="1", areacode="709")
    assert (newfoundland.gmt_offset, newfoundland.dst, newfoundland.tz_code) == (
        "-3.5",
        True,
        "NST",
    )
    assert newfoundland.iana_zone == "America/St_Johns"
    sydney = PhoneCode.objects.get(country_code="61", areacode="2")
    assert (sydney.gmt_offset, sydney.dst_range) == ("+10", "FSO-FSA")
    phoenix = PostalCode.objects.get(postal_code="85003")
    assert (phoenix.gmt_offset, phoenix.dst, phoenix.dst_range) == ("-7.0", False, "")


@pytest.mark.django_db
def test_phone_codes_keep_file_order_across_batches_and_loads(tmp_path):
    first = write_csv(
        tmp_path,
        f"{PHONE_HEADER}\n61,AUS,8,SA,+9.5,Y,FSO-FSA,ACST,\n61,AUS,8,WA,+8,N,,AWST,\n"
        "1,USA,907,AK,-9,Y,SSM-FSN,AKST,\n44,GBR,20,ENG,0,Y,LSM-LSO,GMT,\n1,USA,201,NJ,-5,Y,,,\n",
    )
    load("load_phone_codes", first, "--batch-size", "2")
    second = tmp_path / "more.csv"
    second.write_text(f"{PHONE_HEADER}\n1,USA,808,HI,-10,N,,HST,\n1,USA,212,NY,-5,Y,,,\n")
    load("load_phone_codes", second)

    assert area_codes() == ["8", "8", "907", "20", "201", "808", "212"]
    # The fallback rule (first row wins) depends on this.
    assert PhoneCode.objects.filter(country_code="61", areacode="8").first().state == "SA"


@pytest.mark.django_db
def test_replace_deletes_existing_rows_first(tmp_path):
    load("load_phone_codes", SAMPLES / "phone_codes.csv")
    path = write_csv(tmp_path, f"{PHONE_HEADER}\n1,USA,303,CO,-7,Y,SSM-FSN,MST,Denver\n")

    out, _ = load("load_phone_codes", path, "--replace")

    assert area_codes() == ["303"]
    assert "Loaded 1 phone codes" in out
    assert "replacing 21 existing rows" in out


@pytest.mark.django_db
def test_nanpa_upserts_on_areacode_and_prefix(tmp_path):
    load("load_nanpa_prefixes", SAMPLES / "nanpa_prefixes.csv")
    # No city column: an update keeps the stored city. 850-432 appears twice: the last wins.
    path = write_csv(
        tmp_path,
        "AreaCode,Prefix,GMT_Offset,DST\n850,432,-5.0,N\n999,100,-8.0,Y\n850,432,-6.0,1\n",
    )

    out, _ = load("load_nanpa_prefixes", path, "--batch-size", "2")

    assert NanpaPrefix.objects.count() == 14
    pensacola = NanpaPrefix.objects.get(areacode="850", prefix="432")
    assert (pensacola.gmt_offset, pensacola.dst, pensacola.city) == ("-6.0", True, "Pensacola")
    new = NanpaPrefix.objects.get(areacode="999", prefix="100")
    assert (new.gmt_offset, new.dst, new.city) == ("-8.0", True, "")
    assert out.startswith("Loaded 3 NANPA prefixes")


@pytest.mark.django_db
def test_nanpa_replace(tmp_path):
    load("load_nanpa_prefixes", SAMPLES / "nanpa_prefixes.csv")
    path = write_csv(tmp_path, "areacode,prefix,gmt_offset\n208,334,-7\n")

    load("load_nanpa_prefixes", path, "--replace")

    assert list(NanpaPrefix.objects.values_list("areacode", "prefix")) == [("208", "334")]


@pytest.mark.django_db
def test_bom_header_case_and_extra_columns(tmp_path):
    path = write_csv(
        tmp_path,
        "Postal_Code,NOTES,State,GMT_OFFSET,Dst,Country_Code\n"
        "10007,city hall,NY,-5.0,Y,1\n"
        "96813,,HI,-10.0,false,1\n",
        encoding="utf-8-sig",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    load("load_postal_codes", path)

    assert list(PostalCode.objects.values_list("postal_code", "state", "dst")) == [
        ("10007", "NY", True),
        ("96813", "HI", False),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [("Y", True), ("y", True), ("1", True), ("TRUE", True), ("true", True), ("N", False)]
    + [("0", False), ("false", False), ("", False)],
)
def test_dst_spellings(tmp_path, text, expected):
    path = write_csv(tmp_path, f"postal_code,gmt_offset,dst\n10007,-5,{text}\n")

    load("load_postal_codes", path)

    assert PostalCode.objects.get().dst is expected


@pytest.mark.django_db
def test_missing_optional_columns_take_model_defaults(tmp_path):
    path = write_csv(tmp_path, "postal_code,gmt_offset\n10007,-5.0\n")

    load("load_postal_codes", path)

    row = PostalCode.objects.get()
    assert (row.country_code, row.state, row.dst, row.iana_zone) == ("1", "", False, "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("1,USA,999,XX,EST,Y,,,", "gmt_offset: 'EST' is not a UTC offset"),
        ("1,USA,999,XX,-5h,Y,,,", "gmt_offset: '-5h' is not a UTC offset"),
        ("1,USA,999,XX,+15,Y,,,", "gmt_offset: '+15' is not a UTC offset"),
        ("1,USA,999,XX,5.125,Y,,,", "gmt_offset: '5.125' is not a UTC offset"),
        ("1,USA,999,XX,,Y,,,", "gmt_offset is empty"),
        (",USA,999,XX,-5,Y,,,", "country_code is empty"),
        ("1,USA,999,XX,-5,maybe,,,", "dst: 'maybe' is not one of Y, N, 1, 0, true, false"),
        ("1,USA,999,XX,-5,Y", "the row has 6 fields, the header has 9"),
        ("1,USA,999,XX,-5,Y,,,,extra", "the row has 10 fields, the header has 9"),
        ("1,USA,999,TOOLONG,-5,Y,,,", "state 'TOOLONG' is longer than 4 characters"),
    ],
)
def test_bad_row_aborts_with_line_number_and_writes_nothing(tmp_path, bad_row, problem):
    load("load_phone_codes", SAMPLES / "phone_codes.csv")
    good = "1,USA,201,NJ,-5,Y,SSM-FSN,EST,\n" * 3
    path = write_csv(tmp_path, f"{PHONE_HEADER}\n{good}{bad_row}\n{good}")

    # Batches of one: three rows are already inserted (and the table emptied) when line 5 fails.
    with pytest.raises(CommandError) as excinfo:
        load("load_phone_codes", path, "--replace", "--batch-size", "1")

    message = str(excinfo.value)
    assert "line 5: " in message
    assert problem in message
    assert "Nothing was loaded" in message
    assert PhoneCode.objects.count() == 21


@pytest.mark.django_db
def test_bad_iana_zone_and_nanpa_digits_are_rejected(tmp_path):
    zone = write_csv(tmp_path, "postal_code,gmt_offset,iana_zone\n10007,-5,America/Gotham\n")
    with pytest.raises(CommandError, match="line 2: iana_zone: 'America/Gotham' is not an IANA"):
        load("load_postal_codes", zone)

    nanpa = tmp_path / "nanpa.csv"
    nanpa.write_text("areacode,prefix,gmt_offset\n201,555,-5\n201.0,555,-5\n")
    with pytest.raises(CommandError, match=r"line 3: areacode: '201\.0' is not 3 digits"):
        load("load_nanpa_prefixes", nanpa)
    assert not PostalCode.objects.exists()
    assert not NanpaPrefix.objects.exists()


@pytest.mark.django_db
def test_multiline_record_reports_its_first_line(tmp_path):
    path = write_csv(
        tmp_path, f'{PHONE_HEADER}\n1,USA,201,NJ,-5,Y,,,"two\nlines"\n1,USA,212,NY,x,Y,,,\n'
    )
    with pytest.raises(CommandError, match="line 4: gmt_offset"):
        load("load_phone_codes", path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("country,areacode,gmt_offset\nUSA,201,-5\n", "lacks required column(s) country_code"),
        ("", "the file is empty"),
        ("country_code,Country_Code,gmt_offset\n", "column 'country_code' appears twice"),
    ],
)
def test_bad_header_is_line_one(tmp_path, text, problem):
    path = write_csv(tmp_path, text)

    with pytest.raises(CommandError) as excinfo:
        load("load_phone_codes", path)

    assert "line 1: " in str(excinfo.value)
    assert problem in str(excinfo.value)


@pytest.mark.django_db
def test_invalid_utf8_is_a_row_error_on_its_own_line(tmp_path):
    # Far enough down that the text layer has decoded past many rows when it fails.
    good = b"10007,NY,-5\n" * 3000
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"postal_code,state,gmt_offset\n" + good + b"H0H 0H0,Qu\xe9,-5\n" + good)

    with pytest.raises(CommandError, match="line 3002: the text is not valid UTF-8"):
        load("load_postal_codes", path, "--batch-size", "100")
    assert not PostalCode.objects.exists()


def test_missing_file_and_bad_batch_size(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        load("load_phone_codes", tmp_path / "nope.csv")
    with pytest.raises(CommandError, match="--batch-size: must be at least 1"):
        load("load_phone_codes", SAMPLES / "phone_codes.csv", "--batch-size", "0")


@pytest.mark.django_db
def test_one_insert_per_batch(tmp_path, django_assert_max_num_queries):
    rows = "".join(f"1,USA,{200 + i},NJ,-5,Y,,,\n" for i in range(12))
    path = write_csv(tmp_path, f"{PHONE_HEADER}\n{rows}")

    # Three INSERTs plus the transaction's savepoint statements.
    with django_assert_max_num_queries(5):
        load("load_phone_codes", path, "--batch-size", "5")

    assert PhoneCode.objects.count() == 12


@pytest.mark.django_db
def test_progress_option_draws_on_stderr(tmp_path):
    _, err = load("load_nanpa_prefixes", SAMPLES / "nanpa_prefixes.csv", "--progress")

    # stderr is not a TTY, so one line per redraw; the total is the file's line count less one.
    assert err == "[##############################] 100%  13/13 rows  " + err.split("rows  ")[1]
    assert err.endswith(" rows/s\n")


# --- Progress helper ------------------------------------------------------------------------


def test_progress_format_with_known_total():
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(10, stream, enabled=True, clock=clock)

    clock.now += 2.0
    progress.advance(5)

    assert stream.getvalue() == f"[{'#' * 15}{'.' * 15}]  50%  5/10 rows  2 rows/s\n"


def test_progress_unknown_total_and_large_numbers():
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(None, stream, enabled=True, clock=clock, unit="leads")

    clock.now += 0.5
    progress.advance(12_345)

    assert stream.getvalue() == "12,345 leads  24,690 leads/s\n"


def test_progress_throttles_redraws_and_close_shows_final_state():
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(4, stream, enabled=True, clock=clock, interval=0.25)

    clock.now += 1.0
    progress.advance()  # first call draws
    progress.advance()  # same instant: throttled
    clock.now += 0.1
    progress.advance()  # still within the interval
    progress.close()  # draws 3/4
    progress.close()  # no-op

    lines = stream.getvalue().splitlines()
    assert [line.split("  ")[2] for line in lines] == ["1/4 rows", "3/4 rows"]


def test_progress_close_does_not_repeat_a_current_line():
    stream, clock = io.StringIO(), FakeClock()
    with Progress(2, stream, enabled=True, clock=clock) as progress:
        progress.advance(2)

    assert len(stream.getvalue().splitlines()) == 1


def test_progress_estimated_total_is_capped():
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(3, stream, enabled=True, clock=clock)

    progress.advance(5)

    assert stream.getvalue().startswith(f"[{'#' * 30}] 100%  5/5 rows")


def test_progress_redraws_in_place_on_a_tty():
    stream, clock = FakeTty(), FakeClock()
    progress = Progress(2, stream, clock=clock, interval=0)

    clock.now += 1
    progress.advance()
    progress.advance()
    progress.close()

    assert progress.enabled
    assert stream.getvalue().count("\r") == 2
    assert stream.getvalue().startswith("\r[")
    assert stream.getvalue().endswith("\n")
    assert "\n" not in stream.getvalue()[:-1]


def test_progress_is_silent_when_not_a_tty_unless_forced():
    stream = io.StringIO()
    progress = Progress(10, stream)

    progress.advance(10)
    progress.close()

    assert not progress.enabled
    assert progress.count == 10
    assert stream.getvalue() == ""


def test_count_lines(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a\nb\nc")
    assert count_lines(path) == 3
    path.write_bytes(b"a\nb\n")
    assert count_lines(path) == 2
    path.write_bytes(b"")
    assert count_lines(path) == 0
    path.write_bytes(b"x\n" * 1000)
    assert count_lines(path, chunk_size=7) == 1000
