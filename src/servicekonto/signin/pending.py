"""Authorization requests waiting for the person (table `pending_authorizations`).

`/authorize` opens one when a page must be shown (login, step-up, consent); the interaction pages
and the eID return continue it; it is closed when the code or an error goes back to the client.
Its id is bound to the browser that sent the request (`security.csrf.CsrfTokens.bound_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from servicekonto.db.models import PendingAuthorization

#: Longer ids are cut before the lookup (ours are 56 characters).
MAX_ID = 64


@dataclass(frozen=True)
class PendingRequest:
    id: str
    client_id: str
    #: The validated authorization request (`oidc.authorize.AuthorizationRequest.to_json`).
    request: dict[str, Any]
    #: When a login or step-up finished on the interaction pages, if one did.
    login_done_at: datetime | None
    #: The person chose to go on without the voluntary (non-essential) higher level.
    step_up_declined: bool


def open_pending(
    db: Session,
    *,
    pending_id: str,
    client_id: str,
    request: dict[str, Any],
    now: datetime,
    ttl: timedelta,
) -> None:
    db.add(
        PendingAuthorization(
            id=pending_id,
            client_id=client_id,
            request=request,
            created_at=now,
            expires_at=now + ttl,
        )
    )


def find_pending(db: Session, pending_id: str, *, now: datetime) -> PendingRequest | None:
    """The pending request, or None when it is unknown or expired."""
    row = db.get(PendingAuthorization, pending_id[:MAX_ID])
    if row is None or row.expires_at <= now:
        return None
    return PendingRequest(
        id=row.id,
        client_id=row.client_id,
        request=row.request,
        login_done_at=row.login_done_at,
        step_up_declined=row.step_up_declined,
    )


def pending_exists(db: Session, pending_id: str) -> bool:
    return db.get(PendingAuthorization, pending_id[:MAX_ID]) is not None


def mark_login_done(db: Session, pending_id: str, *, now: datetime) -> bool:
    """Record that the person signed in for this request just now; False when it is gone."""
    return _update(db, pending_id, login_done_at=now)


def decline_step_up(db: Session, pending_id: str) -> None:
    _update(db, pending_id, step_up_declined=True)


def close_pending(db: Session, pending_id: str) -> None:
    """The request is answered (code or error): it cannot be continued again."""
    db.execute(
        delete(PendingAuthorization)
        .where(PendingAuthorization.id == pending_id[:MAX_ID])
        .execution_options(synchronize_session=False)
    )


def _update(db: Session, pending_id: str, **values: Any) -> bool:
    """One statement by primary key (the row read before need not be loaded again)."""
    result = db.execute(
        update(PendingAuthorization)
        .where(PendingAuthorization.id == pending_id[:MAX_ID])
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
