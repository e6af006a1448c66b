"""Files kept in Django's default storage, read and written without holding one whole in memory.

The storage is the local disk (MEDIA_ROOT) or, with LEADHUB_S3_BUCKET set, a bucket on
S3-compatible storage that every app server and worker shares (``settings``, README "File
storage"). Uploads, import result files and exports go through these helpers so that code
above them never knows which:

* ``stored_open`` gives a stream over a stored file from its start: the file itself on disk,
  the object's HTTP body read as it is consumed on S3 (never downloaded whole first).
* ``StoredFile`` is a stored file as the import readers take a path: ``open`` streams it, and
  ``local_path`` gives a file on local disk for readers that must seek (XLSX, XLS, ODS): the
  file itself on disk, else a temporary copy deleted on leaving.
* ``stored_output`` gives a local path to write a whole file to, then puts it in place in one
  step: renamed on disk (a reader never sees half a file), uploaded on S3 (in parts for a
  large file; the object appears only once complete).
"""

import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage

CHUNK_BYTES = 1024 * 1024
PART_SUFFIX = ".part"
TEMP_PREFIX = "leadhub-"


def stored_local_path(name: str) -> Path | None:
    """Where a stored file is on local disk; None when the storage is not the local disk."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


class _BodyReader(io.RawIOBase):
    """An HTTP response body (botocore's StreamingBody) as a raw stream for ``io`` to buffer."""

    def __init__(self, body) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.body.close()
        super().close()


def stored_open(
    name: str,
    mode: str = "rb",
    *,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
):
    """A stream reading the stored file ``name`` from its start (``mode`` "rb" or "r"; text
    modes take ``encoding``, ``errors`` and ``newline`` as ``open`` does). Raises
    FileNotFoundError when there is no such file."""
    if mode not in ("r", "rb"):
        raise ValueError("stored files are opened for reading here; write with stored_output")
    local = stored_local_path(name)
    if local is not None:
        return local.open(mode, encoding=encoding, errors=errors, newline=newline)
    binary = _remote_stream(name)
    if mode == "rb":
        return binary
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline=newline)


def _remote_stream(name: str):
    bucket = getattr(default_storage, "bucket", None)
    if bucket is None:  # another remote storage: its own file object (it may spool to disk)
        return default_storage.open(name, "rb")
    from botocore.exceptions import ClientError

    # The key as django-storages' S3Storage makes it (its location prefix included).
    key = default_storage._normalize_name(name)
    try:
        body = bucket.Object(key).get()["Body"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise FileNotFoundError(f"No stored file {name}") from None
        raise
    return io.BufferedReader(_BodyReader(body), CHUNK_BYTES)


@dataclass(frozen=True)
class StoredFile:
    """A stored file where the import readers take a path (they call ``open`` and read
    ``name`` and ``suffix``)."""

    name: str

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix

    def open(self, mode: str = "r", *, encoding=None, errors=None, newline=None):
        return stored_open(self.name, mode, encoding=encoding, errors=errors, newline=newline)

    @contextmanager
    def local_path(self) -> Iterator[Path]:
        """The file on local disk while the block runs: the file itself, or a copy made in
        CHUNK_BYTES steps into the temporary folder and deleted afterwards."""
        local = stored_local_path(self.name)
        if local is not None:
            yield local
            return
        handle, copy = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=self.suffix)
        try:
            with os.fdopen(handle, "wb") as target, self.open("rb") as source:
                shutil.copyfileobj(source, target, CHUNK_BYTES)
            yield Path(copy)
        finally:
            os.unlink(copy)


@contextmanager
def stored_output(name: str) -> Iterator[Path]:
    """A local path to write the whole of the stored file ``name`` to; on leaving the block
    without an error the file replaces ``name`` in the storage at once (rename on disk, upload
    on S3), and the local path is gone either way. On disk the path is a part file beside the
    target (``<name>.<random>.part``), so two writers never share one."""
    target = stored_local_path(name)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex[:12]}{PART_SUFFIX}")
    else:
        handle, spooled = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=Path(name).suffix)
        os.close(handle)
        partial = Path(spooled)
    try:
        yield partial
        if target is not None:
            os.replace(partial, target)
        else:
            with partial.open("rb") as stream:
                saved = default_storage.save(name, File(stream, name=name))
            if saved != name:  # the S3 settings overwrite; another storage may not
                raise RuntimeError(f"the storage saved {name} as {saved}")
    finally:
        partial.unlink(missing_ok=True)


def stored_copy_to(name: str, destination: str | os.PathLike[str]) -> None:
    """Copy the stored file ``name`` to a local file, streamed."""
    with stored_open(name) as source, open(destination, "wb") as target:
        shutil.copyfileobj(source, target, CHUNK_BYTES)


def stored_description(name: str) -> str:
    """Where the stored file ``name`` is, for people: its local path, or its s3:// address."""
    local = stored_local_path(name)
    if local is not None:
        return str(local)
    bucket = getattr(default_storage, "bucket_name", None)
    return f"s3://{bucket}/{default_storage._normalize_name(name)}" if bucket else name
