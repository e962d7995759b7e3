"""Events back to the client — a message was delivered, read or recalled — as signed webhooks,
sent from the outbox with retries and back-off, never on the request's path (issue 13 item 1).

Signature: HMAC-SHA256 with a per-client secret, in the form of the Standard Webhooks
specification (standardwebhooks.com), for which receivers find libraries in many languages:

* headers `webhook-id` (the event id: the same on every retry, so a receiver drops duplicates),
  `webhook-timestamp` (Unix seconds of this attempt: a receiver refuses old ones against replay)
  and `webhook-signature` = `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"));
* the secret is `whsec_` + base64(32 random bytes); the key is the decoded part. It is shown to
  the client once, when the endpoint is registered (`register_webhook`; registering again
  replaces it), and stored sealed (AES-256-GCM, `security.sealing`, the client id as associated
  data), since signing needs it in clear — a digest would not do.

Why HMAC and not a JWS verifiable with our JWKS: our signing keys live in the protocol layer
(`oidc.keystore`, layer 3), and the Postfach is a domain package below it (layer 4, DESIGN §6),
which must not reach up; the worker that sends would need the protocol layer's key store for
every request. A per-client secret also lets one client rotate without touching the keys every
client trusts for ID tokens.

Body: `{"type": "postfach.message.delivered" | "…read" | "…recalled", "timestamp": …, "data":
{"message_id", "application_id", "reference"}}` — ids the client gave or got, nothing of the
message's content and no personal data.

Delivery (`deliver_due`), like back-channel logouts and mails: a due event is claimed by one
conditional UPDATE (a lease; the attempt is counted), sent with no transaction open, and its
outcome recorded: a 2xx answer delivers it; anything else (an error status, a timeout, a refused
connection) is tried again after 30 s, 1, 2, 4 … minutes, at most an hour apart, 30 attempts in
all (about a day). The target is checked at registration and again before every request after
resolving the name (`security.outbound`: outside dev mode https to public addresses only); the
request goes to the address checked, never resolved again. A target that is refused then fails
the event at once. Events are queued only for clients that have an endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.clock import Clock
from servicekonto.db.models import Client, OutboxMessage, PostfachWebhook
from servicekonto.db.outbox import enqueue
from servicekonto.errors import NotFound
from servicekonto.security.outbound import ForbiddenTarget, check_target
from servicekonto.security.sealing import Sealer

log = logging.getLogger("servicekonto.postfach.webhooks")

#: Outbox kind of a webhook event.
WEBHOOK: Final = "postfach_webhook"
DELIVERED: Final = "delivered"
READ: Final = "read"
RECALLED: Final = "recalled"
EVENTS: Final = (DELIVERED, READ, RECALLED)
#: HKDF purpose of the key that seals the secrets.
SEALING_PURPOSE: Final = "postfach-webhook-secret"
SECRET_PREFIX: Final = "whsec_"
SECRET_BYTES: Final = 32
MAX_ATTEMPTS: Final = 30
RETRY_BASE_SECONDS: Final = 30
RETRY_CAP_SECONDS: Final = 3600
TIMEOUT_SECONDS: Final = 5.0


@dataclass(frozen=True)
class WebhookRegistration:
    client_id: str
    url: str
    #: Shown once; only its sealed form is kept.
    secret: str


def register_webhook(
    db: Session,
    *,
    client_id: str,
    url: str,
    sealer: Sealer,
    allow_internal: bool,
    now: datetime,
    key: bytes | None = None,
) -> WebhookRegistration:
    """Set (or replace) the client's endpoint with a new secret; ForbiddenTarget for a URL the
    server must not call, NotFound for an unknown client. `key`: the secret's bytes when the
    caller already holds them (the demo seed derives its receiver's from the server secret,
    so that receiver knows it without being told); otherwise new random ones."""
    check_target(url, allow_internal=allow_internal, must_resolve=False)
    if db.get(Client, client_id) is None:
        raise NotFound("no such client")
    if key is not None and len(key) != SECRET_BYTES:
        raise ValueError(f"a webhook key has {SECRET_BYTES} bytes")
    key = key if key is not None else os.urandom(SECRET_BYTES)
    secret = SECRET_PREFIX + base64.b64encode(key).decode("ascii")
    sealed = sealer.seal(key, aad=client_id)
    row = db.get(PostfachWebhook, client_id)
    if row is None:
        db.add(PostfachWebhook(client_id=client_id, url=url, secret_sealed=sealed,
                               created_at=now, updated_at=now))
    else:
        row.url, row.secret_sealed, row.updated_at = url, sealed, now
    db.flush()
    return WebhookRegistration(client_id=client_id, url=url, secret=secret)


def remove_webhook(db: Session, *, client_id: str) -> bool:
    """Stop sending events to the client (queued ones fail at their next attempt)."""
    row = db.get(PostfachWebhook, client_id)
    if row is None:
        return False
    db.delete(row)
    db.flush()
    return True


def holds_key(db: Session, *, client_id: str, sealer: Sealer, key: bytes) -> bool:
    """Whether the client's endpoint signs with `key` (the demo seed stays idempotent)."""
    row = db.get(PostfachWebhook, client_id)
    if row is None:
        return False
    try:
        held = sealer.open(row.secret_sealed, aad=client_id)
    except (InvalidTag, ValueError):
        return False
    return hmac.compare_digest(held, key)


def webhook_url(db: Session, *, client_id: str) -> str | None:
    return db.scalar(select(PostfachWebhook.url).where(PostfachWebhook.client_id == client_id))


