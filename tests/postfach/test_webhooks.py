"""Events back to the client as signed webhooks (issue 13 item 1): verifiable by a receiver that
knows only its secret (Standard Webhooks v1, HMAC-SHA256), sent from the outbox with retries
and back-off after errors and timeouts — against a real HTTP server in this process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import deliver_outbox
from servicekonto.db.models import OutboxMessage, PostfachWebhook
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import deposit as deposit_service
from servicekonto.postfach import inbox, webhooks
from servicekonto.postfach.access import personal
from servicekonto.security.outbound import ForbiddenTarget
from servicekonto.security.sealing import Sealer
from tests.postfach.conftest import Postfach, message

TOLERANCE_SECONDS = 300


class Receiver:
    """A client's webhook endpoint: answers each request as `plan` says (a status code, or
    "slow": answers 200 only after the sender has given up), then 200."""

    def __init__(self) -> None:
        self.plan: list[int | str] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                step = receiver.plan.pop(0) if receiver.plan else 200
                if step == "slow":
                    time.sleep(1.0)
                    step = 200
                try:
                    self.send_response(int(step))
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender timed out and closed the connection

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/postfach-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict[str, str], body: bytes, now: float) -> dict[str, Any]:
    """What a receiver does with nothing but its secret (Standard Webhooks, written here from
    the specification, not with our code)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    timestamp = int(headers["webhook-timestamp"])
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise ValueError("too old")
    signed = f"{headers['webhook-id']}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ")
             if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, s) for s in given):
        raise ValueError("bad signature")
    document: dict[str, Any] = json.loads(body)
    return document


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def sealer(pf: Postfach) -> Sealer:
    return Sealer(pf.settings.secret_key, webhooks.SEALING_PURPOSE)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False) as client:
        yield client


def _register(pf: Postfach, client_id: str, url: str, sealer: Sealer) -> str:
    with pf.sessions() as db:
        registration = webhooks.register_webhook(db, client_id=client_id, url=url,
                                                 sealer=sealer, allow_internal=True, now=pf.now)
        db.commit()
    return registration.secret


def _deliver(pf: Postfach, http: httpx.Client, sealer: Sealer, *, allow_internal: bool = True,
             timeout: float = 5.0) -> int:
    return webhooks.deliver_due(pf.sessions, clock=pf.clock, http=http, sealer=sealer,
                                allow_internal=allow_internal, timeout=timeout)


def _row(pf: Postfach) -> OutboxMessage:
    with pf.sessions() as db:
        row = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == webhooks.WEBHOOK))
    assert row is not None
    return row


