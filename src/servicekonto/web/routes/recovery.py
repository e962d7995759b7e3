"""Pages for a forgotten password (reset by e-mail link) and for deleting the account.

Checklist C-03 (one answer whether or not an account exists), C-07 (single-use 30-minute link
that ends sessions and refresh tokens), V-05 / TR-03160-1 §7 (deletion removes everything).

Deleting re-authenticates: with the password, or — for an account opened with the Online-Ausweis,
which has none — with an eID login at most five minutes old (the page offers it; the eID
transaction's `delete` purpose comes back here), as removing a login means does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import authenticate_password
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.audit.service import record
from servicekonto.blobs.stores import open_store
from servicekonto.companies import members
from servicekonto.companies.members import Membership
from servicekonto.errors import InputRefused
from servicekonto.http.browser import SignedInAccount
from servicekonto.http.context import Context, Now, RateLimits, Registration
from servicekonto.http.cookies import SESSION, clear_cookie
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import rate_limit
from servicekonto.http.posts import SignedInPost
from servicekonto.selfservice import recovery
from servicekonto.web.pages import render, see_other
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.signin import recent_at

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
    form: PostedForm,
    db: DbSession,
    context: Context,
    now: Now,
    limits: RateLimits,
) -> Response:
    rate_limit(request, "password_forgot")
    email = form.get("email", "").strip()[:_MAX_EMAIL]
    if not email:
        return _forgot_page(request, error="reset.error.email_required")
    if "@" not in email:
        return _forgot_page(request, email=email, error="reset.error.email")
    limits.check_address("password_forgot", email, now)
    recovery.request_password_reset(
        db,
        email=email,
        issuer=context.issuer,
        now=now,
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
def reset_form(token: str, request: Request, db: DbSession, now: Now) -> Response:
    token = token[:_MAX_TOKEN]
    valid = recovery.reset_token_valid(db, token=token, now=now)
    db.rollback()  # read only
    if not valid:
        return _invalid_page(request)
    return _reset_page(request, token, {})


@router.post("/password/reset/{token}")
def reset(
    token: str,
    request: Request,
    form: PostedForm,
    db: DbSession,
    context: Context,
    now: Now,
) -> Response:
    rate_limit(request, "password_reset")
    token = token[:_MAX_TOKEN]
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
            hashing=context.hashing,
            token=token,
            password=password,
            now=now,
            issuer=context.issuer,
            request_id=request.state.request_id,
        )
    except InputRefused as exc:
        db.rollback()  # nothing is kept; the link stays usable
        message = next(
            (_PASSWORD_ERRORS[p] for p in exc.problems if p in _PASSWORD_ERRORS),
            "reset.error.password_too_short",
        )
        return _reset_page(request, token, {"password": message}, status=422)
    if not done:
        db.rollback()
        return _invalid_page(request)
    db.commit()
    # Every session of the account has ended, this browser's included.
    response = see_other("/login?notice=password_changed")
    clear_cookie(request, response, SESSION)
    return response


# -- account deletion ------------------------------------------------------------------------------


def _delete_page(
    request: Request, *, reauth: str, error: bool = False, sole_admin: Sequence[Membership] = (),
) -> Response:
    """`reauth`: `password`, `recent` (a fresh eID login, nothing to type) or `eid` (log in
    with the card first). `sole_admin`: organisations the account is the only admin of; then
    the page says what to do first instead of offering the deletion (409)."""
    return render(
        request,
        "account/account_delete.html",
        status=409 if sole_admin else 422 if error else 200,
        action="/account/delete",
        error=error,
        reauth=reauth,
        sole_admin=sole_admin,
        **eid_choice(request, pending_id=None, purpose="delete"),
    )


def _reauth(session: ActiveSession, email: str | None, password: bool, now: datetime) -> str:
    if email and password:
        return "password"
    return "recent" if recent_at(session, TrustLevel.HIGH, now) else "eid"


@router.get("/account/delete")
def delete_form(
    request: Request, db: DbSession, signed_in: SignedInAccount, now: Now
) -> Response:
    sole_admin = members.sole_admin_of(db, account_id=signed_in.session.account_id)
    db.commit()
    account = signed_in.account
    return _delete_page(
        request, reauth=_reauth(signed_in.session, account.email, account.has_password, now),
        sole_admin=sole_admin,
    )


@router.post("/account/delete")
def delete(post: SignedInPost, collaborators: Registration) -> Response:
    request, db, now = post.request, post.db, post.now
    session, email = post.session, post.account.email
    rate_limit(request, "reauthenticate")
    reauth = _reauth(session, email, post.account.has_password, now)
    # An organisation must keep an admin, as when leaving it (companies.members.leave). The
    # rows stay locked until the deletion below commits.
    sole_admin = members.sole_admin_of(db, account_id=session.account_id)
    if sole_admin:
        record(db, at=now, event="account.delete_refused", actor=f"account:{session.account_id}",
               details={"reason": "last_admin",
                        "organisations": [m.organisation_id for m in sole_admin]},
               request_id=post.request_id)
        db.commit()
        return _delete_page(request, reauth=reauth, sole_admin=sole_admin)
    # Re-authentication through the login's own check: the same atomic failure counter and
    # temporary lock, so a stolen session cannot guess the password here either.
    confirmed = reauth == "recent"
    if reauth == "password" and email:
        found = authenticate_password(
            db,
            hashing=post.context.hashing,
            now=now,
            email=email,
            password=post.form.get("password", "")[:_MAX_PASSWORD],
        )
        confirmed = found is not None and found.id == session.account_id
    if not confirmed:
        record(
            db,
            at=now,
            event="account.delete_refused",
            actor=f"account:{session.account_id}",
            request_id=post.request_id,
        )
        db.commit()
        return _delete_page(request, reauth=reauth, error=True)
    recovery.delete_account(
        db,
        account_id=session.account_id,
        now=now,
        letters=collaborators.letters,
        blobs=open_store(post.context.settings, db),
        request_id=post.request_id,
    )
    db.commit()
    response = see_other("/account/deleted")
    clear_cookie(request, response, SESSION)
    return response


@router.get("/account/deleted")
def deleted(request: Request) -> Response:
    return render(request, "account/account_deleted.html")