def queue_event(
    db: Session,
    *,
    client_id: str | None,
    event: str,
    message_id: str,
    application_id: str | None,
    reference: str | None,
    now: datetime,
) -> bool:
    """Queue `event` for the client in the caller's transaction, if it has an endpoint; True
    when queued."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event}")
    if client_id is None or webhook_url(db, client_id=client_id) is None:
        return False
    enqueue(db, kind=WEBHOOK, now=now, payload={
        "client_id": client_id,
        "event_id": f"evt_{secrets.token_hex(16)}",
        "type": f"postfach.message.{event}",
        "occurred_at": now.isoformat(),
        "message_id": message_id,
        "application_id": application_id,
        "reference": reference,
    })
    return True


# -- signing ----------------------------------------------------------------------------------


def signature(key: bytes, *, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value (module doc)."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    mac = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": payload["type"],
            "timestamp": payload["occurred_at"],
            "data": {
                "message_id": payload["message_id"],
                "application_id": payload.get("application_id"),
                "reference": payload.get("reference"),
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


# -- delivery ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS))


@dataclass(frozen=True)
class _Claimed:
    outbox_id: int
    event_id: str
    body: bytes
    url: str
    key: bytes
    #: Why the event cannot be sent at all ("" when it can).
    problem: str = ""


def deliver_due(
    sessions: Callable[[], Session],
    *,
    clock: Clock,
    http: httpx.Client,
    sealer: Sealer,
    allow_internal: bool,
    reading: Callable[[], Session] | None = None,
    limit: int = 20,
    timeout: float = TIMEOUT_SECONDS,
) -> int:
    """Send due webhook events; returns how many were delivered (module doc). `reading`:
    read-only sessions for finding due events, so an idle round takes no write lock."""
    now = clock.now()
    with (reading or sessions)() as db:
        due = list(db.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.kind == WEBHOOK, OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now,
            ).order_by(OutboxMessage.id).limit(limit)
        ))
    delivered = 0
    for outbox_id in due:
        claimed = _claim(sessions, outbox_id, sealer=sealer, now=clock.now(),
                         lease=timedelta(seconds=timeout + 30))
        if claimed is None:
            continue
        error, final = _send(claimed, http=http, allow_internal=allow_internal, timeout=timeout,
                             now=clock.now())
        if _record(sessions, claimed.outbox_id, error=error, final=final, now=clock.now()):
            delivered += 1
    return delivered


def _claim(sessions: Callable[[], Session], outbox_id: int, *, sealer: Sealer, now: datetime,
           lease: timedelta) -> _Claimed | None:
    with sessions() as db, db.begin():
        claimed = db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id, OutboxMessage.delivered_at.is_(None),
                   OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now,
                   (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until <= now))
            .values(claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return None
        message = db.get(OutboxMessage, outbox_id)
        assert message is not None
        payload = dict(message.payload)
        client_id = str(payload["client_id"])
        event_id, body = str(payload["event_id"]), body_of(payload)
        endpoint = db.get(PostfachWebhook, client_id)
        if endpoint is None:  # removed since the event was queued
            return _Claimed(outbox_id, event_id, body, "", b"", problem="no endpoint")
        try:
            key = sealer.open(endpoint.secret_sealed, aad=client_id)
        except (InvalidTag, ValueError):  # another server secret, or a changed row
            log.error("webhook secret of a client does not open: outbox message %d", outbox_id)
            return _Claimed(outbox_id, event_id, body, "", b"", problem="secret does not open")
        return _Claimed(outbox_id, event_id, body, endpoint.url, key)


def _send(claimed: _Claimed, *, http: httpx.Client, allow_internal: bool, timeout: float,
          now: datetime) -> tuple[str, bool]:
    """("" or what went wrong, whether the failure is final)."""
    if claimed.problem:
        return claimed.problem, True
    try:
        target = check_target(claimed.url, allow_internal=allow_internal, must_resolve=True)
    except ForbiddenTarget:
        return "forbidden target", True
    url, headers, server_name = target.pinned()
    timestamp = int(now.timestamp())
    headers |= {
        "content-type": "application/json",
        "webhook-id": claimed.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(claimed.key, webhook_id=claimed.event_id,
                                       timestamp=timestamp, body=claimed.body),
    }
    try:
        response = http.post(url, content=claimed.body, headers=headers, timeout=timeout,
                             extensions={"sni_hostname": server_name})
    except httpx.HTTPError as exc:
        return type(exc).__name__, False
    if 200 <= response.status_code < 300:
        return "", False
    return f"HTTP {response.status_code}", False


def _record(sessions: Callable[[], Session], outbox_id: int, *, error: str, final: bool,
            now: datetime) -> bool:
    """True when this attempt delivered the event."""
    with sessions() as db, db.begin():
        message = db.get(OutboxMessage, outbox_id)
        if message is None or message.delivered_at is not None:
            return False
        message.claimed_until = None
        if not error:
            message.delivered_at, message.last_error = now, ""
            log.info("webhook delivered: outbox message %d", outbox_id)
            return True
        message.last_error = error
        if final or message.attempts >= MAX_ATTEMPTS:
            message.failed_at = now
            log.warning("webhook failed: outbox message %d after %d attempts (%s)",
                        outbox_id, message.attempts, error)
        else:
            delay = retry_delay(message.attempts)
            message.next_attempt_at = now + delay
            log.info("webhook deferred: outbox message %d, attempt %d (%s), next in %d s",
                     outbox_id, message.attempts, error, delay.total_seconds())
    return False
