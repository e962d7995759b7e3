"""Server-side browser sessions with per-level limits (DESIGN §4, TR-03160-1 Tab. 2).

The cookie carries a random 256-bit value; the database keeps only its SHA-256. Each login and
step-up mints a new value (session fixation). `sid` is the public id used in ID tokens and
back-channel logout tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel, decayed_level
from servicekonto.db.models import Authorization, BrowserSession, SessionClient
from servicekonto.db.outbox import enqueue_backchannel_logout
from servicekonto.security.secrets import digest, random_token

#: Touching `last_seen_at` at most this often keeps page views from writing on every request.
TOUCH_GRANULARITY = timedelta(seconds=30)


@dataclass(frozen=True)
class ActiveSession:
    sid: str
    account_id: str
    level: TrustLevel
    amr: tuple[str, ...]
    auth_time: datetime
    #: The Befugnis chosen in this session (`oidc.interaction`): an organisation id, SELF for an
    #: explicit personal choice, None when nobody has asked yet (the person acts personally).
    acting_as: str | None = None


#: `browser_sessions.acting_as` after the person chose to act personally. Authorizations and
#: consents keep NULL for personal; only the session tells "chose personal" from "not asked".
SELF = "self"


def start_session(
    db: Session,
    *,
    account_id: str,
    level: TrustLevel,
    amr: list[str],
    now: datetime,
) -> tuple[str, ActiveSession]:
    """A new session (and cookie value).

    A session already in the same browser is the caller's to end first, through the logout
    path (`oidc.logout.logout_session`: grants revoked, back-channel logout to its portals);
    deleting its row here would leave the previous person's portals with working tokens.
    """
    cookie_value = random_token(32)
    row = BrowserSession(
        id_digest=digest(cookie_value),
        sid=random_token(16),
        account_id=account_id,
        level=level.label,
        amr=amr,
        auth_time=now,
        created_at=now,
        last_seen_at=now,
    )
    db.add(row)
    db.flush()
    return cookie_value, _active(row, level)


def step_up_session(
    db: Session, *, cookie_value: str, level: TrustLevel, added_amr: list[str], now: datetime
) -> tuple[str, ActiveSession] | None:
    """Raise the browser's session after a further authentication; None if it is gone.

    The cookie value changes (DESIGN §8: a new id at every step-up, against fixation); `sid`
    stays, so the clients already signed in keep their back-channel logout. `auth_time` moves
    to now when the level is reached or raised, since its absolute limit counts from there.
    """
    row = db.get(BrowserSession, digest(cookie_value))
    if row is None:
        return None
    amr = list(dict.fromkeys([*row.amr, *added_amr]))
    new_value = random_token(32)
    current = TrustLevel.parse(row.level)
    # A means below the session's level adds to `amr` but must not restart the higher level's
    # absolute limit, which counts from the authentication that reached it.
    raised = level >= current
    db.execute(
        update(BrowserSession)
        .where(BrowserSession.id_digest == row.id_digest)
        .values(
            id_digest=digest(new_value),
            level=(level if raised else current).label,
            amr=amr,
            auth_time=now if raised else row.auth_time,
            last_seen_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.expunge(row)
    fresh = db.get(BrowserSession, digest(new_value))
    assert fresh is not None
    return new_value, _active(fresh, TrustLevel.parse(fresh.level))


def switch_acting_as(
    db: Session, *, cookie_value: str, acting_as: str, now: datetime
) -> tuple[str, ActiveSession] | None:
    """Record the Befugnis chosen (an organisation id or SELF); None if the session is gone.

    The cookie value changes (DESIGN §8: a new id at a Befugnis switch), so a value captured
    before the switch cannot ride on what the session may do for an organisation after it;
    `sid`, level and `auth_time` stay (the authentication is the same)."""
    row = db.get(BrowserSession, digest(cookie_value))
    if row is None:
        return None
    new_value = random_token(32)
    db.execute(
        update(BrowserSession)
        .where(BrowserSession.id_digest == row.id_digest)
        .values(id_digest=digest(new_value), acting_as=acting_as, last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    db.expunge(row)
    fresh = db.get(BrowserSession, digest(new_value))
    assert fresh is not None
    return new_value, _active(fresh, TrustLevel.parse(fresh.level))


def _active(row: BrowserSession, level: TrustLevel) -> ActiveSession:
    return ActiveSession(
        row.sid, row.account_id, level, tuple(row.amr), row.auth_time, row.acting_as
    )


def load_session(db: Session, *, cookie_value: str | None, now: datetime) -> ActiveSession | None:
    """The session behind a cookie at its current (possibly decayed) level, or None."""
    if not cookie_value:
        return None
    row = db.get(BrowserSession, digest(cookie_value))
    if row is None:
        return None
    level = decayed_level(
        TrustLevel.parse(row.level),
        since_auth=now - row.auth_time,
        since_seen=now - row.last_seen_at,
    )
    if level is None:
        db.delete(row)
        db.flush()
        return None
    if level.label != row.level:
        row.level = level.label
    if now - row.last_seen_at >= TOUCH_GRANULARITY:
        row.last_seen_at = now
    return _active(row, level)


def end_session(db: Session, *, cookie_value: str) -> tuple[str, str, list[str]] | None:
    """Delete the session; returns (sid, account_id, its client ids) for the logout fan-out."""
    row = db.get(BrowserSession, digest(cookie_value))
    if row is None:
        return None
    clients = list(
        db.scalars(select(SessionClient.client_id).where(SessionClient.session_sid == row.sid))
    )
    result = (row.sid, row.account_id, clients)
    db.delete(row)
    db.flush()
    return result


def remember_client(db: Session, *, sid: str, client_id: str) -> None:
    if db.get(SessionClient, (sid, client_id)) is None:
        db.add(SessionClient(session_sid=sid, client_id=client_id))
        db.flush()


def end_all_sessions(db: Session, *, account_id: str) -> None:
    db.execute(delete(BrowserSession).where(BrowserSession.account_id == account_id))


def end_other_sessions(db: Session, *, account_id: str, keep_sid: str, now: datetime) -> int:
    """End every session of the account but `keep_sid` (after a credential change): like a
    logout of each, their grants without `offline_access` are revoked and their clients get a
    back-channel logout for that `sid`. Returns how many sessions ended."""
    others = list(
        db.scalars(
            select(BrowserSession).where(
                BrowserSession.account_id == account_id, BrowserSession.sid != keep_sid
            )
        )
    )
    for row in others:
        for authorization in db.scalars(
            select(Authorization).where(
                Authorization.session_sid == row.sid, Authorization.revoked_at.is_(None)
            )
        ):
            if "offline_access" not in authorization.scopes:
                authorization.revoked_at = now
        for client_id in db.scalars(
            select(SessionClient.client_id).where(SessionClient.session_sid == row.sid)
        ):
            enqueue_backchannel_logout(
                db, client_id=client_id, account_id=account_id, sid=row.sid,
                reason="credentials_changed", now=now,
            )
        db.delete(row)
    db.flush()
    return len(others)
