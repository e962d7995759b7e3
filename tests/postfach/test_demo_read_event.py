"""Issue 13 "Done means" on `make run`: the demo Fachverfahren receives a signed "read" event.

`servicekonto demo` registers the demo Fachverfahren's webhook (idempotent) at the receiver page
the dev server mounts (`/demo-fachverfahren`, `sim.demo_fachverfahren`); Anna reads her Bescheid,
one outbox round (what `serve`'s outbox worker runs) delivers, and the receiver lists a "read"
event whose Standard Webhooks signature it verified with its own secret. Outside dev mode the
outbox refuses the loopback target (`security.outbound`) and the receiver is not mounted.

The outbox round sends with an httpx client whose transport hands each request to the app's
TestClient, so it reaches the receiver of the same app as it does over loopback on `make run`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import create_app, deliver_outbox
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, OutboxMessage, PostfachWebhook
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import webhooks
from servicekonto.security.sealing import Sealer
from servicekonto.settings import Settings
from servicekonto.sim import demo_fachverfahren
from servicekonto.sim.demo_seed import follow_issuer, seed
from tests.support import FAST_ARGON2, FAST_HASHING, start_browser_session

ANNA = "anna.schmitz@demo.servicekonto.example"
ISSUER = "http://127.0.0.1:8000"
RECEIVER = f"{ISSUER}/demo-fachverfahren/webhooks"


@pytest.fixture
def demo_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(dev_mode=True, issuer=ISSUER, data_dir=tmp_path,
                    database_url=database_url, outbox_interval_seconds=0,
                    upload_scan_required=False, **FAST_ARGON2)


@pytest.fixture
def demo_app(demo_settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings, clock=clock), base_url=ISSUER) as c:
        yield c


def _provider(client: TestClient) -> Provider:
    provider: Provider = client.app.state.provider  # type: ignore[attr-defined]
    return provider


def _seed(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, Any]:
    with sessions() as db:
        result = seed(db, settings=settings, hashing=FAST_HASHING, now=now)
        db.commit()
    return result


def _events(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as db:
        return list(db.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == webhooks.WEBHOOK).order_by(OutboxMessage.id)))


def _sign_in_anna(client: TestClient, sessions: sessionmaker[Session], now: datetime) -> None:
    """Anna after the step-up (the app's code: `substantial`)."""
    with sessions() as db:
        account_id = db.scalars(select(Account.id).where(Account.email == ANNA)).one()
    cookie, _ = start_browser_session(sessions, account_id=account_id,
                                      level=TrustLevel.SUBSTANTIAL, amr=["pwd", "otp"], now=now)
    client.cookies.set("sk_session", cookie)


def _loopback(client: TestClient) -> httpx.Client:
    """An httpx client that sends every request to the app under test."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = client.request(request.method, str(request.url), content=request.content,
                                headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content)

    return httpx.Client(transport=httpx.MockTransport(forward))


def _signed(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Headers as a Standard Webhooks sender makes them (written here from the specification)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": webhook_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": "v1," + base64.b64encode(mac).decode(),
            "content-type": "application/json"}


def test_anna_reads_the_bescheid_and_the_fachverfahren_lists_a_verified_read_event(
    demo_app: TestClient, demo_settings: Settings, sessions: sessionmaker[Session],
    clock: FixedClock
) -> None:
    seeded = _seed(sessions, demo_settings, clock.now())
    message_id = seeded["postfach"]["message_id"]
    with sessions() as db:
        assert webhooks.webhook_url(db, client_id="demo-fachverfahren") == RECEIVER
    assert demo_app.get("/demo-fachverfahren").text.count("<tr>") == 0  # nothing arrived yet

    _sign_in_anna(demo_app, sessions, clock.now())
    opened = demo_app.get(f"/postfach/{message_id}")
    assert opened.status_code == 200 and "Ihre Gewerbeanmeldung ist vollständig" in opened.text
    assert [e.payload["type"] for e in _events(sessions)] == [
        "postfach.message.delivered", "postfach.message.read"]

    clock.advance(seconds=5)
    with _loopback(demo_app) as http:
        deliver_outbox(_provider(demo_app), http)  # one round of `serve`'s outbox worker

    delivered = _events(sessions)
    assert all(e.delivered_at is not None and e.failed_at is None for e in delivered)
    page = demo_app.get("/demo-fachverfahren")
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 2
    read, arrived = rows  # newest first
    assert "Nachricht gelesen" in read and "postfach.message.read" in read
    assert "geprüft" in read and message_id in read
    assert seeded["postfach"]["application_id"] in read
    assert "Nachricht zugestellt" in arrived and "geprüft" in arrived

    # reading again sends nothing more; another round delivers nothing twice
    demo_app.get(f"/postfach/{message_id}")
    with _loopback(demo_app) as http:
        deliver_outbox(_provider(demo_app), http)
    assert len(_events(sessions)) == 2
    assert demo_app.get("/demo-fachverfahren").text.count("Nachricht gelesen") == 1


def test_the_receiver_verifies_the_signature_and_keeps_a_retried_id_once(
    demo_app: TestClient, demo_settings: Settings, sessions: sessionmaker[Session],
    clock: FixedClock
) -> None:
    _seed(sessions, demo_settings, clock.now())
    secret = demo_fachverfahren.webhook_secret(demo_settings.secret_key)
    now = int(clock.now().timestamp())
    body = json.dumps({"type": "postfach.message.read", "timestamp": "2026-12-03T09:00:00+00:00",
                       "data": {"message_id": "m-1", "application_id": "A-1",
                                "reference": None}}).encode()

    first = demo_app.post("/demo-fachverfahren/webhooks", content=body,
                          headers=_signed(secret, "evt_1", now, body))
    assert first.status_code == 204
    again = demo_app.post("/demo-fachverfahren/webhooks", content=body,
                          headers=_signed(secret, "evt_1", now, body))
    assert again.status_code == 200  # a retry: answered, not kept twice
    wrong_key = _signed("whsec_" + base64.b64encode(b"k" * 32).decode(), "evt_2", now, body)
    assert demo_app.post("/demo-fachverfahren/webhooks", content=body,
                         headers=wrong_key).status_code == 400
    tampered = body.replace(b"m-1", b"m-2")
    assert demo_app.post("/demo-fachverfahren/webhooks", content=tampered,
                         headers=_signed(secret, "evt_3", now, body)).status_code == 400
    stale = _signed(secret, "evt_4", now - 600, body)
    assert demo_app.post("/demo-fachverfahren/webhooks", content=body,
                         headers=stale).status_code == 400

    page = demo_app.get("/demo-fachverfahren").text
    assert page.count("Nachricht gelesen") == 1 and "m-1" in page
    assert page.count("Zustellung abgelehnt") == 3 and "m-2" not in page


def test_seeding_again_keeps_the_endpoint_and_one_set_elsewhere_is_left_alone(
    demo_settings: Settings, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    _seed(sessions, demo_settings, clock.now())
    with sessions() as db:
        row = db.get(PostfachWebhook, "demo-fachverfahren")
        assert row is not None
        first = (row.url, row.secret_sealed, row.updated_at)
    clock.advance(hours=1)
    _seed(sessions, demo_settings, clock.now())
    with sessions() as db:
        row = db.get(PostfachWebhook, "demo-fachverfahren")
        assert row is not None and (row.url, row.secret_sealed, row.updated_at) == first

    # `serve --port 9000` moves it with the issuer; the secret stays the derived one
    moved = demo_settings.model_copy(update={"issuer": "http://127.0.0.1:9000"})
    with sessions() as db:
        assert follow_issuer(db, settings=moved, now=clock.now())
        db.commit()
    with sessions() as db:
        assert webhooks.webhook_url(db, client_id="demo-fachverfahren") == (
            "http://127.0.0.1:9000/demo-fachverfahren/webhooks")
        assert webhooks.holds_key(
            db, client_id="demo-fachverfahren",
            sealer=Sealer(demo_settings.secret_key, webhooks.SEALING_PURPOSE),
            key=demo_fachverfahren.webhook_key(demo_settings.secret_key))

    # an operator's own receiver (`servicekonto clients webhook`) survives every seed
    with sessions() as db:
        webhooks.register_webhook(
            db, client_id="demo-fachverfahren", url="https://fachverfahren.example/hook",
            sealer=Sealer(demo_settings.secret_key, webhooks.SEALING_PURPOSE),
            allow_internal=True, now=clock.now())
        db.commit()
    _seed(sessions, demo_settings, clock.now())
    with sessions() as db:
        assert follow_issuer(db, settings=moved, now=clock.now()) is False
        assert webhooks.webhook_url(db, client_id="demo-fachverfahren") == (
            "https://fachverfahren.example/hook")


def test_outside_dev_mode_the_outbox_never_calls_the_loopback_receiver(
    demo_app: TestClient, demo_settings: Settings, sessions: sessionmaker[Session],
    clock: FixedClock
) -> None:
    _seed(sessions, demo_settings, clock.now())  # a "delivered" event for the receiver
    calls: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(204))
    with httpx.Client(transport=transport) as http:
        sent = webhooks.deliver_due(
            sessions, clock=clock, http=http,
            sealer=Sealer(demo_settings.secret_key, webhooks.SEALING_PURPOSE),
            allow_internal=False,  # what `deliver_outbox` passes outside dev mode
        )
    assert sent == 0 and calls == []
    (event,) = _events(sessions)
    assert event.failed_at is not None and event.last_error == "forbidden target"
    assert event.delivered_at is None
