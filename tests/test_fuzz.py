"""D9 and D10: no input breaks add_lead, and nothing is ever half-written.

Hypothesis sends random parameter names and values (quotes, backslashes, NUL, very long
strings, ``x[]`` names, any Unicode, malformed percent-encoding, invalid UTF-8) next to valid
credentials and ``function=add_lead``, by GET (encoded pairs and raw query strings) and by
POST (urlencoded and multipart). Every answer must be HTTP 200 with only ``SUCCESS:``,
``ERROR:`` and ``NOTICE:`` lines, or, for a body over LMAPI_MAX_BODY_BYTES, HTTP 413 with
its one line. Without a SUCCESS line the request must not have written a
lead, alt phone, hopper row or callback (D10); with one, it wrote exactly one lead.

Each example runs in a savepoint that is rolled back, so examples start from the same state
and hypothesis can replay and shrink a failure. Runs on SQLite, PostgreSQL and MariaDB
(strict mode: an over-long value must be cut by the application, not rejected by the server).
"""

import io
import urllib.parse
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test.client import MULTIPART_CONTENT
from hypothesis import HealthCheck, currently_in_test_context, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from callbacks.models import Callback
from campaigns.models import Campaign, HopperEntry
from leads.models import AltPhone, CustomFieldDefinition, Lead, LeadList
from leads.rules import FIELD_RULES
from leads.tests.factories import CustomFieldDefinitionFactory, LeadFactory, LeadListFactory

ENDPOINT = "/API/lmapi.php"
LINE_PREFIXES = ("SUCCESS:", "ERROR:", "NOTICE:")
# From `manage.py load_demo`.
CREDENTIALS = (("user", "6666"), ("pass", "1234"), ("function", "add_lead"))
RESERVED_NAMES = frozenset(name for name, _ in CREDENTIALS)
CUSTOM_LIST_ID = 301
CUSTOM_LABELS = ("cf_text", "cf_area", "cf_display", "cf_date", "comments", "source")
# A lead already in list 101, so duplicate checks have something to find.
EXISTING_PHONE = "7275551111"

# Every parameter add_lead reads (the rules declare each one), except the credentials and
# the function, which the fuzzed requests keep valid.
REAL_NAMES = (
    *(name for name in FIELD_RULES if name not in {"user", "function"}),
    "source",
    *CUSTOM_LABELS,
)

# Values that mean something to some parameter, so random requests reach deep branches.
MEANINGFUL_VALUES = (
    "Y",
    "Yes",
    "N",
    "y",
    "",
    "101",
    "999",
    str(CUSTOM_LIST_ID),
    "000101",
    "TESTCAMP",
    "testcamp",
    "6666",
    EXISTING_PHONE,
    "7275550000",
    "2125551234",
    "DUPLIST",
    "DUPCAMP",
    "DUPSYS",
    "DUPPHONEALTSYS",
    "DUPTITLEALTPHONELIST",
    "DUPNAMEPHONESYS",
    "DUPLIST30DAY-DUPSYS",
    "AREACODE",
    "POSTAL",
    "TZCODE",
    "NANPA",
    "NOW",
    "3DAYS",
    "2days",
    "2099-12-31 23:59:59",
    "2099-12-31+10:00:00",
    "2024-02-30",
    "9999-99-99 99:99:99",
    "USERONLY",
    "ANYONE",
    "--BLANK--",
    "7275551212_1_work!7275551213__sister house!",
    "!!!!!!",
    "M",
    "F",
    "1980-01-02",
    "19800102",
    "-100",
    "99999",
    "debug",
    "1",
)

NASTY_PIECES = (
    "'",
    '"',
    "\\",
    "\\\\",
    "\x00",
    ";",
    "#",
    "+",
    "%",
    "&",
    "=",
    "|",
    "!",
    "_",
    "-",
    ".",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\x1b[31m",
    "\x7f",
    "é",
    "ß",
    "中文",
    "😀",
    "👩🏽‍💻",
    "שלום",
    "مرحبا",
    "\u202e",
    "\u200f",
    "\ufeff",
    "\u2028",
    "e\u0301",
    "\ufffd",
    "%00",
    "%C3%28",
    "%ZZ",
    "[]",
    "Array",
    "<script>",
    "' OR '1'='1",
    "'); DROP TABLE leads_lead; --",
    "${jndi:x}",
    "NULL",
)

any_text = st.text(max_size=40)
nasty_text = st.lists(st.sampled_from(NASTY_PIECES) | any_text, max_size=8).map("".join)
long_text = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["9", "x", "é", "😀", "\\", "'", "a b"]),
    st.sampled_from([2, 3, 4, 7, 11, 13, 17, 19, 21, 31, 51, 101, 256, 1000, 5000, 70_000]),
)
huge_digits = st.text(alphabet="0123456789", min_size=19, max_size=80)
digits = st.text(alphabet="0123456789", max_size=20)
values = st.one_of(
    st.sampled_from(MEANINGFUL_VALUES), any_text, nasty_text, long_text, huge_digits, digits
)
names = st.one_of(
    st.sampled_from(REAL_NAMES),
    st.sampled_from(REAL_NAMES).map(lambda name: f"{name}[]"),
    st.sampled_from(REAL_NAMES).map(lambda name: f"{name}[0]"),
    st.sampled_from(REAL_NAMES).map(lambda name: name.replace("_", ".", 1)),
    st.sampled_from(REAL_NAMES).map(lambda name: name.replace("_", " ", 1)),
    st.sampled_from(REAL_NAMES).map(str.upper),
    any_text,
    nasty_text,
).filter(lambda name: name.replace(".", "_").replace(" ", "_") not in RESERVED_NAMES)
pairs = st.lists(st.tuples(names, values), max_size=12)

