"""Signing in with a password and signing out, shared by the account pages and the pages of an
authorization request."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import authenticate_password
from servicekonto.accounts.sessions import start_session
from servicekonto.audit.service import record
from servicekonto.errors import RateLimited
from servicekonto.oidc import acr
from servicekonto.oidc.logout import logout_session
from servicekonto.security.ratelimit import RateLimiter
from servicekonto.web.pages import client_ip, cookie_name, provider_of


def password_sign_in(
    request: Request, db: Session, form: dict[str, str], *, client_id: str | None = None
) -> str | None:
    """The new session's cookie value, or None for any failure (one answer for all).

    Per-IP rate limit first (429), then the account's atomic throttle inside
    `authenticate_password`; success and failure are audited with ids only. Commits.
    """
    provider = provider_of(request)
    now = provider.clock.now()
    limiter: RateLimiter = request.app.state.login_limiter
    wait = limiter.hit(client_ip(request), now)
    if wait:
        raise RateLimited("too many login attempts", retry_after=wait)
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
    cookie_value, _session = start_session(
        db,
        account_id=account.id,
        level=TrustLevel.LOW,
        amr=[acr.AMR_PASSWORD],
        now=now,
        replaces_cookie=request.cookies.get(cookie_name(request, "sk_session")),
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
    return cookie_value


def sign_out(request: Request, db: Session, *, client_id: str | None = None) -> None:
    """End this browser's session (if any), audit it, commit."""
    provider = provider_of(request)
    cookie = request.cookies.get(cookie_name(request, "sk_session"))
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
