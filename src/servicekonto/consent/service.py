"""Consent per (account, client, Befugnis): what a person allowed a client personally and what
they allowed it while acting for an organisation are separate consents, given, listed and
revoked one by one (issue 12). Revoking one revokes every token of that client issued under
that Befugnis at once and tells the client through back-channel logout (DESIGN §5, P-14).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from servicekonto.db.models import Authorization, Client, Consent, Organisation, SessionClient
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
    #: The organisation the consent is for; None: personal.
    acting_as: str | None = None
    #: Its name (None when personal, or when the organisation is gone).
    organisation_name: str | None = None


def _for_befugnis(
    column: InstrumentedAttribute[str | None], acting_as: str | None
) -> ColumnElement[bool]:
    """`column` holds this Befugnis (NULL: personal)."""
    return column.is_(None) if acting_as is None else column == acting_as


def find_consent(
    db: Session, *, account_id: str, client_id: str, acting_as: str | None = None
) -> Consent | None:
    """The consent of one Befugnis: `acting_as` None is the personal one."""
    return db.scalar(
        select(Consent).where(
            Consent.account_id == account_id,
            Consent.client_id == client_id,
            _for_befugnis(Consent.acting_as, acting_as),
        )
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
    `acting_as`: the organisation the person acts for (None: personal). Each Befugnis has its
    own row, widened only by consents for the same Befugnis: what the person allowed for
    themself says nothing about an organisation's data, and the reverse.
    """
    existing = find_consent(db, account_id=account_id, client_id=client_id, acting_as=acting_as)
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
            existing = find_consent(
                db, account_id=account_id, client_id=client_id, acting_as=acting_as
            )
            assert existing is not None
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
                _for_befugnis(Authorization.acting_as, acting_as),
                Authorization.revoked_at.is_(None),
            )
        ):
            authorization.claims = sorted(set(authorization.claims) - withdrawn)
    return existing


def list_consents(db: Session, *, account_id: str) -> list[ConsentView]:
    """Every consent of the account, one per client and Befugnis: by client, the personal one
    first, then by organisation name."""
    rows = db.execute(
        select(Consent, Client.name, Organisation.name)
        .join(Client, Client.client_id == Consent.client_id)
        .outerjoin(Organisation, Organisation.id == Consent.acting_as)
        .where(Consent.account_id == account_id)
        .order_by(
            Client.name, Consent.client_id, Consent.acting_as.is_not(None), Organisation.name,
            Consent.created_at,
        )
    )
    return [
        ConsentView(
            c.id, c.client_id, name, c.scopes, c.claims, c.created_at, c.updated_at,
            acting_as=c.acting_as, organisation_name=organisation,
        )
        for c, name, organisation in rows
    ]


def personal_consents(db: Session, *, account_id: str) -> list[ConsentView]:
    """The consents the person gave for themself (a personal document safe shares with these
    clients only)."""
    return [c for c in list_consents(db, account_id=account_id) if c.acting_as is None]


#: `revoke_client_access` for every Befugnis (the default).
EVERY_BEFUGNIS = "*"


def revoke_client_access(
    db: Session, *, account_id: str, client_id: str, now: datetime, reason: str,
    acting_as: str | None = EVERY_BEFUGNIS,
) -> int:
    """Revoke every live authorization of (account, client) — of one Befugnis when `acting_as`
    names one (None: the personal ones) — and queue back-channel logouts."""
    live: list[ColumnElement[bool]] = [
        Authorization.account_id == account_id,
        Authorization.client_id == client_id,
        Authorization.revoked_at.is_(None),
    ]
    if acting_as != EVERY_BEFUGNIS:
        live.append(_for_befugnis(Authorization.acting_as, acting_as))
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
    # One Befugnis: the `sub`-only token would end the client's sessions of the others too, so
    # it goes only when the client holds nothing else of the person.
    others_live = acting_as != EVERY_BEFUGNIS and db.scalar(
        select(Authorization.id).where(
            Authorization.account_id == account_id,
            Authorization.client_id == client_id,
            Authorization.revoked_at.is_(None),
        ).limit(1)
    ) is not None
    targets: list[str | None] = [*sids] or ([] if others_live else [None])
    for sid in targets:
        enqueue_backchannel_logout(
            db, client_id=client_id, account_id=account_id, sid=sid, reason=reason, now=now
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revoke(db: Session, *, account_id: str, consent_id: str, now: datetime) -> str:
    """Delete the consent and everything issued under it (its Befugnis only: the person's
    consents for other organisations, or the personal one, stay); returns the client id."""
    consent = db.get(Consent, consent_id)
    if consent is None or consent.account_id != account_id:
        raise NotFound("no such consent")  # someone else's consent looks like a missing one
    client_id, acting_as = consent.client_id, consent.acting_as
    db.delete(consent)
    revoke_client_access(
        db, account_id=account_id, client_id=client_id, now=now, reason="consent_revoked",
        acting_as=acting_as,
    )
    db.execute(
        delete(SessionClient).where(
            SessionClient.client_id == client_id,
            SessionClient.session_sid.in_(
                select(Authorization.session_sid).where(
                    Authorization.account_id == account_id,
                    Authorization.client_id == client_id,
                    _for_befugnis(Authorization.acting_as, acting_as),
                )
            ),
        )
    )
    return client_id