def test_a_receiver_that_knows_only_its_secret_verifies_the_event(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    secret = _register(pf, client_id, receiver.url, sealer)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    _, sub = pf.recipient(client_id)
    sent = pf.deposit(client_id, message(sub))

    assert _deliver(pf, http, sealer) == 1

    ((headers, body),) = receiver.received
    now = pf.now.timestamp()
    event = verify(secret, headers, body, now)
    assert event["type"] == "postfach.message.delivered"
    assert event["data"] == {"message_id": sent.message_id,
                             "application_id": "5f0c3a9e-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
                             "reference": "HS-2026-0042"}
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"].startswith("evt_")
    assert "Hundesteuer" not in body.decode()  # nothing of the message's content
    with pytest.raises(ValueError, match="bad signature"):  # another secret
        verify(_register(pf, pf.client("Dritter"), receiver.url, sealer), headers, body, now)
    with pytest.raises(ValueError, match="bad signature"):  # a changed body
        verify(secret, headers, body.replace(b"delivered", b"read"), now)
    with pytest.raises(ValueError, match="too old"):  # a replay much later
        verify(secret, headers, body, now + 3600)
    assert _row(pf).delivered_at == pf.now


def test_the_secret_is_kept_sealed_and_registering_again_replaces_it(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    first = _register(pf, client_id, receiver.url, sealer)
    second = _register(pf, client_id, receiver.url, sealer)
    assert first != second
    with pf.sessions() as db:
        row = db.get(PostfachWebhook, client_id)
    assert row is not None
    assert second[6:] not in row.secret_sealed and first[6:] not in row.secret_sealed
    assert sealer.open(row.secret_sealed, aad=client_id) == base64.b64decode(second[6:])
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    _deliver(pf, http, sealer)
    ((headers, body),) = receiver.received
    assert verify(second, headers, body, pf.now.timestamp())
    with pytest.raises(ValueError):
        verify(first, headers, body, pf.now.timestamp())


def test_read_and_recalled_events_reach_the_client(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    secret = _register(pf, client_id, receiver.url, sealer)
    account_id, sub = pf.recipient(client_id)
    read_one = pf.deposit(client_id, message(sub))
    recalled_one = pf.deposit(client_id, message(sub, title="Zurückgezogen"))
    with pf.sessions() as db:
        inbox.open_message(db, box=personal(account_id), message_id=read_one.message_id,
                           session_level=TrustLevel.SUBSTANTIAL, now=pf.now)
        deposit_service.recall(db, client_id=client_id, message_id=recalled_one.message_id,
                               blobs=pf.store(db), now=pf.now)
        db.commit()

    assert _deliver(pf, http, sealer) == 4
    events = [verify(secret, h, b, pf.now.timestamp()) for h, b in receiver.received]
    assert [(e["type"], e["data"]["message_id"]) for e in events] == [
        ("postfach.message.delivered", read_one.message_id),
        ("postfach.message.delivered", recalled_one.message_id),
        ("postfach.message.read", read_one.message_id),
        ("postfach.message.recalled", recalled_one.message_id),
    ]


def test_after_500_answers_the_event_is_retried_with_growing_waits_and_the_same_id(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    secret = _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    receiver.plan = [500, 503]

    assert _deliver(pf, http, sealer) == 0
    row = _row(pf)
    assert (row.attempts, row.last_error, row.delivered_at, row.failed_at) == (
        1, "HTTP 500", None, None)
    assert row.next_attempt_at == pf.now + timedelta(seconds=30)
    assert _deliver(pf, http, sealer) == 0 and len(receiver.received) == 1  # not due yet

    pf.clock.advance(seconds=30)
    assert _deliver(pf, http, sealer) == 0
    row = _row(pf)
    assert (row.attempts, row.last_error) == (2, "HTTP 503")
    assert row.next_attempt_at == pf.now + timedelta(seconds=60)  # back-off doubles

    pf.clock.advance(seconds=60)
    assert _deliver(pf, http, sealer) == 1
    assert _row(pf).delivered_at == pf.now and _row(pf).attempts == 3
    ids = {h["webhook-id"] for h, _ in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1  # a receiver can drop duplicates
    for headers, body in receiver.received:  # every attempt signed for its own time
        verify(secret, headers, body, int(headers["webhook-timestamp"]))


def test_a_timeout_is_retried_and_does_not_block_longer_than_the_timeout(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    receiver.plan = ["slow"]

    started = time.monotonic()
    assert _deliver(pf, http, sealer, timeout=0.3) == 0
    assert time.monotonic() - started < 0.9
    row = _row(pf)
    assert row.last_error == "ReadTimeout" and row.attempts == 1 and row.failed_at is None

    pf.clock.advance(seconds=30)
    assert _deliver(pf, http, sealer, timeout=0.3) == 1
    assert len(receiver.received) == 2


def test_an_unreachable_endpoint_is_retried(
    pf: Postfach, client_id: str, sealer: Sealer, http: httpx.Client
) -> None:
    closed = Receiver()
    url = closed.url
    closed.close()  # nothing listens on the port any more
    _register(pf, client_id, url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    assert _deliver(pf, http, sealer) == 0
    row = _row(pf)
    assert row.last_error == "ConnectError" and row.failed_at is None


def test_the_event_fails_after_the_last_attempt(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    with pf.sessions() as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.kind == webhooks.WEBHOOK)
                   .values(attempts=webhooks.MAX_ATTEMPTS - 1))
        db.commit()
    receiver.plan = [500]
    assert _deliver(pf, http, sealer) == 0
    row = _row(pf)
    assert row.failed_at == pf.now and row.attempts == webhooks.MAX_ATTEMPTS
    pf.clock.advance(days=1)
    assert _deliver(pf, http, sealer) == 0 and len(receiver.received) == 1


def test_outside_dev_mode_an_internal_target_fails_without_a_request(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    """Issue 15 item 9: checked again at delivery, after resolving, before any request."""
    _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    assert _deliver(pf, http, sealer, allow_internal=False) == 0
    row = _row(pf)
    assert (row.failed_at, row.last_error) == (pf.now, "forbidden target")
    assert receiver.received == []


@pytest.mark.parametrize("url", [
    "http://fachverfahren.example/hook",  # https only
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::ffff:10.0.0.1]/hook",
    "https://user:pw@fachverfahren.example/hook",
    "https://localhost/hook",
])
def test_registering_an_internal_or_insecure_target_is_refused(
    pf: Postfach, client_id: str, sealer: Sealer, url: str
) -> None:
    with pf.sessions() as db, pytest.raises(ForbiddenTarget):
        webhooks.register_webhook(db, client_id=client_id, url=url, sealer=sealer,
                                  allow_internal=False, now=pf.now)
    assert pf.count(PostfachWebhook) == 0


def test_no_event_is_queued_for_a_client_without_an_endpoint(
    pf: Postfach, client_id: str, sealer: Sealer
) -> None:
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    assert pf.outbox(webhooks.WEBHOOK) == []
    _register(pf, client_id, "https://fachverfahren.example/hook", sealer)
    with pf.sessions() as db:
        assert webhooks.remove_webhook(db, client_id=client_id)
        db.commit()
    pf.deposit(client_id, message(sub))
    assert pf.outbox(webhooks.WEBHOOK) == []


def test_the_outbox_worker_round_of_the_app_delivers_webhooks(
    app_client: TestClient, provider: Provider, pf: Postfach, receiver: Receiver, sealer: Sealer
) -> None:
    """The wiring in app.py: one delivery round sends due webhooks (dev mode: loopback ok)."""
    client_id = pf.client()
    secret = _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    with httpx.Client(follow_redirects=False) as http:
        deliver_outbox(provider, http)
    ((headers, body),) = receiver.received
    assert verify(secret, headers, body, provider.clock.now().timestamp())["type"] == (
        "postfach.message.delivered")


def test_a_secret_that_does_not_open_fails_the_event_instead_of_the_round(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    """E.g. after the server secret changed: the event fails once, the worker goes on."""
    _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    other = Sealer("another-server-secret-0123456789abcdef", webhooks.SEALING_PURPOSE)
    assert _deliver(pf, http, other) == 0
    row = _row(pf)
    assert (row.failed_at, row.last_error) == (pf.now, "secret does not open")
    assert receiver.received == []


def test_an_endpoint_removed_after_the_event_was_queued_fails_it(
    pf: Postfach, client_id: str, receiver: Receiver, sealer: Sealer, http: httpx.Client
) -> None:
    _register(pf, client_id, receiver.url, sealer)
    _, sub = pf.recipient(client_id)
    pf.deposit(client_id, message(sub))
    with pf.sessions() as db:
        webhooks.remove_webhook(db, client_id=client_id)
        db.commit()
    assert _deliver(pf, http, sealer) == 0
    assert (_row(pf).failed_at, _row(pf).last_error) == (pf.now, "no endpoint")
    assert receiver.received == []
