"""Signing in (password, second factor, eID) and signing out, shared by the account pages and the
pages of an authorization request.

A password alone always gives a `low` session (DESIGN §4). When the account has an active TOTP,
the pages ask for the code right after the password; the code lifts the session with a new
cookie value (`step_up_session`) to `substantial` — or leaves it `low` with `otp` in `amr` while
the identity itself is only `basic` (TR-03107-1: the level of a login is the minimum of the
initial identification and the login means), or while the TOTP is not yet bound to the person
(it was enrolled with the password alone, `accounts.means` module doc).

A new login in a browser ends the session already there (another person's, or the same person's
older one) through the logout path every logout takes (`oidc.logout.logout_session`): its
grants are revoked and its portals get a back-channel logout, so the previous person's portals
do not keep working tokens after the browser changed hands.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Request

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import has_active_totp, verify_second_factor
from servicekonto.accounts.service import account_view, authenticate_password
from servicekonto.accounts.sessions import ActiveSession, start_session, step_up_session
from servicekonto.audit.service import record
from servicekonto.http.browser import current_session, session_cookie
from servicekonto.http.context import context_of, totp_sealer_of
from servicekonto.http.database import DbSession
from servicekonto.http.limits import rate_limit
from servicekonto.oidc import acr
from servicekonto.oidc.logout import logout_session

#: RFC 8176 `amr` of an eID login: a hardware-held key (the card's chip) unlocked by a PIN.
EID_AMR = [acr.AMR_HARDWARE_KEY, "pin"]

#: `?notice=` keys the login page shows (allow-list: anything else is ignored, never echoed).
LOGIN_NOTICES = {
    "password_changed": "login.notice.password_changed",
}


def login_notice(request: Request) -> str | None:
    """The i18n key of the login page's success notice, or None."""
    return LOGIN_NOTICES.get(request.query_params.get("notice", ""))


def wants_second_factor(db: DbSession, account_id: str) -> bool:
    """Ask for the code right after the password (issue 4: TOTP asked at login)."""
    return has_active_totp(db, account_id)


def second_factor_level(db: DbSession, account_id: str, *, bound: bool) -> TrustLevel:
    """What password + second factor reaches: `substantial` only with a bound TOTP on a
    `substantial` identity (module doc)."""
    account = account_view(db, account_id)
    if bound and account is not None and account.identity_level >= TrustLevel.SUBSTANTIAL:
        return TrustLevel.SUBSTANTIAL
    return TrustLevel.LOW


#: A re-authentication before removing or unblocking a means, or deleting an account without a
#: password, counts this long (TR-03160-1 Tab. 2: the idle limit of a `high` session).
RECENT_LOGIN = timedelta(minutes=5)


def recent_at(session: ActiveSession, level: TrustLevel, now: datetime) -> bool:
    """The session reached `level` by an authentication at most `RECENT_LOGIN` ago."""
    return session.level >= level and now - session.auth_time <= RECENT_LOGIN


def begin_session(
    request: Request,
    db: DbSession,
    *,
    account_id: str,
    level: TrustLevel,
    amr: list[str],
    now: datetime,
) -> str:
    """A fresh session for a login in this browser; the new cookie value. The browser's
    previous session ends through the logout path (module doc), audited like a logout."""
    previous = session_cookie(request)
    if previous:
        ended = logout_session(db, cookie_value=previous, now=now)
        if ended:
            record(
                db,
                at=now,
                event="logout",
                actor=f"account:{ended}",
                details={"reason": "new_login"},
                request_id=getattr(request.state, "request_id", ""),
            )
    cookie_value, _session = start_session(db, account_id=account_id, level=level, amr=amr, now=now)
    return cookie_value


def second_factor_sign_in(
    request: Request, db: DbSession, code: str, *, client_id: str | None = None
) -> str | None:
    """The stepped-up session's new cookie value, or None (wrong, used, locked: one answer).

    The per-IP limit and the account's throttle count second-factor failures exactly like
    password failures (DESIGN §8). Commits.
    """
    now = context_of(request).clock.now()
    cookie = session_cookie(request)
    session = current_session(request, db, now)
    if session is None or cookie is None:
        db.commit()
        return None
    rate_limit(request, None, "too many login attempts")
    result = verify_second_factor(
        db, account_id=session.account_id, code=code, sealer=totp_sealer_of(request), now=now
    )
    subject = f"client:{client_id}" if client_id else ""
    request_id = getattr(request.state, "request_id", "")
    if result is None:
        record(
            db,
            at=now,
            event="login.failed",
            actor=f"account:{session.account_id}",
            subject=subject,
            details={"method": "otp"},
            request_id=request_id,
        )
        db.commit()
        return None
    level = second_factor_level(db, session.account_id, bound=result.bound)
    raised = step_up_session(db, cookie_value=cookie, level=level, added_amr=[acr.AMR_OTP], now=now)
    record(
        db,
        at=now,
        event="login.step_up",
        actor=f"account:{session.account_id}",
        subject=subject,
        details={"method": result.method, "level": level.label},
        request_id=request_id,
    )
    db.commit()
    return raised[0] if raised else None


def password_sign_in(
    request: Request, db: DbSession, form: dict[str, str], *, client_id: str | None = None
) -> tuple[str, str] | None:
    """(the new session's cookie value, account id), or None for any failure (one answer).

    Per-IP rate limit first (429), then the account's atomic throttle inside
    `authenticate_password`; success and failure are audited with ids only. Commits.
    """
    provider = context_of(request)
    now = provider.clock.now()
    rate_limit(request, None, "too many login attempts")
    account = authenticate_password(
        db,
        hashing=provider.hashing,
        now=now,
        email=form.get("username", ""),
        password=form.get("password", ""),
    )
    subject = f"client:{client_id}" if client_id else ""
    request_id = getattr(request.state, "request_id", "")
    if account is None:
        record(
            db,
            at=now,
            event="login.failed",
            actor="anonymous",
            subject=subject,
            details={"method": "pwd"},
            request_id=request_id,
        )
        db.commit()
        return None
    cookie_value = begin_session(
        request, db, account_id=account.id, level=TrustLevel.LOW, amr=[acr.AMR_PASSWORD], now=now
    )
    record(
        db,
        at=now,
        event="login.succeeded",
        actor=f"account:{account.id}",
        subject=subject,
        details={"method": "pwd"},
        request_id=request_id,
    )
    db.commit()
    return cookie_value, account.id


def sign_out(request: Request, db: DbSession, *, client_id: str | None = None) -> None:
    """End this browser's session (if any), audit it, commit."""
    provider = context_of(request)
    cookie = session_cookie(request)
    if cookie:
        account_id = logout_session(db, cookie_value=cookie, now=provider.clock.now())
        if account_id:
            record(
                db,
                at=provider.clock.now(),
                event="logout",
                actor=f"account:{account_id}",
                subject=f"client:{client_id}" if client_id else "",
                request_id=request.state.request_id,
            )
    db.commit()
