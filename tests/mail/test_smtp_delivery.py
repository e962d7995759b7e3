"""Issue 13 #6: every mail goes through a real SMTP server process when SMTP_URL is set.

RFC 5321 §4.2.1 decides the outcome (2xx sent, 4xx later, 5xx refused), RFC 3207 STARTTLS,
RFC 8314 §3.3 implicit TLS, RFC 4954 AUTH; RFC 5322 §3.6.4 Message-ID stays the same on every
attempt. Nothing is lost (a mail waits while the relay refuses, is down or hangs) and nothing is
sent twice, except across a crash between the relay's acceptance and our commit, where the
copy carries the same Message-ID.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.clock import FixedClock
from servicekonto.db.models import OutboxMessage
from servicekonto.mail.compose import OutgoingMail
from servicekonto.mail.eml import EmlDirectory
from servicekonto.mail.service import (
    IN_FLIGHT,
    REFUSED_ATTEMPTS,
    deliver_mail_due,
    mail_transport,
    queue_mail,
)
from servicekonto.mail.smtp import SmtpTransport
from servicekonto.mail.transport import Transport
from servicekonto.settings import DEFAULT_MAIL_FROM, Settings
from tests.conftest import ROOT, free_port
from tests.mail.conftest import SmtpProcess, StartSmtp, TlsFiles

Sessions = Callable[[], Session]

ANNA = "anna.schmitz@example.org"
SUBJECT = "Ihr Passwort wurde geändert – Grüße aus Cochem-Zell"
BODY = "Guten Tag Frau Schmitz,\n\nÄnderung übernommen: Straße, Größe, Öffnungszeiten €.\n"
PASSWORD = "s3cr3t-Relay-Pa55"  # the test relay's


def queue(sessions: Sessions, clock: FixedClock, *, to: str = ANNA, subject: str = SUBJECT,
          body: str = BODY) -> int:
    with sessions() as db, db.begin():
        queue_mail(db, to=to, subject=subject, body=body, now=clock.now())
        db.flush()
        return int(db.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first()
                   or 0)


def row(sessions: Sessions, message_id: int) -> dict[str, Any]:
    with sessions() as db:
        message = db.get(OutboxMessage, message_id)
        assert message is not None
        return {
            "attempts": message.attempts,
            "delivered_at": message.delivered_at,
            "failed_at": message.failed_at,
            "next_attempt_at": message.next_attempt_at,
            "claimed_until": message.claimed_until,
            "last_error": message.last_error,
            "payload": dict(message.payload),
        }


def relay(url: str, **settings: Any) -> Transport:
    """The transport `servicekonto serve` builds from these settings (short timeouts)."""
    values: dict[str, Any] = {
        "dev_mode": True,
        "smtp_url": url,
        "smtp_connect_timeout_seconds": 2,
        "smtp_timeout_seconds": 2,
        **settings,
    }
    return mail_transport(Settings(**values))


def plain(server: SmtpProcess) -> Transport:
    return relay(f"smtp://127.0.0.1:{server.port}?starttls=off")


def deliver(sessions: Sessions, clock: FixedClock, transport: Transport) -> int:
    return deliver_mail_due(sessions, clock=clock, transport=transport, sender=DEFAULT_MAIL_FROM)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def no_personal_data(caplog: pytest.LogCaptureFixture, *extra: str) -> None:
    text = logged(caplog)
    for secret in (ANNA, "schmitz", SUBJECT, "Straße", PASSWORD, *extra):
        assert secret.lower() not in text.lower()


# -- a normal relay --------------------------------------------------------------------------


def test_mail_arrives_with_headers_utf8_text_and_its_message_id(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    server = smtp_server()
    message_id = queue(sessions, clock)
    transport = plain(server)

    assert deliver(sessions, clock, transport) == 1

    [received] = server.received()
    assert received.mail_from == "no-reply@servicekonto.invalid"
    assert received.rcpt_tos == [ANNA]
    mail = received.message
    assert mail["From"] == DEFAULT_MAIL_FROM
    assert mail["To"] == ANNA
    assert mail["Subject"] == SUBJECT
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content() == BODY
    assert received.raw.isascii()  # 7-bit clean: no relay needs 8BITMIME
    stored = row(sessions, message_id)
    assert mail["Message-ID"] == stored["payload"]["message_id"]
    assert mail["Message-ID"].endswith("@servicekonto.invalid>")
    assert f"outbox{message_id}" in mail["Message-ID"]
    assert stored["delivered_at"] == clock.now()
    assert stored["payload"] == {"delivered": True, "message_id": mail["Message-ID"]}
    # Nothing is sent twice: later rounds find nothing to do.
    clock.advance(hours=1)
    assert deliver(sessions, clock, transport) == 0
    assert len(server.received()) == 1


def test_one_connection_carries_a_rounds_mails_each_once(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    server = smtp_server()
    ids = [queue(sessions, clock, to=f"person{i}@example.org") for i in range(5)]
    assert deliver(sessions, clock, plain(server)) == 5
    received = server.received()
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(f"person{i}@example.org"
                                                             for i in range(5))
    assert len({r.message["Message-ID"] for r in received}) == 5
    assert all(row(sessions, i)["delivered_at"] for i in ids)


def test_idle_round_opens_no_connection(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    server = smtp_server(mode="silent")  # would cost a timeout if we connected
    started = time.monotonic()
    assert deliver(sessions, clock, plain(server)) == 0
    assert time.monotonic() - started < 1


# -- TLS and authentication -------------------------------------------------------------------


def test_starttls_with_the_private_ca_file(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp, tls_files: TlsFiles
) -> None:
    server = smtp_server("--starttls", str(tls_files.cert), str(tls_files.key))
    message_id = queue(sessions, clock)
    url = f"smtp://127.0.0.1:{server.port}"

    # Without the CA file the relay's certificate is not trusted: nothing goes out, the mail waits.
    assert deliver(sessions, clock, relay(url)) == 0
    assert server.received() == []
    waiting = row(sessions, message_id)
    assert waiting["last_error"].startswith("TLS certificate not trusted")
    assert waiting["failed_at"] is None and waiting["next_attempt_at"] > clock.now()

    clock.set(waiting["next_attempt_at"])
    assert deliver(sessions, clock, relay(url, smtp_ca_file=tls_files.ca)) == 1
    [received] = server.received()
    assert received.tls is True
    assert received.message.get_content() == BODY


def test_starttls_is_required_unless_turned_off(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    """A relay that offers no STARTTLS gets nothing in plain text (RFC 3207 §4: a client that
    requires TLS must not go on without it); `starttls=off` (dev mode only) sends in plain."""
    server = smtp_server()
    message_id = queue(sessions, clock)
    assert deliver(sessions, clock, relay(f"smtp://127.0.0.1:{server.port}")) == 0
    assert server.received() == []
    assert row(sessions, message_id)["last_error"] == "relay offers no STARTTLS"

    clock.advance(minutes=1)
    assert deliver(sessions, clock, plain(server)) == 1
    assert [r.tls for r in server.received()] == [False]


def test_implicit_tls_smtps(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp, tls_files: TlsFiles
) -> None:
    server = smtp_server("--implicit-tls", str(tls_files.cert), str(tls_files.key))
    queue(sessions, clock)
    transport = relay(f"smtps://127.0.0.1:{server.port}", smtp_ca_file=tls_files.ca)
    assert deliver(sessions, clock, transport) == 1
    assert [r.tls for r in server.received()] == [True]


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_auth_with_the_urls_credentials(
    mechanism: str, sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp,
    tls_files: TlsFiles, caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server(
        "--starttls", str(tls_files.cert), str(tls_files.key),
        "--auth", f"servicekonto:{PASSWORD}", "--auth-mechanism", mechanism,
    )
    message_id = queue(sessions, clock)
    wrong = relay(f"smtp://servicekonto:wrong-{PASSWORD}@127.0.0.1:{server.port}",
                  smtp_ca_file=tls_files.ca)
    with caplog.at_level(logging.DEBUG):
        assert deliver(sessions, clock, wrong) == 0
        assert server.received() == []
        assert row(sessions, message_id)["last_error"] == "login refused (SMTP 535)"

        clock.advance(minutes=1)
        right = relay(f"smtp://servicekonto:{PASSWORD}@127.0.0.1:{server.port}",
                      smtp_ca_file=tls_files.ca)
        assert deliver(sessions, clock, right) == 1
    [received] = server.received()
    assert received.login == "servicekonto"
    assert received.tls is True
    assert PASSWORD not in repr(right)
    no_personal_data(caplog)


# -- a relay that refuses ---------------------------------------------------------------------


def test_temporary_refusal_keeps_the_mail_until_the_relay_accepts_it_once(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server("--refusals", "2", mode="refuse-temp")
    message_id = queue(sessions, clock)
    transport = plain(server)
    with caplog.at_level(logging.INFO, logger="servicekonto.mail"):
        assert deliver(sessions, clock, transport) == 0
        first = row(sessions, message_id)
        assert (first["attempts"], first["last_error"]) == (1, "SMTP 451 4.3.0")
        assert first["next_attempt_at"] == clock.now() + timedelta(seconds=30)
        # Not due yet: the back-off holds it back.
        assert deliver(sessions, clock, transport) == 0
        assert server.rcpt_answers() == ["451"]

        clock.set(first["next_attempt_at"])
        assert deliver(sessions, clock, transport) == 0
        second = row(sessions, message_id)
        assert second["next_attempt_at"] == clock.now() + timedelta(seconds=60)

        clock.set(second["next_attempt_at"])
        assert deliver(sessions, clock, transport) == 1
        for _ in range(3):
            clock.advance(hours=2)
            assert deliver(sessions, clock, transport) == 0
    assert server.rcpt_answers() == ["451", "451", "250"]
    assert len(server.received()) == 1
    assert row(sessions, message_id)["attempts"] == 3
    no_personal_data(caplog)


def test_permanent_refusal_fails_after_n_attempts_and_is_logged_once(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server(mode="refuse-perm")
    message_id = queue(sessions, clock)
    transport = plain(server)
    with caplog.at_level(logging.INFO, logger="servicekonto.mail"):
        for _ in range(10):
            deliver(sessions, clock, transport)
            clock.advance(hours=2)
    failed = row(sessions, message_id)
    assert failed["failed_at"] is not None and failed["delivered_at"] is None
    assert failed["attempts"] == REFUSED_ATTEMPTS
    assert failed["last_error"] == "SMTP 550 5.1.1"
    assert server.rcpt_answers() == ["550"] * REFUSED_ATTEMPTS
    assert server.received() == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        f"mail failed: outbox message {message_id}, refused after {REFUSED_ATTEMPTS} "
        "attempts (SMTP 550 5.1.1)"
    ]
    no_personal_data(caplog)


def test_a_mail_that_cannot_be_written_fails_instead_of_looping(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    """A header injection attempt (a line break in the address) never reaches the relay."""
    server = smtp_server()
    message_id = queue(sessions, clock, to=f"{ANNA}\r\nBcc: mallory@example.org")
    for _ in range(REFUSED_ATTEMPTS + 2):
        deliver(sessions, clock, plain(server))
        clock.advance(hours=2)
    failed = row(sessions, message_id)
    assert failed["failed_at"] is not None
    assert (failed["attempts"], failed["last_error"]) == (REFUSED_ATTEMPTS, "malformed mail")
    assert server.rcpt_answers() == [] and server.received() == []


def test_a_refused_sender_keeps_every_mail_waiting(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    """A 5xx to MAIL FROM is about our configuration, not this mail: nothing fails for it."""
    server = smtp_server(mode="refuse-sender")
    ids = [queue(sessions, clock, to=f"person{i}@example.org") for i in range(2)]
    for _ in range(REFUSED_ATTEMPTS + 2):
        assert deliver(sessions, clock, plain(server)) == 0
        clock.advance(hours=2)
    first, second = (row(sessions, i) for i in ids)
    assert first["failed_at"] is None and second["failed_at"] is None
    assert first["last_error"] == "sender refused (SMTP 553)"
    assert first["attempts"] + second["attempts"] == REFUSED_ATTEMPTS + 2  # one per round


# -- a relay that is down, or hangs ------------------------------------------------------------


def test_relay_down_then_up_delivers_every_mail_once(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    port = free_port()
    transport = relay(f"smtp://127.0.0.1:{port}?starttls=off")
    ids = [queue(sessions, clock, to=f"person{i}@example.org") for i in range(3)]

    assert deliver(sessions, clock, transport) == 0
    states = [row(sessions, i) for i in ids]
    assert states[0]["last_error"] == "connection refused"
    assert states[0]["attempts"] == 1 and states[0]["failed_at"] is None
    # The round stopped at the first refused connection: the others were not even tried.
    assert [s["attempts"] for s in states[1:]] == [0, 0]

    server = smtp_server(port=port)
    clock.advance(minutes=1)
    assert deliver(sessions, clock, transport) == 3
    clock.advance(hours=1)
    assert deliver(sessions, clock, transport) == 0
    assert sorted(r.rcpt_tos[0] for r in server.received()) == [
        f"person{i}@example.org" for i in range(3)
    ]


def test_relay_that_never_answers_times_out_and_the_mail_waits(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    hung = smtp_server(mode="silent", spool="hung")
    message_id = queue(sessions, clock)
    transport = relay(f"smtp://127.0.0.1:{hung.port}?starttls=off",
                      smtp_connect_timeout_seconds=1, smtp_timeout_seconds=1)
    started = time.monotonic()
    assert deliver(sessions, clock, transport) == 0
    assert time.monotonic() - started < 5  # the worker is not stuck
    waiting = row(sessions, message_id)
    assert waiting["last_error"] == "timeout"
    assert waiting["claimed_until"] is None and waiting["failed_at"] is None

    hung.stop()
    server = smtp_server(port=hung.port)
    clock.set(waiting["next_attempt_at"])
    assert deliver(sessions, clock, transport) == 1
    assert len(server.received()) == 1


def test_a_relay_that_drips_forever_is_cut_at_the_deadline(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each read gets a line within the timeout, so only the per-mail deadline ends it."""
    server = smtp_server(mode="drip")
    monkeypatch.setattr(SmtpTransport, "deadline_seconds", property(lambda self: 2.0))
    message_id = queue(sessions, clock)
    started = time.monotonic()
    assert deliver(sessions, clock, plain(server)) == 0
    assert time.monotonic() - started < 6
    assert row(sessions, message_id)["last_error"] == "deadline exceeded"


