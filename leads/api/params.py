"""Reading legacy API parameters the way the original's PHP runtime does (contract §1.2)."""

from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_plus

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.http.request import QueryDict

# A body Django cannot parse: the request is answered from its query string alone (D9).
# (SuspiciousOperation covers too many fields or files and an over-large body.)
UNREADABLE_BODY = (MultiPartParserError, BadRequest, SuspiciousOperation)

PASSWORD_PARAMETER = "pass"


def php_name(name: str) -> str:
    """PHP turns '.' and ' ' in parameter names into '_' (A33: first.name -> first_name).
    Array-style names such as ``phone_number[]`` stay as they are: unknown names (D9)."""
    return name.replace(".", "_").replace(" ", "_")


@lru_cache(maxsize=1024)
def is_password_name(name: str) -> bool:
    """Whether a parameter, as decoded from the request, may carry the caller's password (D6).

    Wider than the one name the login reads: any letter case, array forms (``pass[]``, PHP's
    array of passwords), and the spellings PHP would still read as ``pass`` (leading spaces,
    stray ``_``), so the API log keeps none of them."""
    base = php_name(name.replace("\x00", "")).split("[", 1)[0]
    return base.strip("_").lower() == PASSWORD_PARAMETER


def _last_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        # The last occurrence wins (A32); NUL cannot be stored anywhere (D9).
        values[php_name(name)] = value.replace("\x00", "")
    return values


def query_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """The query string's name/value pairs in order, decoded exactly as Django's
    ``request.GET`` decodes them (same parser, encoding fallback and field limit), without
    building a QueryDict, which costs three times the parse on the API's hot path.

    Raises TooManyFieldsSent beyond DATA_UPLOAD_MAX_NUMBER_FIELDS, as ``request.GET`` does.
    """
    encoding = request.encoding or settings.DEFAULT_CHARSET
    # WSGI hands the query string over as latin-1 decoded bytes (PEP 3333).
    raw = request.META.get("QUERY_STRING", "").encode("iso-8859-1")
    try:
        query = raw.decode(encoding)
    except UnicodeDecodeError:
        query = raw.decode("iso-8859-1")
    try:
        return parse_qsl(
            query,
            keep_blank_values=True,
            encoding=encoding,
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except ValueError as error:
        raise TooManyFieldsSent("The number of GET parameters exceeded the limit.") from error


def request_params(request: HttpRequest) -> dict[str, str]:
    """All parameters of a GET or POST request: a name present in the query string wins over
    the body even when its value is empty (A29, A31); names may be split between both (A36).
    """
    params = {}
    if request.method == "POST":
        try:
            params = _last_values(
                (name, items[-1]) for name, items in request.POST.lists() if items
            )
        except UNREADABLE_BODY:
            params = {}
    params.update(_last_values(query_pairs(request)))
    return params


def last_body_value(request: HttpRequest) -> str:
    """The value of the last field of a POST body ('' for GET): the API log keeps it (G03).
    Password fields do not count: a body ending in ``pass`` logs the field before it (D6)."""
    if request.method != "POST":
        return ""
    try:
        fields = [
            items for name, items in request.POST.lists() if items and not is_password_name(name)
        ]
    except UNREADABLE_BODY:
        return ""
    return fields[-1][-1].replace("\x00", "") if fields else ""


def query_without_password(query: str) -> str:
    """A raw query string as sent, minus every pair whose name may carry a password."""
    return "&".join(
        pair for pair in query.split("&") if pair and not _is_password_pair(pair.split("=", 1)[0])
    )


@lru_cache(maxsize=1024)
def _is_password_pair(encoded_name: str) -> bool:
    # Callers send the same few names on every request: each is decoded and judged once.
    return is_password_name(unquote_plus(encoded_name))


def request_without_password(request: HttpRequest, params: Mapping[str, str]) -> str:
    """The request as the API log keeps it: path and parameters, never the password (D6).

    A GET keeps its query string as sent, minus the password pairs; a POST is rebuilt from
    its parameters."""
    if request.method == "GET":
        # NUL cannot be stored in any database text column (D9).
        query = query_without_password(request.META.get("QUERY_STRING", "").replace("\x00", ""))
    else:
        shown = QueryDict(mutable=True)
        for name, value in params.items():
            if not is_password_name(name):
                shown[name] = value
        query = shown.urlencode()
    return f"{request.path}?{query}" if query else request.path
