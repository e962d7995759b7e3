"""Mails are queued in the caller's transaction (outbox, DESIGN §7) and delivered later.

Delivery goes through an SMTP relay when `SERVICEKONTO_SMTP_URL` is set, otherwise into one
RFC 5322 `.eml` file per mail under `<data_dir>/mail/` (DESIGN §3). Each mail is handled in
three steps, like the back-channel logouts (oidc/logout.py):

1. claim: one conditional UPDATE takes a lease on the row and counts the attempt; the same
   transaction fixes the Message-ID and marks the row "in flight";
2. send, with no transaction open (on SQLite a transaction holds the write lock, and a relay
   may take seconds);
3. record the outcome: sent (the body is dropped: links carry tokens), try again later with
   back-off, or failed after the last attempt.

A process that dies between the relay's "250 accepted" and step 3 leaves the row "in flight";
when its lease ends it is sent again with the same Message-ID, and a warning says so. That is
the at-least-once edge the README documents. Logs name the outbox id only, never the recipient
or the content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.clock import Clock
from servicekonto.db.models import OutboxMessage
from servicekonto.db.outbox import enqueue
from servicekonto.faults import crash_point
from servicekonto.mail.compose import OutgoingMail, address_of, new_message_id
from servicekonto.mail.eml import EmlDirectory
from servicekonto.mail.smtp import SmtpTransport
from servicekonto.mail.transport import Attempt, Outcome, Transport
from servicekonto.settings import Settings

log = logging.getLogger("servicekonto.mail")

MAIL = "mail"
#: Temporary failures (4xx, relay down, timeouts): 30 s, 1, 2, 4 … minutes, at most an hour
#: apart; 30 attempts span about a day before a mail is given up.
MAX_ATTEMPTS = 30
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600
#: A 5xx refusal is final by RFC 5321, but a relay misconfigured for a moment answers 5xx as
#: well: the mail gets this many attempts in all before it is recorded as failed.
REFUSED_ATTEMPTS = 3
#: Marks a row whose attempt has not recorded its outcome yet.
IN_FLIGHT = "in flight"


def queue_mail(db: Session, *, to: str, subject: str, body: str, now: datetime) -> None:
    enqueue(db, kind=MAIL, now=now, payload={"to": to, "subject": subject, "body": body})


def mail_transport(settings: Settings) -> Transport:
    """SMTP when a relay is configured, otherwise the `.eml` directory."""
    relay = settings.smtp_relay
    if relay is None:
        return EmlDirectory(settings.data_dir / "mail")
    return SmtpTransport(
        relay,
        local_hostname=settings.mail_hostname,
        ca_file=settings.smtp_ca_file,
        connect_timeout=settings.smtp_connect_timeout_seconds,
        timeout=settings.smtp_timeout_seconds,
    )


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS))


def deliver_mail_due(
    sessions: Callable[[], Session],
    *,
    clock: Clock,
    transport: Transport,
    sender: str,
    limit: int = 50,
    reading: Callable[[], Session] | None = None,
) -> int:
    """Deliver due mails; returns how many were sent. `sender`: the From header (MAIL_FROM).
    `reading`: read-only sessions for finding due mails, so an idle round takes no write lock
    (and opens no connection to the relay)."""
    now = clock.now()
    with (reading or sessions)() as db:
        due = list(db.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.kind == MAIL, OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now,
            ).order_by(OutboxMessage.id).limit(limit)
        ))
    if not due:
        return 0
    delivered = 0
    with transport.batch() as batch:
        for message_id in due:
            mail = _claim(sessions, message_id, clock=clock, lease=transport.lease_seconds,
                          sender=sender)
            if mail is None:
                continue
            try:
                attempt = batch.send(mail)
            except Exception as exc:  # a bug must not turn one mail into an endless loop
                log.error("mail outbox message %d: unexpected %s", mail.outbox_id,
                          type(exc).__name__)  # the message may quote the mail: not logged
                attempt = Attempt(Outcome.RETRY, type(exc).__name__, connection_lost=True)
            if attempt.outcome is Outcome.SENT:
                crash_point("mail.after_relay_accepted")
            if _record(sessions, mail, attempt, now=clock.now()):
                delivered += 1
            if attempt.connection_lost:
                break  # the rest wait for the next round instead of each waiting for a timeout
    return delivered


def _claim(sessions: Callable[[], Session], message_id: int, *, clock: Clock, lease: float,
           sender: str) -> OutgoingMail | None:
    now = clock.now()
    with sessions() as db, db.begin():
        claimed = db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None),
                   OutboxMessage.failed_at.is_(None),
                   # Still due: another worker may have tried it since we looked (back-off).
                   OutboxMessage.next_attempt_at <= now,
                   (OutboxMessage.claimed_until.is_(None))
                   | (OutboxMessage.claimed_until <= now))
            .values(claimed_until=now + timedelta(seconds=lease),
                    attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            return None
        message = db.get(OutboxMessage, message_id)
        assert message is not None
        if message.last_error == IN_FLIGHT:
            log.warning(
                "mail outbox message %d: the previous attempt ended without recording its "
                "outcome; it may have been delivered, sending again with the same Message-ID",
                message.id,
            )
        payload = dict(message.payload)
        if "message_id" not in payload:
            envelope_from = address_of(sender)
            payload["message_id"] = new_message_id(message.id, envelope_from)
            message.payload = payload
        message.last_error = IN_FLIGHT
        return OutgoingMail(
            outbox_id=message.id,
            sender=sender,
            envelope_from=address_of(sender),
            to=str(payload["to"]),
            subject=str(payload["subject"]),
            body=str(payload["body"]),
            message_id=str(payload["message_id"]),
            date=message.created_at,
        )


def _record(sessions: Callable[[], Session], mail: OutgoingMail, attempt: Attempt, *,
            now: datetime) -> bool:
    """True when this attempt delivered the mail."""
    with sessions() as db, db.begin():
        message = db.get(OutboxMessage, mail.outbox_id)
        if message is None or message.delivered_at is not None:
            return False  # deleted with its account meanwhile
        message.claimed_until = None
        if attempt.outcome is Outcome.SENT:
            message.delivered_at = now
            message.last_error = ""
            # Drop address and body (links carry tokens); the Message-ID helps trace a bounce.
            message.payload = {"delivered": True, "message_id": mail.message_id}
            log.info("mail delivered: outbox message %d", message.id)
            return True
        message.last_error = attempt.reason
        last = REFUSED_ATTEMPTS if attempt.outcome is Outcome.REFUSED else MAX_ATTEMPTS
        if message.attempts >= last:
            message.failed_at = now
            log.warning("mail failed: outbox message %d, %s after %d attempts (%s)",
                        message.id, attempt.outcome.value, message.attempts, attempt.reason)
        else:
            delay = retry_delay(message.attempts)
            message.next_attempt_at = now + delay
            log.info("mail deferred: outbox message %d, attempt %d (%s), next in %d s",
                     message.id, message.attempts, attempt.reason, delay.total_seconds())
    return False