def test_no_answer_after_the_data_resends_with_the_same_message_id(
    sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    """The at-least-once edge of SMTP (RFC 1047): the relay took the mail but its "250" never
    came. We cannot know, so the mail is sent again; the copy is the same message."""
    server = smtp_server("--hangs", "1", mode="hang-after-data")
    message_id = queue(sessions, clock)
    transport = plain(server)
    assert deliver(sessions, clock, relay(f"smtp://127.0.0.1:{server.port}?starttls=off",
                                          smtp_timeout_seconds=1)) == 0
    assert row(sessions, message_id)["last_error"] == "timeout"
    clock.set(row(sessions, message_id)["next_attempt_at"])
    assert deliver(sessions, clock, transport) == 1
    first, second = server.received()
    assert first.raw == second.raw
    assert first.message["Message-ID"] == row(sessions, message_id)["payload"]["message_id"]


# -- crash and concurrency --------------------------------------------------------------------

_CRASHING_ROUND = """
import sys
from datetime import datetime
from servicekonto.clock import FixedClock
from servicekonto.db.engine import make_engine, make_session_factory
from servicekonto.mail.service import deliver_mail_due, mail_transport
from servicekonto.settings import DEFAULT_MAIL_FROM, Settings

url, relay, now = sys.argv[1:]
sessions = make_session_factory(make_engine(url))
transport = mail_transport(Settings(dev_mode=True, smtp_url=relay))
deliver_mail_due(sessions, clock=FixedClock(datetime.fromisoformat(now)), transport=transport,
                 sender=DEFAULT_MAIL_FROM)
"""


@pytest.mark.postgres
def test_crash_between_relay_acceptance_and_commit_is_recognisable(
    backend: str, sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp, database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server()
    message_id = queue(sessions, clock)
    url = f"smtp://127.0.0.1:{server.port}?starttls=off"
    env = {**os.environ, "SK_CRASH_AT": "mail.after_relay_accepted",
           "PYTHONPATH": str(ROOT / "src")}
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASHING_ROUND, database_url, url, clock.now().isoformat()],
        env=env, cwd=ROOT, capture_output=True, timeout=60,
    )
    assert crashed.returncode == 137, crashed.stderr.decode()[-2000:]
    assert len(server.received()) == 1
    left = row(sessions, message_id)
    assert left["last_error"] == IN_FLIGHT and left["delivered_at"] is None

    # Within the lease nobody touches it; after it, it is sent again and the log says why.
    transport = relay(url)
    assert deliver(sessions, clock, transport) == 0
    clock.set(left["claimed_until"])
    with caplog.at_level(logging.WARNING, logger="servicekonto.mail"):
        assert deliver(sessions, clock, transport) == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"mail outbox message {message_id}: the previous attempt ended without recording its "
        "outcome; it may have been delivered, sending again with the same Message-ID"
    ]
    first, second = server.received()
    assert first.message["Message-ID"] == second.message["Message-ID"]
    clock.advance(hours=1)
    assert deliver(sessions, clock, transport) == 0
    assert len(server.received()) == 2