# Settings drawn with values that switch them on, so the random requests also reach DNC,
# duplicates, custom fields, the hopper and callbacks, then get random pairs on top.
OPTION_VALUES: dict[str, tuple[str, ...]] = {
    "duplicate_check": (
        "DUPLIST",
        "DUPCAMP",
        "DUPSYS",
        "DUPPHONEALTSYS",
        "DUPTITLEALTPHONELIST",
        "DUPNAMEPHONECAMP",
        "DUPLIST30DAY-DUPSYS",
    ),
    "dnc_check": ("Y", "AREACODE"),
    "campaign_dnc_check": ("Y", "AREACODE"),
    "campaign_id": ("TESTCAMP", "NOCAMP"),
    "list_exists_check": ("Y",),
    "usacan_prefix_check": ("Y",),
    "usacan_areacode_check": ("Y",),
    "nanpa_ac_prefix_check": ("Y",),
    "lookup_state": ("Y",),
    "tz_method": ("POSTAL", "TZCODE", "NANPA"),
    "postal_code": ("33755", "85001"),
    "owner": ("EST", "MST"),
    "title": ("DR",),
    "alt_phone": ("7275556666",),
    "first_name": ("José", "Bob"),
    "last_name": ("O'Brien", "Smith"),
    "date_of_birth": ("1980-01-02", "19800230"),
    "rank": ("5", "99999"),
    "entry_list_id": ("101", "99999999999999999999"),
    "multi_alt_phones": ("7275551212_1_work!7275551213__sister house!", "!!!!!!"),
    "custom_fields": ("Y",),
    "cf_text": ("--BLANK--", 'value;with"quotes\\'),
    "cf_date": ("2024-01-01",),
    "add_to_hopper": ("Y",),
    "remove_from_hopper": ("Y",),
    "hopper_local_call_time_check": ("Y",),
    "hopper_priority": ("5", "-100", "99999999999999999999"),
    "callback": ("Y",),
    "callback_datetime": ("NOW", "3DAYS", "2099-12-31 23:59:59", "2024-02-30", "later"),
    "callback_type": ("USERONLY", "ANYONE"),
    "callback_user": ("6666", "nobody"),
    "callback_status": ("CALLBK", "TOOLONGSTATUS"),
    "callback_comments": ("call back after 5pm",),
}
options = st.fixed_dictionaries(
    {},
    optional={name: st.sampled_from(choices) | values for name, choices in OPTION_VALUES.items()},
).map(lambda chosen: list(chosen.items()))
list_ids = st.sampled_from(
    ["101", "999", str(CUSTOM_LIST_ID), "102", "", "1", "9" * 25, "18446744073709551616"]
)
# Groups of settings that only matter together.
BUNDLES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("callback", "Y"), ("campaign_id", "TESTCAMP"), ("callback_datetime", "NOW")),
    (
        ("callback", "Y"),
        ("campaign_id", "TESTCAMP"),
        ("callback_datetime", "2DAYS"),
        ("callback_type", "USERONLY"),
        ("callback_user", "6666"),
    ),
    (("add_to_hopper", "Y"),),
    (("add_to_hopper", "Y"), ("hopper_local_call_time_check", "Y")),
    (("list_id", str(CUSTOM_LIST_ID)), ("custom_fields", "Y")),
    (("phone_number", "7275550000"), ("dnc_check", "Y")),
    (("phone_number", EXISTING_PHONE), ("duplicate_check", "DUPSYS")),
    (("phone_number", EXISTING_PHONE), ("list_id", "101"), ("duplicate_check", "DUPLIST")),
)
bundles = st.lists(st.sampled_from(BUNDLES), max_size=3).map(
    lambda chosen: [pair for bundle in chosen for pair in bundle]
)
extras = st.tuples(bundles, options, pairs).map(lambda parts: [*parts[0], *parts[1], *parts[2]])
phones = st.from_regex(r"\A727[2-9][0-9]{6}\Z") | st.sampled_from(["7275550000", EXISTING_PHONE])


