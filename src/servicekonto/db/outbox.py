"""Enqueue a side effect in the caller's transaction (DESIGN §7: outbox with the change)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekonto.db.models import OutboxMessage


def enqueue(db: Session, *, kind: str, payload: dict[str, Any], now: datetime) -> None:
    db.add(OutboxMessage(kind=kind, payload=payload, created_at=now, next_attempt_at=now))
