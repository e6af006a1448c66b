"""Standard Webhooks 1.0 signatures: HMAC-SHA256 over ``id.timestamp.body``, base64, ``v1,``."""

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The key bytes of a ``whsec_`` secret (base64 after the prefix)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one try."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers of a signed event."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, event_id=event_id, timestamp=timestamp, body=body
        ),
    }