def _base_pairs(phone: str, list_id: str) -> list[tuple[str, str]]:
    """A valid add, which the random pairs that follow may change (the last value wins)."""
    return [("source", "fuzz"), ("phone_number", phone), ("list_id", list_id)]


def _quote(text: str) -> str:
    return urllib.parse.quote_plus(text.encode("utf-8"))


# How one raw pair reaches the query string: encoded properly, sent as is, or with a
# malformed or invalid-UTF-8 escape mixed in.
RAW_FORMS: tuple[Callable[[str], str], ...] = (
    _quote,
    lambda text: text,
    lambda text: _quote(text) + "%",
    lambda text: "%" + _quote(text),
    lambda text: _quote(text) + "%C3%28",
    lambda text: _quote(text) + "%E2%82",
    lambda text: "%FF%FE" + _quote(text),
    lambda text: _quote(text).replace("%", "%%", 1),
    lambda text: _quote(text) + "%00",
)


def _raw_query(base: list[tuple[str, str]], pairs: list[tuple[str, str]], forms: list[int]) -> str:
    parts = [f"{_quote(name)}={_quote(value)}" for name, value in base]
    for (name, value), form in zip(pairs, forms, strict=True):
        encode = RAW_FORMS[form]
        parts.append(f"{encode(name)}={encode(value)}")
    parts += [f"{name}={value}" for name, value in CREDENTIALS]
    # A WSGI server hands the query string over as latin-1 decoded bytes.
    return "&".join(parts).encode("utf-8").decode("latin-1")


def _counts() -> dict[str, int]:
    return {
        "lead": Lead.objects.count(),
        "alt_phone": AltPhone.objects.count(),
        "hopper": HopperEntry.objects.count(),
        "callback": Callback.objects.count(),
    }


def _send_and_check(send: Callable[[], object]) -> None:
    """Send one request in a rolled-back savepoint and check the answer and what it wrote."""
    with transaction.atomic():
        before = _counts()
        response = send()
        after = _counts()
        transaction.set_rollback(True)

    body = response.content.decode("utf-8")
    if response.status_code == 413:
        # A body over LMAPI_MAX_BODY_BYTES (a long random value) is refused before the login.
        declared = int(response.wsgi_request.META["CONTENT_LENGTH"])
        assert declared > settings.LMAPI_MAX_BODY_BYTES, body
        assert (body, after) == ("ERROR: REQUEST BODY TOO LARGE\n", before)
        return
    assert response.status_code == 200, body
    assert body.endswith("\n"), body
    lines = body[:-1].split("\n")
    for line in lines:
        assert line.startswith(LINE_PREFIXES), body
    for line in lines:
        if currently_in_test_context():
            # --hypothesis-show-statistics shows which answers the random requests reached.
            event(line.split(" - ", 1)[0].split(": |", 1)[0][:70])
    successes = [line for line in lines if line.startswith("SUCCESS:")]
    assert len(successes) <= 1, body
    if successes:
        assert after["lead"] == before["lead"] + 1, (body, before, after)
    else:
        assert after == before, (body, before, after)