@pytest.mark.postgres
def test_parallel_workers_send_each_mail_once(
    backend: str, sessions: Sessions, clock: FixedClock, smtp_server: StartSmtp
) -> None:
    server = smtp_server()
    for i in range(12):
        queue(sessions, clock, to=f"person{i}@example.org")
    transport = plain(server)
    start = threading.Barrier(3)
    counts: list[int] = []

    def work() -> None:
        start.wait()
        counts.append(deliver(sessions, clock, transport))

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(counts) == 12
    received = server.received()
    assert len(received) == 12
    assert len({r.rcpt_tos[0] for r in received}) == 12


# -- the default stays the .eml directory ------------------------------------------------------


def test_without_smtp_url_mails_are_eml_files_written_once(
    sessions: Sessions, clock: FixedClock, tmp_path: Path
) -> None:
    transport = mail_transport(Settings(dev_mode=True, data_dir=tmp_path))
    message_id = queue(sessions, clock)
    assert deliver(sessions, clock, transport) == 1
    [path] = (tmp_path / "mail").glob("*.eml")
    text = path.read_text(encoding="utf-8")
    assert "Änderung übernommen" in text  # readable 8-bit text in dev
    assert f"outbox{message_id}" in text
    # A second attempt at the same row (after a crash before the commit) overwrites the file.
    mail = OutgoingMail(
        outbox_id=message_id, sender=DEFAULT_MAIL_FROM, envelope_from="no-reply@x.invalid",
        to=ANNA, subject=SUBJECT, body=BODY, message_id="<x@x.invalid>", date=clock.now(),
    )
    assert EmlDirectory(tmp_path / "mail").write(mail) == path
    assert len(list((tmp_path / "mail").glob("*"))) == 1
