"""Reading the legacy API's parameters (leads/api/params.py, contract §1.2)."""

import pytest
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from leads.api.params import is_password_name, query_pairs, request_params

# Raw query strings as a WSGI server hands them over (bytes decoded as latin-1): any text as
# UTF-8 with percent escapes (valid and not, UTF-8 and not), '+', '&', '=' and ';' in any
# order; or any bytes at all, most of them not UTF-8.
_QUERY_PIECES = st.one_of(
    st.sampled_from(["&", "=", "+", ";", "%", "%2", "%zz", "%C3%A9", "%E9", "%00", "%26"]),
    st.text(max_size=8),
)
RAW_QUERY = st.one_of(
    st.lists(_QUERY_PIECES, max_size=20).map(
        lambda pieces: "".join(pieces).encode("utf-8").decode("iso-8859-1")
    ),
    st.binary(max_size=40).map(lambda raw: raw.decode("iso-8859-1")),
)


def _request(query: str, method: str = "GET", **kwargs):
    request = getattr(RequestFactory(), method.lower())("/API/lmapi.php", **kwargs)
    request.META["QUERY_STRING"] = query
    return request


@given(RAW_QUERY)
def test_query_pairs_decode_as_django_request_get_does(query):
    """The hot path skips QueryDict but must read every query exactly as request.GET does."""
    request = _request(query)
    grouped: dict[str, list[str]] = {}
    for name, value in query_pairs(request):
        grouped.setdefault(name, []).append(value)
    assert grouped == dict(request.GET.lists())


def test_query_pairs_fall_back_to_latin_1_for_invalid_utf_8():
    """A query string whose raw bytes are not UTF-8 is read as latin-1, as Django does."""
    request = _request("first_name=Jos\xe9&phone_number=7275551111")
    assert query_pairs(request) == [("first_name", "José"), ("phone_number", "7275551111")]


def test_too_many_query_fields_are_refused_like_request_get(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    request = _request("a=1&b=2&c=3&d=4")
    with pytest.raises(TooManyFieldsSent):
        query_pairs(request)
    with pytest.raises(TooManyFieldsSent):
        QueryDict("a=1&b=2&c=3&d=4")


def test_last_occurrence_wins_and_php_names_apply():
    """A32 and A33: the last value of a repeated name wins; '.' and ' ' become '_'."""
    request = _request("phone_number=1&first.name=Ann&phone_number=2&last+name=Lee")
    assert request_params(request) == {
        "phone_number": "2",
        "first_name": "Ann",
        "last_name": "Lee",
    }


def test_query_string_wins_over_the_body_even_when_empty():
    """A29/A31/A36: names may be split between query and body; the query's value wins."""
    request = _request(
        "list_id=&user=6666",
        method="POST",
        data="list_id=101&phone_number=7275551111",
        content_type="application/x-www-form-urlencoded",
    )
    assert request_params(request) == {
        "list_id": "",
        "user": "6666",
        "phone_number": "7275551111",
    }


def test_nul_characters_are_dropped_from_values():
    request = _request("first_name=A%00nn")
    assert request_params(request)["first_name"] == "Ann"


@pytest.mark.parametrize(
    ("name", "carries_password"),
    [
        ("pass", True),
        ("PASS", True),
        ("pass[]", True),
        ("pass[0]", True),
        (" pass", True),
        ("pa\x00ss", True),
        ("passport", False),
        ("pa.ss", False),
        ("user", False),
    ],
)
def test_password_names_cover_every_spelling_that_may_carry_one(name, carries_password):
    """D6: the API log drops these names; the login itself reads only ``pass``."""
    assert is_password_name(name) is carries_password
