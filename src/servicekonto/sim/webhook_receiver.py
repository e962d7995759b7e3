"""A tiny webhook receiver of a Fachverfahren (issue 13, demo): it knows nothing of the
ServiceKonto but the secret `servicekonto clients webhook` printed, verifies every Postfach event
as the Standard Webhooks specification says, and logs it.

Verification, written from the specification, not from our sender's code:

* the key is the base64 part of `whsec_…`;
* signed content: `{webhook-id}.{webhook-timestamp}.{raw body}`, HMAC-SHA256, base64;
  `webhook-signature` lists `v1,<signature>` entries separated by spaces (several while a
  secret is rotated): one must match, compared in constant time;
* `webhook-timestamp` more than 5 minutes away from now is refused (replay);
* a `webhook-id` seen before is answered 200 and not processed again (the sender retries).

Answers 204 for a verified event, 400 for anything else. Run it for the demo:

    python -m servicekonto.sim.webhook_receiver --port 8090 --secret whsec_…
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("servicekonto.sim.webhook_receiver")
TOLERANCE_SECONDS = 300
MAX_BODY = 64 * 1024


class Refused(Exception):
    pass


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float) -> dict[str, Any]:
    """The event, or Refused with the reason (module doc). `headers` with lower-case names."""
    if not secret.startswith("whsec_"):
        raise Refused("not a webhook secret")
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("secret is not base64") from None
    webhook_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not webhook_id or not stamp.isdigit():
        raise Refused("webhook-id or webhook-timestamp missing")
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise Refused("timestamp outside the tolerance")
    signed = f"{webhook_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [part.partition(",")[2] for part in headers.get("webhook-signature", "").split()
               if part.startswith("v1,")]
    if not any(hmac.compare_digest(expected, sig) for sig in offered):
        raise Refused("no signature matches")
    event: dict[str, Any] = json.loads(body)
    return event


class WebhookReceiver:
    """The receiver as a thread (tests, demo) or a process (`main`)."""

    def __init__(self, secret: str | None, host: str = "127.0.0.1", port: int = 0) -> None:
        #: None until known: every request is refused meanwhile.
        self.secret = secret
        self.verified: list[dict[str, Any]] = []
        self.refused = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/webhooks/servicekonto"

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        try:
            if self.secret is None:
                raise Refused("no secret yet")
            event = verify(self.secret, headers, body, now=time.time())
        except (Refused, ValueError) as exc:
            with self._lock:
                self.refused += 1
            log.warning("webhook refused: %s", exc)
            return 400
        with self._lock:
            if headers["webhook-id"] in self._seen:
                return 200
            self._seen.add(headers["webhook-id"])
            self.verified.append(event)
        log.warning("webhook %s: %s", event.get("type"), json.dumps(event.get("data")))
        return 204

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_BODY:
                    self.send_response(413)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(receiver.handle(headers, body))
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="webhook-receiver")
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--secret", required=True, help="whsec_… as printed once by "
                        "`servicekonto clients webhook`")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    receiver = WebhookReceiver(args.secret, args.host, args.port)
    print(f"listening on {receiver.url}", flush=True)
    try:
        receiver.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.server.server_close()


if __name__ == "__main__":
    main()
