"""Enqueue a side effect in the caller's transaction (DESIGN §7: outbox with the change)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekonto.db.models import OutboxMessage


def enqueue(db: Session, *, kind: str, payload: dict[str, Any], now: datetime) -> None:
    db.add(OutboxMessage(kind=kind, payload=payload, created_at=now, next_attempt_at=now))


#: Outbox kind of a back-channel logout (OIDC Back-Channel Logout 1.0), delivered by oidc.logout.
BACKCHANNEL_LOGOUT = "backchannel_logout"


def enqueue_backchannel_logout(
    db: Session, *, client_id: str, account_id: str, sid: str | None, reason: str, now: datetime
) -> None:
    """Tell `client_id` that the person's session `sid` (or, with None, all their sessions)
    ended; `reason` is for the audit trail only."""
    enqueue(
        db,
        kind=BACKCHANNEL_LOGOUT,
        now=now,
        payload={"client_id": client_id, "account_id": account_id, "sid": sid, "reason": reason},
    )
