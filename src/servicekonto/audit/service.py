"""Audit events: who did what to which id, when; chained by SHA-256 so edits are detectable.

Writers serialise on the chain head (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: a
transaction-scoped advisory lock), so the chain never forks. Each append also moves the one-row
`audit_head` (event count and newest hash) in the same transaction: the chain shows an edited or
removed event in the middle, the head shows events removed from the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from servicekonto.db.models import AuditEvent, AuditHead

log = logging.getLogger(__name__)

GENESIS = "0" * 64
HEAD_ID = 1
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
    new_hash = _event_hash(prev, at, event, actor, subject, details, request_id)
    db.add(
        AuditEvent(
            at=at,
            event=event,
            actor=actor,
            subject=subject,
            details=details,
            request_id=request_id,
            prev_hash=prev,
            hash=new_hash,
        )
    )
    db.flush()
    moved = db.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(count=AuditHead.count + 1, head_hash=new_hash)
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        # Removed by hand (the migration creates it): the event is still recorded, and
        # `audit verify` reports the missing head instead of a login failing here.
        log.error("audit head missing; `servicekonto audit verify` reports the log as broken")


class ChainCheck(NamedTuple):
    intact: bool
    #: Events that check out, in order, before the first problem.
    events: int
    #: Id of the first event whose hashes do not match (None when the chain itself holds).
    broken: int | None
    #: What is wrong, for the operator; empty when intact.
    problem: str
    #: Hash of the last event that checks out (GENESIS for an empty log).
    head: str


def verify_chain(db: Session) -> ChainCheck:
    """Walk the chain from the start, then compare its end with the recorded head."""
    prev = GENESIS
    count = 0
    for row in db.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        expected = _event_hash(
            prev, row.at, row.event, row.actor, row.subject, row.details, row.request_id
        )
        if row.prev_hash != prev or row.hash != expected:
            problem = f"event {row.id} does not follow the event before it"
            return ChainCheck(False, count, row.id, problem, prev)
        prev = row.hash
        count += 1
    anchor = db.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID))
    if anchor is None:
        return ChainCheck(False, count, None, "the recorded head (audit_head) is missing", prev)
    if (anchor.count, anchor.head_hash) != (count, prev):
        problem = (
            f"the recorded head has {anchor.count} events ending in {anchor.head_hash[:16]}, "
            f"the log {count} ending in {prev[:16]}: events were removed from its end"
        )
        return ChainCheck(False, count, None, problem, prev)
    return ChainCheck(True, count, None, "", prev)
