"""The legacy API's request bodies: bounded before anything reads them, never on disk.

A caller sends a few hundred bytes of form fields. Anything over ``LMAPI_MAX_BODY_BYTES`` is
refused from its declared length alone, before the login, so an anonymous 500 MB upload
costs nothing; file parts within the limit are dropped as they stream past.
"""

from collections.abc import Mapping, MutableMapping
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest


def declared_length(meta: Mapping[str, Any]) -> int:
    """The body's Content-Length as Django reads it: missing or malformed means none."""
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def body_too_large(meta: Mapping[str, Any]) -> bool:
    """Whether the request declares a body over LMAPI_MAX_BODY_BYTES (nothing is read)."""
    return declared_length(meta) > settings.LMAPI_MAX_BODY_BYTES


def count_unsized_body(environ: MutableMapping[str, Any]) -> None:
    """Give a body sent without Content-Length (chunked) its length, reading at most one
    byte over the limit, so ``body_too_large`` judges it like any other.

    Only where the server ends the input stream at the end of the body
    (``wsgi.input_terminated``, as gunicorn does); elsewhere Django reads no body without a
    length, and reading one here could wait forever on the open connection."""
    if environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated"):
        return
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    wanted = settings.LMAPI_MAX_BODY_BYTES + 1
    chunks, size = [], 0
    while size < wanted and (chunk := environ["wsgi.input"].read(wanted - size)):
        chunks.append(chunk)
        size += len(chunk)
    # Over the limit the view answers from this length and never reads the bytes.
    environ["wsgi.input"] = BytesIO(b"".join(chunks))
    environ["CONTENT_LENGTH"] = str(size)


class _DropFiles(FileUploadHandler):
    """The API reads no files (D9: a file part is an unknown parameter)."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


def drop_file_parts(request: HttpRequest) -> None:
    """Let the request's multipart parser keep no file part, in memory or on disk (Django
    would write one over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file)."""
    if request.content_type == "multipart/form-data":
        request.upload_handlers = [_DropFiles(request)]
