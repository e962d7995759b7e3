"""Mails are queued in the caller's transaction (outbox) and delivered later.

Delivery writes one RFC 5322 `.eml` file per mail under `<data_dir>/mail/` (DESIGN §3). After
delivery the body is removed from the outbox row, so links with tokens do not stay in the
database. Logs name the message id only, never the recipient or the content.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.db.models import OutboxMessage
from servicekonto.db.outbox import enqueue

log = logging.getLogger("servicekonto.mail")
SENDER = "ServiceKonto <no-reply@servicekonto.invalid>"
MAX_ATTEMPTS = 8


def queue_mail(db: Session, *, to: str, subject: str, body: str, now: datetime) -> None:
    enqueue(db, kind="mail", now=now, payload={"to": to, "subject": subject, "body": body})


def _write_eml(directory: Path, message_id: int, payload: dict[str, str], now: datetime) -> Path:
    mail = EmailMessage()
    mail["From"] = SENDER
    mail["To"] = payload["to"]
    mail["Subject"] = payload["subject"]
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain="servicekonto.invalid")
    mail.set_content(payload["body"])
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{now.strftime('%Y%m%dT%H%M%S')}-{message_id:08d}.eml"
    tmp = target.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(bytes(mail))
    tmp.replace(target)
    return target


def deliver_mail_due(sessions: Callable[[], Session], *, now: datetime, mail_dir: Path,
                     limit: int = 50, reading: Callable[[], Session] | None = None) -> int:
    """Write due mails as .eml files; each message is claimed by a conditional UPDATE first.
    `reading`: read-only sessions for finding due mails, so an idle round takes no write lock."""
    delivered = 0
    with (reading or sessions)() as db:
        due = list(db.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.kind == "mail", OutboxMessage.delivered_at.is_(None),
                OutboxMessage.failed_at.is_(None), OutboxMessage.next_attempt_at <= now,
            ).order_by(OutboxMessage.id).limit(limit)
        ))
    for message_id in due:
        with sessions() as db, db.begin():
            claimed = db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None),
                       (OutboxMessage.claimed_until.is_(None))
                       | (OutboxMessage.claimed_until <= now))
                .values(claimed_until=now + timedelta(seconds=30))
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if not claimed:
                continue
            message = db.get(OutboxMessage, message_id)
            assert message is not None
            message.attempts += 1
            try:
                _write_eml(mail_dir, message.id, message.payload, now)
            except OSError as exc:
                message.last_error = type(exc).__name__
                message.claimed_until = None
                if message.attempts >= MAX_ATTEMPTS:
                    message.failed_at = now
                else:
                    message.next_attempt_at = now + timedelta(seconds=2**message.attempts)
                continue
            message.delivered_at = now
            message.payload = {"delivered": True}  # drop the body (links carry tokens)
            delivered += 1
            log.info("mail delivered: outbox message %d", message.id)
    return delivered
