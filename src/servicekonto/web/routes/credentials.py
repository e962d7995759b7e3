"""Self-service while logged in: change the password, change the e-mail address (issue 10
item 20). Both re-authenticate with the current password through the login's own throttle (a
stolen session alone cannot change them) and count against a per-IP limit; the new address is
confirmed by a link that opens a page whose button POSTs (as the registration link does)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import AccountView, authenticate_password
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.audit.service import record
from servicekonto.errors import InputRefused, InvalidInput, RateLimited
from servicekonto.http.browser import SignedInAccount
from servicekonto.http.context import Context, Now, context_of
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import rate_limit
from servicekonto.http.posts import SignedInPost
from servicekonto.selfservice import credentials
from servicekonto.web.pages import render, see_other
from servicekonto.web.routes.registration import link_page, link_used

router = APIRouter(include_in_schema=False)

_MAX_PASSWORD = 4096
_MAX_EMAIL = 320
_PASSWORD_ERRORS = {
    "password_too_short": "reset.error.password_too_short",
    "password_too_long": "reset.error.password_too_long",
    "password_too_common": "reset.error.password_too_common",
}


def _reauthenticated(
    request: Request, db: DbSession, account: AccountView, password: str, event: str
) -> bool:
    """The current password, checked by the login's throttle (commits the counted attempt)."""
    provider = context_of(request)
    confirmed = None
    if account.email and account.has_password:
        confirmed = authenticate_password(
            db, hashing=provider.hashing, now=provider.clock.now(), email=account.email,
            password=password[:_MAX_PASSWORD],
        )
    if confirmed is not None and confirmed.id == account.id:
        return True
    record(db, at=provider.clock.now(), event=event, actor=f"account:{account.id}",
           request_id=request.state.request_id)
    db.commit()
    return False


# -- password --------------------------------------------------------------------------------------


def _password_page(
    request: Request, account: AccountView, errors: dict[str, str], status: int = 200
) -> Response:
    return render(
        request, "account/password_change.html", status=status, action="/account/password",
        has_password=account.has_password, errors=errors,
    )


@router.get("/account/password")
def password_form(request: Request, db: DbSession, signed_in: SignedInAccount) -> Response:
    db.commit()
    return _password_page(request, signed_in.account, {})


def _new_password_errors(form: dict[str, str]) -> dict[str, str]:
    new = form.get("new_password", "")[:_MAX_PASSWORD]
    if not new:
        return {"new_password": "reset.error.required"}
    if form.get("new_password_repeat", "")[:_MAX_PASSWORD] != new:
        return {"new_password_repeat": "reset.error.mismatch"}
    return {}


@router.post("/account/password")
def change_password(post: SignedInPost) -> Response:
    request, db, form, account = post.request, post.db, post.form, post.account
    rate_limit(request, "password_change")
    errors = _new_password_errors(form)
    if errors:
        db.rollback()
        return _password_page(request, account, errors, status=422)
    current = form.get("password", "")
    if not _reauthenticated(request, db, account, current, "password.change_refused"):
        return _password_page(request, account, {"password": "change.error.current"}, status=422)
    try:
        credentials.change_password(
            db, hashing=post.context.hashing, account_id=account.id,
            password=form["new_password"][:_MAX_PASSWORD], keep_sid=post.session.sid,
            issuer=post.context.issuer, now=post.now, request_id=post.request_id,
        )
    except InputRefused as exc:
        db.rollback()
        message = _PASSWORD_ERRORS.get(exc.problems[0], "reset.error.password_too_short")
        return _password_page(request, account, {"new_password": message}, status=422)
    db.commit()
    return see_other("/account?notice=password_changed")


# -- e-mail address --------------------------------------------------------------------------------


def _email_page(
    request: Request, account: AccountView, session: ActiveSession, errors: dict[str, str],
    email: str = "", status: int = 200,
) -> Response:
    return render(
        request, "account/email_change.html", status=status, action="/account/email/change",
        current=account.email or "", email=email, errors=errors,
        needs_password=account.has_password,
        can_change=account.has_password or session.level >= TrustLevel.HIGH,
    )


@router.get("/account/email/change")
def email_form(request: Request, db: DbSession, signed_in: SignedInAccount) -> Response:
    db.commit()
    return _email_page(request, signed_in.account, signed_in.session, {})


@router.post("/account/email/change")
def change_email(post: SignedInPost) -> Response:
    request, db, form = post.request, post.db, post.form
    session, account = post.session, post.account
    rate_limit(request, "email_change")
    email = form.get("email", "").strip()[:_MAX_EMAIL]
    if "@" not in email or len(email) > 254:
        db.rollback()
        return _email_page(request, account, session, {"email": "reset.error.email"}, email, 422)
    if account.has_password:
        if not _reauthenticated(request, db, account, form.get("password", ""),
                                "email.change_refused"):
            return _email_page(request, account, session, {"password": "change.error.current"},
                               email, 422)
    elif session.level < TrustLevel.HIGH:  # no password: only a fresh eID login proves it is you
        db.rollback()
        return _email_page(request, account, session, {}, email, 403)
    try:
        credentials.request_email_change(
            db, account_id=account.id, new_email=email, issuer=post.context.issuer,
            now=post.now, request_id=post.request_id,
        )
    except InvalidInput:
        db.rollback()
        return _email_page(request, account, session, {"email": "change.error.same_address"},
                           email, 422)
    except RateLimited:
        db.commit()  # the throttled attempt is audited
        return _email_page(request, account, session, {"email": "change.error.too_many"},
                           email, 429)
    db.commit()
    return see_other("/account?notice=email_change_sent")


@router.get("/account/email/confirm/{token}")
def email_confirm_page(token: str, request: Request, db: DbSession, now: Now) -> Response:
    """The link from the mail to the new address shows a button; only its POST changes."""
    return link_page(
        request, db, token=token, purpose=credentials.CHANGE_PURPOSE,
        action="/account/email/confirm", now=now,
    )


@router.post("/account/email/confirm")
def email_confirm(
    request: Request, form: PostedForm, db: DbSession, context: Context, now: Now
) -> Response:
    def use(token: str) -> bool:
        return credentials.confirm_email_change(
            db, token=token, issuer=context.issuer, now=now,
            request_id=request.state.request_id,
        )

    return link_used(request, db, form, use)
