"""The demo's webhook receiver (`sim/webhook_receiver.py`), written from the Standard Webhooks
specification: it accepts what our sender signs, and refuses a wrong secret, a changed body, an
old timestamp; a retried event (same `webhook-id`) is acknowledged but processed once."""

from __future__ import annotations

import base64
import os
import time

import httpx
import pytest

from servicekonto.postfach import webhooks
from servicekonto.sim.webhook_receiver import Refused, WebhookReceiver, verify

KEY = os.urandom(32)
SECRET = "whsec_" + base64.b64encode(KEY).decode()
BODY = b'{"type":"postfach.message.read","timestamp":"2026-12-03T10:00:00+00:00","data":{}}'


def _headers(body: bytes = BODY, *, key: bytes = KEY, at: int | None = None,
             event: str = "evt_1") -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    return {"webhook-id": event, "webhook-timestamp": str(stamp),
            "webhook-signature": webhooks.signature(key, webhook_id=event, timestamp=stamp,
                                                    body=body)}


def test_standard_webhooks_a_signed_event_verifies_with_the_secret_alone() -> None:
    assert verify(SECRET, _headers(), BODY, now=time.time())["type"] == "postfach.message.read"
    rotated = _headers()
    rotated["webhook-signature"] = "v1,b2xk " + rotated["webhook-signature"]  # several listed
    assert verify(SECRET, rotated, BODY, now=time.time())


@pytest.mark.parametrize("case", ["other key", "changed body", "old", "no signature"])
def test_standard_webhooks_what_the_receiver_refuses(case: str) -> None:
    now = time.time()
    headers, body = _headers(), BODY
    if case == "other key":
        headers = _headers(key=os.urandom(32))
    elif case == "changed body":
        body = BODY.replace(b"read", b"recalled")
    elif case == "old":
        headers = _headers(at=int(now) - 301)
    else:
        del headers["webhook-signature"]
    with pytest.raises(Refused):
        verify(SECRET, headers, body, now=now)


def test_the_receiver_over_http_processes_a_retried_event_once() -> None:
    receiver = WebhookReceiver(SECRET)
    receiver.start()
    try:
        headers = _headers()
        first = httpx.post(receiver.url, content=BODY, headers=headers)
        retry = httpx.post(receiver.url, content=BODY, headers=headers)
        forged = httpx.post(receiver.url, content=BODY, headers=_headers(key=os.urandom(32),
                                                                         event="evt_2"))
    finally:
        receiver.stop()
    assert (first.status_code, retry.status_code, forged.status_code) == (204, 200, 400)
    assert len(receiver.verified) == 1 and receiver.refused == 1
