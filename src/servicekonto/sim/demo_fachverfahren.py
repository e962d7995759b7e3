"""The demo Fachverfahren's webhook receiver inside the dev server (issue 13 "Done means"): a
person trying `make run` sees the signed "read" event arrive after Anna opens her Bescheid.

`/demo-fachverfahren/webhooks` takes the Postfach events of the client `demo-fachverfahren`
(delivered, read, recalled) as the Standard Webhooks receiver `sim.webhook_receiver` does —
the same `verify`, written from the specification: HMAC-SHA256 over id, timestamp and body,
timestamp within 5 minutes, a seen `webhook-id` not kept twice — and `/demo-fachverfahren`
lists what arrived. Mounted in dev mode only, like `/demo-portal`.

The receiver knows the client's secret the way any Fachverfahren knows its own: the seed
registers the endpoint (`ensure_webhook`) with a key derived from the server secret (as the
demo clients' secrets are), so both sides hold it without a shared file. The events land in
`<data_dir>/demo-fachverfahren.sqlite3`, so every worker of `serve --workers N` lists the same
ones. Outside dev mode the outbox refuses this loopback target anyway (`security.outbound`).
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.db.models import Client
from servicekonto.http.context import context_of
from servicekonto.postfach import webhooks
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import derive_key
from servicekonto.settings import Settings
from servicekonto.sim.state_files import data_dir_transaction
from servicekonto.sim.webhook_receiver import Refused, verify
from servicekonto.web.pages import render

CLIENT_ID: Final = "demo-fachverfahren"
PATH: Final = "/demo-fachverfahren"
WEBHOOK_PATH: Final = f"{PATH}/webhooks"
#: How many events the page keeps (newest first).
KEEP: Final = 200
MAX_BODY: Final = 64 * 1024
#: The page's German word for each event type.
EVENT_TEXT: Final = {
    "postfach.message.delivered": "demo.fachverfahren.delivered",
    "postfach.message.read": "demo.fachverfahren.read",
    "postfach.message.recalled": "demo.fachverfahren.recalled",
}
router = APIRouter(prefix=PATH, include_in_schema=False)


def webhook_key(secret_key: str) -> bytes:
    return derive_key(secret_key, "demo-fachverfahren-webhook", length=webhooks.SECRET_BYTES)


def webhook_secret(secret_key: str) -> str:
    """The `whsec_…` secret of the demo Fachverfahren's endpoint (module doc)."""
    return webhooks.SECRET_PREFIX + base64.b64encode(webhook_key(secret_key)).decode("ascii")


def webhook_target(settings: Settings) -> str:
    return f"{settings.issuer}{WEBHOOK_PATH}"


def ensure_webhook(db: Session, *, settings: Settings, now: datetime) -> bool:
    """Register the receiver as the demo Fachverfahren's endpoint at this issuer; True when
    something changed. An endpoint someone set elsewhere (`servicekonto clients webhook`, e.g.
    the standalone receiver) is left alone."""
    if db.get(Client, CLIENT_ID) is None:  # no demo tenant seeded
        return False
    current = webhooks.webhook_url(db, client_id=CLIENT_ID)
    if current is not None and not current.endswith(WEBHOOK_PATH):
        return False
    sealer = Sealer(settings.secret_key, webhooks.SEALING_PURPOSE)
    key = webhook_key(settings.secret_key)
    target = webhook_target(settings)
    if current == target and webhooks.holds_key(db, client_id=CLIENT_ID, sealer=sealer, key=key):
        return False
    webhooks.register_webhook(db, client_id=CLIENT_ID, url=target, sealer=sealer,
                              allow_internal=settings.dev_mode, now=now, key=key)
    return True


# -- what arrived --------------------------------------------------------------------------------

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (n INTEGER PRIMARY KEY, webhook_id TEXT UNIQUE, "
    "received_at TEXT NOT NULL, verified INTEGER NOT NULL, event TEXT NOT NULL)"
)


def _events(request: Request) -> AbstractContextManager[sqlite3.Connection]:
    return data_dir_transaction(request, "demo-fachverfahren.sqlite3", _SCHEMA)


def _keep(request: Request, webhook_id: str, verified: bool, event: dict[str, Any]) -> bool:
    """Record one delivery; False when this `webhook-id` arrived before (a retry)."""
    received_at = context_of(request).clock.now().isoformat()
    with _events(request) as db:
        added = db.execute(
            "INSERT OR IGNORE INTO events (webhook_id, received_at, verified, event) "
            "VALUES (?, ?, ?, ?)",
            (webhook_id, received_at, int(verified), json.dumps(event)),
        ).rowcount
        db.execute("DELETE FROM events WHERE n <= (SELECT MAX(n) FROM events) - ?", (KEEP,))
    return bool(added)


def received(request: Request) -> list[dict[str, Any]]:
    """The deliveries, newest first: received_at, verified, type, data."""
    with _events(request) as db:
        rows = db.execute(
            "SELECT received_at, verified, event FROM events ORDER BY n DESC"
        ).fetchall()
    return [{"received_at": datetime.fromisoformat(at), "verified": bool(ok), **json.loads(event)}
            for at, ok, event in rows]


async def _raw_body(request: Request) -> bytes:
    """The body as sent: the signature covers these bytes, not a parsed form of them."""
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


@router.post("/webhooks")
def webhook(request: Request, body: RawBody) -> Response:
    """A Standard Webhooks delivery: 204 verified, 200 a retry of one kept already, 400 when
    the signature, the timestamp or the body does not hold (module doc)."""
    if len(body) > MAX_BODY:
        return Response(status_code=413)
    settings = context_of(request).settings
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        event = verify(webhook_secret(settings.secret_key), headers, body,
                       now=context_of(request).clock.now().timestamp())
        if not isinstance(event, dict):
            raise Refused("the event is not a JSON object")
    except (Refused, ValueError):
        # listed too, so a person sees a refused delivery; never its unverified content
        _keep(request, f"refused:{secrets.token_hex(8)}", False, {"type": "refused"})
        return Response(status_code=400)
    kept = _keep(request, headers["webhook-id"], True, {
        "type": str(event.get("type", "")), "data": event.get("data") or {},
        "timestamp": event.get("timestamp"),
    })
    return Response(status_code=204 if kept else 200)


@router.get("")
def page(request: Request) -> Response:
    return render(
        request,
        "demo/demo_fachverfahren.html",
        events=received(request),
        event_text=EVENT_TEXT,
        webhook_url=webhook_target(context_of(request).settings),
    )
