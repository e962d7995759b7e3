"""Consent per (account, client). Revoking one revokes every token of that client for the account
at once and tells the client through back-channel logout (DESIGN §5, checklist P-14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.db.models import Authorization, Client, Consent, SessionClient
from servicekonto.db.outbox import enqueue_backchannel_logout
from servicekonto.errors import NotFound


@dataclass(frozen=True)
class ConsentView:
    id: str
    client_id: str
    client_name: str
    scopes: list[str]
    claims: list[str]
    created_at: datetime
    updated_at: datetime


def find_consent(db: Session, *, account_id: str, client_id: str) -> Consent | None:
    return db.scalar(
        select(Consent).where(Consent.account_id == account_id, Consent.client_id == client_id)
    )


def covers(consent: Consent | None, *, scopes: set[str], claims: set[str]) -> bool:
    """True when an existing consent already includes everything asked for now."""
    if consent is None:
        return False
    return scopes <= set(consent.scopes) and claims <= set(consent.claims)


def grant(
    db: Session,
    *,
    account_id: str,
    client_id: str,
    scopes: set[str],
    claims: set[str],
    now: datetime,
    offered: set[str] | None = None,
    acting_as: str | None = None,
) -> Consent:
    """Record (or widen) a consent. Concurrent grants end in one row (unique constraint).

    `offered`: the claims the consent page showed; those of them not in `claims` were deselected
    and are withdrawn from an earlier consent (the user's latest choice wins, OIDC Core §5.4).
    `acting_as`: the organisation the person acts for (None: personal). The row holds the
    consent of one Befugnis: given for another one, it is replaced, not widened (what the
    person allowed for themself says nothing about an organisation's data, and the reverse);
    the interaction policy asks again after a switch.
    """
    existing = find_consent(db, account_id=account_id, client_id=client_id)
    if existing is None:
        try:
            with db.begin_nested():
                existing = Consent(
                    account_id=account_id,
                    client_id=client_id,
                    scopes=sorted(scopes),
                    claims=sorted(claims),
                    created_at=now,
                    updated_at=now,
                    acting_as=acting_as,
                )
                db.add(existing)
            return existing
        except IntegrityError:
            existing = find_consent(db, account_id=account_id, client_id=client_id)
            assert existing is not None
    if existing.acting_as != acting_as:
        existing.scopes, existing.claims = sorted(scopes), sorted(claims)
        existing.acting_as = acting_as
    existing.scopes = sorted(set(existing.scopes) | scopes)
    existing.claims = sorted((set(existing.claims) - (offered or set())) | claims)
    existing.updated_at = now
    withdrawn = (offered or set()) - claims
    if withdrawn:
        # Grants issued earlier stop releasing what the user just withdrew (checklist V-01).
        for authorization in db.scalars(
            select(Authorization).where(
                Authorization.account_id == account_id,
                Authorization.client_id == client_id,
                Authorization.revoked_at.is_(None),
            )
        ):
            authorization.claims = sorted(set(authorization.claims) - withdrawn)
    return existing


def list_consents(db: Session, *, account_id: str) -> list[ConsentView]:
    rows = db.execute(
        select(Consent, Client.name)
        .join(Client, Client.client_id == Consent.client_id)
        .where(Consent.account_id == account_id)
        .order_by(Consent.created_at)
    )
    return [
        ConsentView(c.id, c.client_id, name, c.scopes, c.claims, c.created_at, c.updated_at)
        for c, name in rows
    ]


def revoke_client_access(
    db: Session, *, account_id: str, client_id: str, now: datetime, reason: str
) -> int:
    """Revoke every live authorization of (account, client) and queue back-channel logouts."""
    live = (
        Authorization.account_id == account_id,
        Authorization.client_id == client_id,
        Authorization.revoked_at.is_(None),
    )
    sids = sorted(
        sid
        for sid in db.scalars(select(Authorization.session_sid).where(*live).distinct())
        if sid
    )
    result = db.execute(
        update(Authorization)
        .where(*live)
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    # A token with `sub` alone means "every session of this person" (Back-Channel Logout 1.0
    # §2.4), but relying parties such as mod_auth_openidc 2.4 act on `sid` only; so one token per
    # session the client still holds, and the `sub`-only token when it holds none.
    targets: list[str | None] = [*sids] or [None]
    for sid in targets:
        enqueue_backchannel_logout(
            db, client_id=client_id, account_id=account_id, sid=sid, reason=reason, now=now
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke(db: Session, *, account_id: str, consent_id: str, now: datetime) -> str:
    """Delete the consent and everything issued under it; returns the client id."""
    consent = db.get(Consent, consent_id)
    if consent is None or consent.account_id != account_id:
        raise NotFound("no such consent")  # someone else's consent looks like a missing one
    client_id = consent.client_id
    db.delete(consent)
    revoke_client_access(
        db, account_id=account_id, client_id=client_id, now=now, reason="consent_revoked"
    )
    db.execute(
        delete(SessionClient).where(
            SessionClient.client_id == client_id,
            SessionClient.session_sid.in_(
                select(Authorization.session_sid).where(
                    Authorization.account_id == account_id,
                    Authorization.client_id == client_id,
                )
            ),
        )
    )
    return client_id