@pytest.fixture
def fuzz_state(db):
    """The demo data, a list that keeps custom fields and a lead to be a duplicate of."""
    call_command("load_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get(campaign_id="TESTCAMP")
    custom_list = LeadListFactory(
        list_id=CUSTOM_LIST_ID, campaign=campaign, keeps_custom_fields=True
    )
    field_types = CustomFieldDefinition.FieldType
    for rank, (label, field_type, default) in enumerate(
        (
            ("cf_text", field_types.TEXT, "dflt"),
            ("cf_area", field_types.AREA, None),
            ("cf_display", field_types.DISPLAY, None),
            ("cf_date", field_types.DATE, None),
            ("comments", field_types.TEXT, None),
            ("source", field_types.HIDDEN, None),
        ),
        start=1,
    ):
        CustomFieldDefinitionFactory(
            list=custom_list,
            field_label=label,
            field_type=field_type,
            field_default=default,
            field_rank=rank,
        )
    LeadFactory(
        list=LeadList.objects.get(list_id=101), phone_number=EXISTING_PHONE, title="", alt_phone=""
    )


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ_SETTINGS
@given(phone=phones, list_id=list_ids, extra=extras)
def test_get_with_random_parameters(client, fuzz_state, phone, list_id, extra):
    query = [*_base_pairs(phone, list_id), *extra, *CREDENTIALS]
    encoded = urllib.parse.urlencode(query)
    _send_and_check(lambda: client.generic("GET", ENDPOINT, QUERY_STRING=encoded))


@FUZZ_SETTINGS
@given(phone=phones, list_id=list_ids, extra=extras, data=st.data())
def test_get_with_raw_malformed_query_string(client, fuzz_state, phone, list_id, extra, data):
    forms = data.draw(
        st.lists(st.integers(0, len(RAW_FORMS) - 1), min_size=len(extra), max_size=len(extra))
    )
    query = _raw_query(_base_pairs(phone, list_id), extra, forms)
    _send_and_check(lambda: client.generic("GET", ENDPOINT, QUERY_STRING=query))


@FUZZ_SETTINGS
@given(
    phone=phones,
    list_id=list_ids,
    extra=extras,
    in_query=pairs,
    data=st.data(),
)
def test_post_urlencoded_with_random_parameters(
    client, fuzz_state, phone, list_id, extra, in_query, data
):
    forms = data.draw(
        st.lists(st.integers(0, len(RAW_FORMS) - 1), min_size=len(extra), max_size=len(extra))
    )
    # Credentials come last in the body; the query string (which wins over the body) never
    # names them, so the request always authenticates.
    body = _raw_query(_base_pairs(phone, list_id), extra, forms).encode("latin-1")
    query = urllib.parse.urlencode(in_query)
    _send_and_check(
        lambda: client.generic(
            "POST",
            ENDPOINT,
            data=body,
            content_type="application/x-www-form-urlencoded",
            QUERY_STRING=query,
        )
    )


def _multipart_safe(name: str) -> str:
    # The test client writes names into the part headers unescaped, as no browser would.
    return name.replace('"', "'").replace("\r", " ").replace("\n", " ")


@FUZZ_SETTINGS
@given(
    phone=phones,
    list_id=list_ids,
    extra=extras,
    file_name=st.none() | st.sampled_from(REAL_NAMES),
)
def test_post_multipart_with_random_parameters(
    client, fuzz_state, phone, list_id, extra, file_name
):
    fields: dict[str, list] = {}
    for name, value in [*_base_pairs(phone, list_id), *extra]:
        fields.setdefault(_multipart_safe(name), []).append(value)
    if file_name is not None:
        upload = SimpleUploadedFile("leads.csv", b"7275550199\n")
        fields.setdefault(file_name, []).append(upload)
    for name, value in CREDENTIALS:
        fields[name] = [value]
    _send_and_check(lambda: client.post(ENDPOINT, data=fields, content_type=MULTIPART_CONTENT))


LOGIN = "user=6666&pass=1234&function=add_lead&source=fuzz&phone_number=7275550188"
BROKEN_BODIES = {
    "multipart without boundary": ("multipart/form-data", b"--x\r\nbroken\r\n"),
    "multipart with a bad boundary": ('multipart/form-data; boundary="', b"--\r\n"),
    "multipart cut short": (
        "multipart/form-data; boundary=BoUnDaRy",
        b'--BoUnDaRy\r\nContent-Disposition: form-data; name="comments"\r\n\r\nhalf',
    ),
    "multipart with a header injection": (
        "multipart/form-data; boundary=BoUnDaRy",
        b'--BoUnDaRy\r\nContent-Disposition: form-data; name="a\r\nX: y"\r\n\r\nv\r\n'
        b"--BoUnDaRy--\r\n",
    ),
    "urlencoded over the size limit": (
        "application/x-www-form-urlencoded",
        b"comments=" + b"x" * (3 * 1024 * 1024),
    ),
    "urlencoded with too many fields": (
        "application/x-www-form-urlencoded",
        "&".join(f"f{n}=1" for n in range(1500)).encode(),
    ),
    "invalid UTF-8 body": ("application/x-www-form-urlencoded", b"comments=\xc3\x28\xff\xfe"),
    "JSON body": ("application/json", b'{"phone_number": "7275550188"}'),
    "binary body": ("application/octet-stream", bytes(range(256))),
}


@pytest.mark.parametrize("case", list(BROKEN_BODIES), ids=list(BROKEN_BODIES))
def test_post_with_broken_body(client, fuzz_state, case):
    """Bodies a form parser may refuse: the credentials in the query string still get a
    legacy answer (D9), never a 400 or 500 page."""
    content_type, body = BROKEN_BODIES[case]
    _send_and_check(
        lambda: client.generic(
            "POST", ENDPOINT, data=body, content_type=content_type, QUERY_STRING=LOGIN
        )
    )


def test_get_with_too_many_fields(client, fuzz_state):
    query = LOGIN + "&" + "&".join(f"x{n}[]={n}" for n in range(1500))
    _send_and_check(lambda: client.generic("GET", ENDPOINT, QUERY_STRING=query))


def test_post_multipart_with_too_many_files(client, fuzz_state):
    files = {f"file{n}": SimpleUploadedFile(f"{n}.txt", b"x") for n in range(150)}
    _send_and_check(
        lambda: client.post(f"{ENDPOINT}?{LOGIN}", data=files, content_type=MULTIPART_CONTENT)
    )
