"""Bounded legacy API bodies: over LMAPI_MAX_BODY_BYTES is HTTP 413 before the login and
before a byte is read, chunked bodies are read at most one byte over the limit, and no body
is ever written to disk. Through the test client, gunicorn's WSGI call (both handlers) and
a live HTTP server."""

import http.client
import urllib.parse

import pytest
from django.test import RequestFactory

from leadhub.wsgi import application, django_application
from leads.models import ApiLogEntry, Lead
from leads.tests.factories import DEFAULT_PASSWORD, ApiUserFactory

ENDPOINT = "/API/lmapi.php"
REFUSED = "ERROR: REQUEST BODY TOO LARGE\n"
FIVE_HUNDRED_MB = 500 * 1024 * 1024
ADD = [
    ("user", "6666"),
    ("pass", DEFAULT_PASSWORD),
    ("function", "add_lead"),
    ("source", "test"),
    ("phone_number", "7275559999"),
]
BOUNDARY = "leadhub-body-boundary"
MULTIPART_FILE_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="user"\r\n\r\n6666\r\n'
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="upload"; filename="big.bin"\r\n'
    "Content-Type: application/octet-stream\r\n\r\n"
).encode()


class EndlessBody:
    """A request body that never ends and counts the bytes the server reads of it."""

    def __init__(self, head: bytes = b"") -> None:
        self.head = head
        self.bytes_read = 0

    def _take(self, size: int) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the server read an endless body to its end")
        data = (self.head[self.bytes_read :] + b"x" * size)[:size]
        self.bytes_read += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        return self._take(size)

    def readline(self, size: int = -1) -> bytes:
        return self._take(size)


@pytest.fixture
def caller(db):
    return ApiUserFactory(username="6666", profile__user_level=9)


def _urlencoded_of_size(size: int) -> bytes:
    body = urllib.parse.urlencode([*ADD, ("comments", "")]).encode()
    return body + b"x" * (size - len(body))


def _wsgi(app, environ: dict) -> tuple[str, str]:
    started = []
    response = app(environ, lambda status, headers: started.append(status))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()
    return started[0], body


def _environ(stream: EndlessBody, content_type: str, **extra: str) -> dict:
    environ = RequestFactory().generic("POST", ENDPOINT).environ
    environ.update({"CONTENT_TYPE": content_type, "wsgi.input": stream, **extra})
    return environ


def test_a_body_over_64_kb_is_refused_with_413_even_with_a_good_login(client, caller):
    """The default limit is 64 kB: one byte more is refused before the login, whatever the
    credentials; nothing is added and nothing logged. The limit itself is accepted."""
    refused = client.generic(
        "POST",
        ENDPOINT,
        data=_urlencoded_of_size(64 * 1024 + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert refused.status_code == 413
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.content.decode() == REFUSED
    assert Lead.objects.count() == 0
    assert ApiLogEntry.objects.count() == 0

    accepted = client.generic(
        "POST",
        ENDPOINT,
        data=_urlencoded_of_size(64 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert accepted.content.startswith(b"SUCCESS: add_lead LEAD HAS BEEN ADDED")


def test_the_limit_is_the_setting_lmapi_max_body_bytes(client, caller, settings):
    settings.LMAPI_MAX_BODY_BYTES = 100
    sizes = {}
    for size in (100, 101):
        sizes[size] = client.generic(
            "POST",
            ENDPOINT,
            data=_urlencoded_of_size(size),
            content_type="application/x-www-form-urlencoded",
        ).status_code
    assert sizes == {100: 200, 101: 413}


@pytest.mark.parametrize("app", [application, django_application], ids=["lean", "django"])
@pytest.mark.parametrize(
    "content_type",
    [f"multipart/form-data; boundary={BOUNDARY}", "application/x-www-form-urlencoded"],
)
def test_a_500_mb_body_without_login_is_refused_without_reading_it(db, app, content_type):
    """What gunicorn hands over for a 500 MB upload: the answer comes from the declared
    length alone, on the lean handler of leadhub.wsgi and on Django's own."""
    stream = EndlessBody(MULTIPART_FILE_HEAD)
    environ = _environ(stream, content_type, CONTENT_LENGTH=str(FIVE_HUNDRED_MB))

    status, body = _wsgi(app, environ)

    assert status.startswith("413 ")
    assert body == REFUSED
    assert stream.bytes_read == 0


def test_an_endless_chunked_body_is_read_only_one_byte_past_the_limit(db, settings):
    """Chunked: no declared length; gunicorn ends the stream at the body's end
    (wsgi.input_terminated), so the lean handler reads up to the limit plus one byte."""
    stream = EndlessBody(MULTIPART_FILE_HEAD)
    environ = _environ(
        stream,
        f"multipart/form-data; boundary={BOUNDARY}",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )

    status, body = _wsgi(application, environ)

    assert status.startswith("413 ")
    assert body == REFUSED
    assert stream.bytes_read == settings.LMAPI_MAX_BODY_BYTES + 1


def test_a_small_chunked_body_is_read_and_adds_the_lead(transactional_db):
    """Within the limit, a chunked body is read and parsed like any other."""
    # Committed: the WSGI call closes the test's connection at the start of the request.
    ApiUserFactory(username="6666", profile__user_level=9)

    class Terminated:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, size: int = -1) -> bytes:
            data, self.data = self.data[:size], self.data[size:]
            return data

    environ = _environ(
        Terminated(urllib.parse.urlencode(ADD).encode()),
        "application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )

    status, body = _wsgi(application, environ)

    assert status == "200 OK"
    assert body.startswith("SUCCESS: add_lead LEAD HAS BEEN ADDED - 7275559999|")


def test_a_file_part_within_the_limit_is_never_written_to_disk(client, caller, settings, tmp_path):
    """Django writes file parts over FILE_UPLOAD_MAX_MEMORY_SIZE to FILE_UPLOAD_TEMP_DIR; the
    API keeps none. The temporary folder here does not exist, so any write would fail."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "missing")
    fields = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in ADD
    )
    upload = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{'9' * 4000}\r\n--{BOUNDARY}--\r\n"
    )
    response = client.generic(
        "POST",
        ENDPOINT,
        data=(fields + upload).encode(),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.content.startswith(b"SUCCESS: add_lead LEAD HAS BEEN ADDED")
    assert not (tmp_path / "missing").exists()


@pytest.mark.django_db(transaction=True)
def test_a_live_server_answers_413_while_a_500_mb_upload_has_barely_started(live_server):
    """Over real HTTP: headers announcing 500 MB and the first 64 kB of the body get their
    answer at once; the server does not wait for (or store) the rest."""
    connection = http.client.HTTPConnection(
        live_server.thread.host, live_server.thread.port, timeout=60
    )
    try:
        connection.putrequest("POST", ENDPOINT)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(FIVE_HUNDRED_MB))
        connection.endheaders(MULTIPART_FILE_HEAD + b"x" * 65536)
        response = connection.getresponse()
        status, body = response.status, response.read().decode()
    finally:
        connection.close()

    assert status == 413
    assert body == REFUSED
