"""Idempotency-Key on the JSON door's POSTs (draft-ietf-httpapi-idempotency-key-header).

The first request with a key claims it by inserting a row (unique per API key and
Idempotency-Key) in a transaction of its own, so a concurrent retry sees the claim at once and
is answered 409. The first request then does its work and stores its answer in one
transaction: its writes and the stored answer commit together, or neither does (and the claim
is released, so a retry runs again). A retry with the same method, path and body within 24
hours gets the stored answer replayed, without a second write; the same key with another
request is answered 422.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from ..models import IdempotencyRecord
from . import problems
from .problems import Problem

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)
# A claim without an answer this old belongs to a request that died (its process was killed
# between the claim and the answer): the key may be used again.
ABANDONED_AFTER = timedelta(minutes=10)
# The draft's value is a Structured Field string ("..."); a bare token is accepted too.
_VALUE = re.compile(r'^"([\x20-\x21\x23-\x5b\x5d-\x7e]{1,255})"$|^([\x21\x23-\x7e]{1,255})$')
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotency_key(request) -> str | None:
    """The request's Idempotency-Key, None without one; a malformed one is refused."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    match = _VALUE.match(raw.strip())
    if match is None:
        raise Problem(problems.IDEMPOTENCY_KEY_INVALID)
    return match.group(1) or match.group(2)


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def idempotent(request, run: Callable[[], Response]) -> Response:
    """``run()``'s answer, or the stored answer of the first request with this key.

    ``run`` must write only through the current transaction (it is called inside one)."""
    key = idempotency_key(request)
    if key is None:
        return run()
    fingerprint = _fingerprint(request)
    record, claimed = _claim(request.auth, key, fingerprint)
    if not claimed:
        return _replay(record, fingerprint)
    try:
        with transaction.atomic():
            response = run()
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                response_status=response.status_code,
                response_body=response.data,
                response_content_type=response.content_type or "",
            )
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    return response


def _claim(api_key, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    now = timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key=api_key, idempotency_key=key, fingerprint=fingerprint, created_at=now
                )
            IdempotencyRecord.objects.filter(
                api_key=api_key, created_at__lt=now - KEPT_FOR
            ).delete()
            return record, True
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(api_key=api_key, idempotency_key=key).first()
        if record is None:
            continue
        expired = record.created_at < now - KEPT_FOR or (
            record.response_status is None and record.created_at < now - ABANDONED_AFTER
        )
        if not expired:
            return record, False
        IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
    raise Problem(problems.IDEMPOTENCY_KEY_IN_FLIGHT)


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Problem(problems.IDEMPOTENCY_KEY_REUSED)
    if record.response_status is None:
        raise Problem(problems.IDEMPOTENCY_KEY_IN_FLIGHT)
    return Response(
        record.response_body,
        status=record.response_status,
        content_type=record.response_content_type or None,
        headers={REPLAYED_HEADER: "true"},
    )
