"""The deposit API on a real server (`servicekonto serve`, two worker processes): 20 parallel
retries with one Idempotency-Key end in one message (issue 13), on SQLite and PostgreSQL; and
the clients webhook CLI with the server's outbox reaching a receiver that knows only its secret.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import build_provider
from servicekonto.clock import SystemClock
from servicekonto.db.models import Blob, PostfachAttachment, PostfachMessage
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import inbox
from servicekonto.postfach.access import personal
from servicekonto.sim.webhook_receiver import WebhookReceiver
from tests.conftest import ROOT, ServerProcess
from tests.postfach.api_support import MESSAGES, Fachverfahren
from tests.postfach.conftest import PDF, attachment, message
from tests.support import in_parallel


@pytest.fixture
def served(make_server: Callable[..., ServerProcess]) -> Iterator[tuple[ServerProcess, Provider]]:
    """A two-worker server that accepts attachments unscanned and delivers its outbox every
    0.2 s, and a provider on its database for seeding."""
    server = make_server(workers=2, UPLOAD_SCAN_REQUIRED="false", OUTBOX_INTERVAL_SECONDS="0.2")
    provider = build_provider(server.settings(), SystemClock())
    yield server, provider
    with provider.sessions() as db:
        engine = db.get_bind()
    assert isinstance(engine, Engine)
    engine.dispose()


def _count(provider: Provider, model: Any) -> int:
    with provider.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.postgres
def test_twenty_parallel_retries_with_one_key_make_one_message(
    served: tuple[ServerProcess, Provider], backend: str
) -> None:
    server, provider = served
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        fv = Fachverfahren(provider, http)
        account_id, sub = fv.person()
        auth = fv.auth
    body = message(sub, attachments=[attachment(PDF)])

    def deposit(client: httpx.Client, _i: int) -> httpx.Response:
        return client.post(f"{server.base_url}{MESSAGES}", json=body,
                           headers={**auth, "Idempotency-Key": "bescheid-2026-0042"})

    answers = in_parallel(server.base_url, 20, deposit)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 19 + [201], [a.text[:200] for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert _count(provider, PostfachMessage) == 1
    assert _count(provider, PostfachAttachment) == 1
    assert _count(provider, Blob) == 1  # no loser stored bytes
    with provider.sessions() as db:
        assert inbox.list_messages(db, box=personal(account_id)).total == 1


def test_the_webhook_set_by_the_cli_brings_signed_delivered_and_read_events(
    served: tuple[ServerProcess, Provider],
) -> None:
    """`servicekonto clients webhook` prints the secret once; the sim receiver, knowing only
    that secret, verifies what the server's outbox sends."""
    server, provider = served
    receiver = WebhookReceiver(secret=None)
    receiver.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            fv = Fachverfahren(provider, http)
            printed = subprocess.run(
                [sys.executable, "-m", "servicekonto.cli", "clients", "webhook",
                 "--client-id", fv.client_id, "--url", receiver.url, "--json"],
                env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=120,
                check=True,
            )
            import json

            secret = json.loads(printed.stdout)["secret"]
            assert secret.startswith("whsec_")
            receiver.secret = secret
            account_id, sub = fv.person()
            deposited = fv.deposit(message(sub)).json()
            _wait_for(lambda: len(receiver.verified) >= 1)
            with provider.sessions() as db:
                inbox.open_message(db, box=personal(account_id), message_id=deposited["id"],
                                   session_level=TrustLevel.HIGH, now=provider.clock.now())
                db.commit()
            _wait_for(lambda: len(receiver.verified) >= 2)
    finally:
        receiver.stop()
    assert [e["type"] for e in receiver.verified] == [
        "postfach.message.delivered", "postfach.message.read"]
    assert {e["data"]["message_id"] for e in receiver.verified} == {deposited["id"]}
    assert receiver.refused == 0


def _wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the webhook did not arrive"
        time.sleep(0.1)
