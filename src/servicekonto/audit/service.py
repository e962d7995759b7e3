"""Audit events: who did what to which id, when; chained by SHA-256 so edits are detectable.

Writers serialise on the chain head (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: a
transaction-scoped advisory lock), so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from servicekonto.db.models import AuditEvent

GENESIS = "0" * 64
_ADVISORY_LOCK_ID = 7_202_611  # arbitrary, fixed: "the audit chain head"


def _event_hash(
    prev_hash: str,
    at: datetime,
    event: str,
    actor: str,
    subject: str,
    details: dict[str, Any],
    request_id: str,
) -> str:
    body = json.dumps(
        [prev_hash, at.isoformat(), event, actor, subject, details, request_id],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def _neutralise(value: str) -> str:
    """No CR/LF or control characters in audit fields (log injection, checklist V-04)."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in value)[:80]


def record(
    db: Session,
    *,
    at: datetime,
    event: str,
    actor: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
    request_id: str = "",
) -> None:
    """Append one event. `actor`/`subject` are ids (account:…, client:…), never names or e-mails."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
    prev = db.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    actor, subject = _neutralise(actor), _neutralise(subject)
    details = details or {}
    at = at.replace(microsecond=0)
    db.add(
        AuditEvent(
            at=at,
            event=event,
            actor=actor,
            subject=subject,
            details=details,
            request_id=request_id,
            prev_hash=prev,
            hash=_event_hash(prev, at, event, actor, subject, details, request_id),
        )
    )
    db.flush()


def verify_chain(db: Session) -> tuple[bool, int, int | None]:
    """(intact, events checked, id of the first broken event)."""
    prev = GENESIS
    count = 0
    for row in db.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        expected = _event_hash(
            prev, row.at, row.event, row.actor, row.subject, row.details, row.request_id
        )
        if row.prev_hash != prev or row.hash != expected:
            return False, count, row.id
        prev = row.hash
        count += 1
    return True, count, None
