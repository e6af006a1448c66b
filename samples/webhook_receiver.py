"""An example receiver of LeadHub's webhooks, standard library only (README, "Webhooks").

    WEBHOOK_SECRET=whsec_... python3 samples/webhook_receiver.py 9000

Prints every new-lead URL call (a GET) and every signed event (a POST); an event whose
Standard Webhooks signature does not verify with WEBHOOK_SECRET, or whose timestamp is more
than 5 minutes off, is answered 401 (LeadHub then retries it). A receiver should also
remember the webhook-id values it has handled: a delivery may arrive twice.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("WEBHOOK_SECRET", "")
TOLERANCE_SECONDS = 300


def verified(headers, body: bytes) -> bool:
    event_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not SECRET or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{event_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # The header may hold several space-separated "v1,<signature>" values (key rotation).
    offered = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if "," in s]
    return any(hmac.compare_digest(expected, s) for s in offered)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        print(f"new-lead URL: {self.path}", flush=True)
        self.answer(200, b"ok")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not verified(self.headers, body):
            print("refused: bad or missing signature", flush=True)
            self.answer(401, b"bad signature")
            return
        event = json.loads(body)
        print(f"{self.headers['webhook-id']} {event['type']}: {event['data']}", flush=True)
        self.answer(204, b"")

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
