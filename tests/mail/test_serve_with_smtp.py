"""As an operator runs it: `servicekonto serve` with SERVICEKONTO_SMTP_URL, a private CA and
relay credentials sends a sign-up's confirmation mail through the relay, not into var/mail/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.db.models import OutboxMessage
from tests.conftest import ServerProcess
from tests.mail.conftest import Received, SmtpProcess, StartSmtp, TlsFiles
from tests.registration.test_flow import TYPED

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

PASSWORD = "Relay-Pa55:wort"
SENDER = "Kreisverwaltung Cochem-Zell <servicekonto@cochem-zell.example>"


def wait_for_mail(relay: SmtpProcess, seconds: float = 30) -> list[Received]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if received := relay.received():
            return received
        time.sleep(0.1)
    raise AssertionError("no mail reached the relay")


def test_serve_sends_the_sign_up_mail_through_the_relay(
    make_server: Callable[..., ServerProcess], smtp_server: StartSmtp, tls_files: TlsFiles,
    tmp_path: Path, sessions: Callable[[], Session],
) -> None:
    relay = smtp_server("--starttls", str(tls_files.cert), str(tls_files.key),
                        "--auth", f"servicekonto:{PASSWORD}")
    server = make_server(
        workers=1,
        SMTP_URL=f"smtp://servicekonto:{PASSWORD.replace(':', '%3A')}@localhost:{relay.port}",
        SMTP_CA_FILE=str(tls_files.ca),
        MAIL_FROM=SENDER,
        OUTBOX_INTERVAL_SECONDS="0.2",
    )
    body = {**TYPED, "privacy_consent": True}
    answer = httpx.post(f"{server.base_url}/api/v1/registrations", json=body, timeout=30)
    assert answer.status_code == 202

    [received] = wait_for_mail(relay)
    assert received.tls is True and received.login == "servicekonto"
    assert received.mail_from == "servicekonto@cochem-zell.example"
    assert received.rcpt_tos == [TYPED["email"]]
    mail = received.message
    assert mail["From"] == SENDER
    assert mail["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert re.search(r"/register/confirm/\S+", mail.get_content())
    assert mail["Message-ID"].endswith("@cochem-zell.example>")
    assert not list((tmp_path / "mail").glob("*.eml"))  # the relay replaced the directory

    time.sleep(1)  # a few more worker rounds: still exactly one mail
    assert len(relay.received()) == 1
    with sessions() as db:
        [row] = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail")).all()
        assert row.delivered_at is not None and row.attempts == 1
        assert row.payload == {"delivered": True, "message_id": mail["Message-ID"]}
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert PASSWORD not in log and TYPED["email"] not in log
