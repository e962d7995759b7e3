"""Pages for a forgotten password (reset by e-mail link) and for deleting the account.

Checklist C-03 (one answer whether or not an account exists), C-07 (single-use 30-minute link
that ends sessions and refresh tokens), V-05 / TR-03160-1 §7 (deletion removes everything).

Deleting re-authenticates: with the password, or — for an account opened with the Online-Ausweis,
which has none — with an eID login at most five minutes old (the page offers it; the eID
transaction's `delete` purpose comes back here), as removing a login means does.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import authenticate_password, get_account
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.audit.service import record
from servicekonto.errors import InvalidInput, RateLimited
from servicekonto.oidc.routes import db_session
from servicekonto.registration.service import Collaborators
from servicekonto.security.ratelimit import Limits, RateLimiter
from servicekonto.selfservice import recovery
from servicekonto.web.pages import (
    check_post,
    clear_cookie,
    client_ip,
    provider_of,
    render,
    see_other,
)
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.forms import first, form_fields
from servicekonto.web.routes.signin import current_session, recent_at

router = APIRouter(include_in_schema=False)

#: Longer than any address we store (accounts.email is 254) or any token we issue.
_MAX_EMAIL = 320
_MAX_TOKEN = 128
#: A password longer than this is refused by the policy anyway (1024 bytes); cut before hashing.
_MAX_PASSWORD = 4096
_PASSWORD_ERRORS = {
    "password_too_short": "reset.error.password_too_short",
    "password_too_long": "reset.error.password_too_long",
    "password_too_common": "reset.error.password_too_common",
}


def rate_limit(request: Request, bucket: str) -> None:
    """The per-IP limit of the login form, for other credential forms (429 + Retry-After).

    Each form counts in its own bucket, with the login's limit per minute.
    """
    limiter: RateLimiter = request.app.state.login_limiter
    wait = limiter.hit(f"{bucket}:{client_ip(request)}", provider_of(request).clock.now())
    if wait:
        raise RateLimited("too many requests", retry_after=wait)


def _letters(request: Request) -> Collaborators:
    found: Collaborators = request.app.state.registration
    return found


# -- forgotten password ----------------------------------------------------------------------------


def _forgot_page(request: Request, *, email: str = "", error: str | None = None) -> Response:
    return render(
        request,
        "recovery/password_forgot.html",
        status=422 if error else 200,
        action="/password/forgot",
        email=email,
        errors={"email": error} if error else {},
    )


@router.get("/password/forgot")
def forgot_form(request: Request) -> Response:
    return _forgot_page(request)


@router.post("/password/forgot")
def forgot(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    form = first(fields)
    check_post(request, form)
    rate_limit(request, "password_forgot")
    email = form.get("email", "").strip()[:_MAX_EMAIL]
    if not email:
        return _forgot_page(request, error="reset.error.email_required")
    if "@" not in email:
        return _forgot_page(request, email=email, error="reset.error.email")
    provider = provider_of(request)
    limits: Limits = request.app.state.limits
    limits.check_address("password_forgot", email, provider.clock.now())
    recovery.request_password_reset(
        db,
        email=email,
        issuer=provider.issuer,
        now=provider.clock.now(),
        request_id=request.state.request_id,
    )
    db.commit()
    return see_other("/password/forgot/sent")


@router.get("/password/forgot/sent")
def forgot_sent(request: Request) -> Response:
    return render(request, "recovery/password_forgot_sent.html")


# -- reset by link ---------------------------------------------------------------------------------


def _reset_page(
    request: Request, token: str, errors: dict[str, str], status: int = 200
) -> Response:
    return render(
        request,
        "recovery/password_reset.html",
        status=status,
        action=f"/password/reset/{token}",
        errors=errors,
    )


def _invalid_page(request: Request) -> Response:
    return render(request, "recovery/password_reset_invalid.html", status=400)


@router.get("/password/reset/{token}")
def reset_form(token: str, request: Request, db: Session = Depends(db_session)) -> Response:
    token = token[:_MAX_TOKEN]
    valid = recovery.reset_token_valid(db, token=token, now=provider_of(request).clock.now())
    db.rollback()  # read only
    if not valid:
        return _invalid_page(request)
    return _reset_page(request, token, {})


@router.post("/password/reset/{token}")
def reset(
    token: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    form = first(fields)
    check_post(request, form)
    rate_limit(request, "password_reset")
    token = token[:_MAX_TOKEN]
    provider = provider_of(request)
    now = provider.clock.now()
    password = form.get("password", "")[:_MAX_PASSWORD]
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = "reset.error.required"
    elif form.get("password_repeat", "")[:_MAX_PASSWORD] != password:
        errors["password_repeat"] = "reset.error.mismatch"
    if errors:
        valid = recovery.reset_token_valid(db, token=token, now=now)
        db.rollback()
        return _reset_page(request, token, errors, status=422) if valid else _invalid_page(request)
    try:
        done = recovery.reset_password(
            db,
            hashing=provider.hashing,
            token=token,
            password=password,
            now=now,
            issuer=provider.issuer,
            request_id=request.state.request_id,
        )
    except InvalidInput as exc:
        db.rollback()  # nothing is kept; the link stays usable
        problems = [p.strip() for p in exc.description.split(",")]
        message = next(
            (_PASSWORD_ERRORS[p] for p in problems if p in _PASSWORD_ERRORS),
            "reset.error.password_too_short",
        )
        return _reset_page(request, token, {"password": message}, status=422)
    if not done:
        db.rollback()
        return _invalid_page(request)
    db.commit()
    # Every session of the account has ended, this browser's included.
    response = see_other("/login?notice=password_changed")
    clear_cookie(request, response, "sk_session")
    return response


# -- account deletion ------------------------------------------------------------------------------


def _delete_page(request: Request, *, reauth: str, error: bool = False) -> Response:
    """`reauth`: `password`, `recent` (a fresh eID login, nothing to type) or `eid` (log in
    with the card first)."""
    return render(
        request,
        "account/account_delete.html",
        status=422 if error else 200,
        action="/account/delete",
        error=error,
        reauth=reauth,
        **eid_choice(request, pending_id=None, purpose="delete"),
    )


def _reauth(request: Request, session: ActiveSession, email: str | None, password: bool) -> str:
    if email and password:
        return "password"
    now = provider_of(request).clock.now()
    return "recent" if recent_at(session, TrustLevel.HIGH, now) else "eid"


@router.get("/account/delete")
def delete_form(request: Request, db: Session = Depends(db_session)) -> Response:
    session = current_session(request, db)
    account = get_account(db, session.account_id) if session else None
    db.commit()
    if session is None or account is None:
        return see_other("/login")
    return _delete_page(
        request, reauth=_reauth(request, session, account.email, bool(account.password_hash))
    )


@router.post("/account/delete")
def delete(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    form = first(fields)
    check_post(request, form)
    session = current_session(request, db)
    if session is None:
        db.commit()
        return see_other("/login")
    rate_limit(request, "reauthenticate")
    provider = provider_of(request)
    account = get_account(db, session.account_id)
    email = account.email if account else None
    reauth = _reauth(request, session, email, bool(account and account.password_hash))
    # Re-authentication through the login's own check: the same atomic failure counter and
    # temporary lock, so a stolen session cannot guess the password here either.
    confirmed = reauth == "recent"
    if reauth == "password" and email:
        found = authenticate_password(
            db,
            hashing=provider.hashing,
            now=provider.clock.now(),
            email=email,
            password=form.get("password", "")[:_MAX_PASSWORD],
        )
        confirmed = found is not None and found.id == session.account_id
    if not confirmed:
        record(
            db,
            at=provider.clock.now(),
            event="account.delete_refused",
            actor=f"account:{session.account_id}",
            request_id=request.state.request_id,
        )
        db.commit()
        return _delete_page(request, reauth=reauth, error=True)
    recovery.delete_account(
        db,
        account_id=session.account_id,
        now=provider.clock.now(),
        letters=_letters(request).letters,
        request_id=request.state.request_id,
    )
    db.commit()
    response = see_other("/account/deleted")
    clear_cookie(request, response, "sk_session")
    return response


@router.get("/account/deleted")
def deleted(request: Request) -> Response:
    return render(request, "account/account_deleted.html")
