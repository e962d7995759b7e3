"""The holder's login means (TR-03160-1 §4.2, §4.4): the list, TOTP enrolment with recovery codes,
blocking without using the means, removal and unblocking after re-authentication, and the code
prompt after a password login on the account pages.

Enrolment needs a session at the level the account's strongest other means reaches, capped at
`substantial` (TR-03160-1 §4.2: register a new means at ≥ its level, or at the current maximum
when upgrading); a password-only account enrols from its `low` session. Confirming the code in
the same session is the first use of the new means, so it lifts the session right away — to
`substantial` only when the session already was there (the TOTP is then *bound*); a TOTP
enrolled with the password alone counts as `low` until the holder confirms it in a session at
`substantial` or above, i.e. after an eID login, or enters a PIN letter's code in a session that
used it (`bind_after_letter`; `accounts.means` module doc, TR-03160-1 §4.3).

Blocking needs no more than a signed-in session (§4.4: a lost means must be blockable without
it). Removing and unblocking need a re-authentication at the level of the strongest means the
account has, blocked ones included (`accounts.means.reauth_level`): the password for `low`, the
password and a code of the bound TOTP (or one of its recovery codes) for `substantial`, an eID
login at most five minutes old for `high`. Every new, bound, blocked, unblocked or removed means
is told to the holder by mail (`mail.notices`).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import AccountView, account_view, authenticate_password
from servicekonto.accounts.sessions import ActiveSession, step_up_session
from servicekonto.audit.service import record
from servicekonto.errors import Conflict, InvalidInput, NotFound
from servicekonto.http.browser import SignedInAccount, SignedInSession, session_cookie
from servicekonto.http.context import Now, TotpSealer, context_of, totp_sealer_of
from servicekonto.http.cookies import SESSION, set_cookie
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import rate_limit
from servicekonto.http.posts import AccountPost, SessionPost, SignedInPost, SignedInSessionPost
from servicekonto.mail.notices import Event, queue_means_notice
from servicekonto.oidc import acr
from servicekonto.web.pages import local_path, render, see_other
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.signin import (
    recent_at,
    second_factor_level,
    second_factor_sign_in,
)

router = APIRouter(include_in_schema=False)
NOTICES = {
    "eid_linked",
    "eid_confirmed",
    "totp_enrolled",
    "totp_unbound",
    "totp_bound",
    "blocked",
    "unblocked",
    "removed",
}


def _local_next(value: str | None) -> str | None:
    """Only our own interaction pages may be a `next` target (no open redirect)."""
    if value and value.startswith("/interaction/") and "//" not in value and "\\" not in value:
        return value
    return None


def _enrol_level(db: DbSession, account_id: str) -> TrustLevel:
    """The session level a new TOTP needs (module doc)."""
    strongest = TrustLevel.LOW
    for item in login_means.list_means(db, account_id):
        if item.state == "active":
            strongest = max(strongest, TrustLevel.HIGH if item.kind == "eid" else TrustLevel.LOW)
    return min(strongest, TrustLevel.SUBSTANTIAL)


def reauth_form(
    db: DbSession, session: ActiveSession, account: AccountView | None, now: datetime
) -> str:
    """What the remove and unblock forms ask for (module doc): `recent` (nothing, the session is
    fresh enough), `password`, `password_otp` or `eid` (log in with the card again first)."""
    required = login_means.reauth_level(db, session.account_id)
    has_password = bool(account and account.has_password and account.email)
    if required > TrustLevel.LOW and recent_at(session, required, now):
        return "recent"
    if required == TrustLevel.SUBSTANTIAL and has_password:
        return "password_otp"
    if required == TrustLevel.LOW and has_password:
        return "password"
    if required == TrustLevel.LOW and recent_at(session, TrustLevel.HIGH, now):
        return "recent"  # an account without a password: its last eID login counts
    return "eid"


def _reauthenticated(
    request: Request,
    db: DbSession,
    session: ActiveSession,
    account: AccountView,
    form: dict[str, str],
    now: datetime,
) -> bool:
    """Check the re-authentication `reauth_form` asked for; attempts count on the login's
    throttle (a re-entered password or code is a guess like any other)."""
    how = reauth_form(db, session, account, now)
    if how == "recent":
        return True
    if how == "eid" or account.email is None:
        return False
    password_ok = (
        authenticate_password(
            db,
            hashing=context_of(request).hashing,
            now=now,
            email=account.email,
            password=form.get("password", ""),
        )
        is not None
    )
    if how == "password" or not password_ok:
        return password_ok
    return login_means.confirm_holder(
        db, account_id=account.id, code=form.get("otp", ""), sealer=totp_sealer_of(request),
        now=now,
    )


def bind_after_letter(request: Request, db: DbSession, session: ActiveSession) -> None:
    """A PIN letter's code was just accepted (the identity is bound to the register record). The
    letter went to the register address, so its code, entered in a session that used the
    account's TOTP (`otp` in `amr`), binds that TOTP at `substantial` too (TR-03160-1 §4.3: "a
    fresh PIN letter whose code binds the new means"). Without `otp` in the session nothing is
    bound: the holder's own password session must not bind an authenticator a stranger set up."""
    if acr.AMR_OTP not in session.amr:
        return
    now = context_of(request).clock.now()
    if login_means.bind_active_totp(db, account_id=session.account_id, now=now):
        record(
            db,
            at=now,
            event="means.bound",
            actor=f"account:{session.account_id}",
            details={"by": "letter"},
            request_id=request.state.request_id,
        )
        _notify(request, db, session.account_id, event="bound", kind="totp", now=now)


def _notify(
    request: Request, db: DbSession, account_id: str, *, event: Event, kind: str, now: datetime
) -> None:
    account = account_view(db, account_id)
    queue_means_notice(
        db,
        to=account.email if account else None,
        event=event,
        kind=kind,
        now=now,
        issuer=context_of(request).issuer,
    )


def _after_login(request: Request) -> str | None:
    """The login's `?next=` (a local path only), carried through the code prompt."""
    return local_path(request.query_params.get("next"))


def _otp_action(next_page: str | None) -> str:
    return f"/login/otp?next={quote(next_page)}" if next_page else "/login/otp"


@router.get("/login/otp")
def otp_form(request: Request) -> Response:
    next_page = _after_login(request)
    return render(
        request,
        "signin/otp.html",
        action=_otp_action(next_page),
        error=False,
        continue_link=next_page or "/account",
        cancel_action=None,
    )


@router.post("/login/otp")
def otp(request: Request, form: PostedForm, db: DbSession) -> Response:
    next_page = _after_login(request)
    cookie_value = second_factor_sign_in(request, db, form.get("otp", ""))
    if cookie_value is None:
        return render(
            request,
            "signin/otp.html",
            status=400,
            action=_otp_action(next_page),
            error=True,
            continue_link=next_page or "/account",
            cancel_action=None,
        )
    response = see_other(next_page or "/account")
    set_cookie(request, response, SESSION, cookie_value)
    return response


def _page(
    request: Request,
    db: DbSession,
    session: ActiveSession,
    *,
    error: str | None = None,
    status: int = 200,
    back_to_service: str | None = None,
) -> Response:
    now = context_of(request).clock.now()
    account = account_view(db, session.account_id)
    items = login_means.list_means(db, session.account_id)
    notice = request.query_params.get("notice")
    return render(
        request,
        "security/security.html",
        status=status,
        level_label=f"level.{session.level.label}",
        has_password=bool(account and account.has_password),
        means=[
            {
                "id": item.id,
                "kind": item.kind,
                "state": item.state,
                "label": item.label,
                "bound": item.bound,
                "created_at": item.created_at,
                "last_used_at": item.last_used_at,
                "recovery_codes_left": item.recovery_codes_left,
            }
            for item in items
            if item.state != "pending"
        ],
        reauth=reauth_form(db, session, account, now),
        can_bind=session.level >= TrustLevel.SUBSTANTIAL,
        can_enrol_totp=not any(i.kind == "totp" and i.state != "pending" for i in items),
        notice=f"security.notice.{notice}" if notice in NOTICES else None,
        error=error,
        back_to_service=back_to_service,
        **eid_choice(request, pending_id=None, purpose="step_up"),
    )


@router.get("/account/security")
def overview(request: Request, db: DbSession, session: SignedInSession) -> Response:
    db.commit()
    return _page(request, db, session)


@router.get("/account/security/totp")
def enrol_form(
    request: Request, db: DbSession, signed_in: SignedInAccount, now: Now, sealer: TotpSealer
) -> Response:
    session, account = signed_in.session, signed_in.account
    next_page = _local_next(request.query_params.get("next"))
    needed = _enrol_level(db, session.account_id)
    if session.level < needed:
        db.commit()
        # Never a dead end: coming from a service's step-up, the way back to it stays open.
        return _page(
            request,
            db,
            session,
            error="security.error.level_too_low",
            status=403,
            back_to_service=next_page,
        )
    try:
        enrolment = login_means.start_totp_enrolment(
            db,
            account_id=session.account_id,
            sealer=sealer,
            now=now,
            account_name=account.email or "ServiceKonto",
            issuer="ServiceKonto",
        )
    except Conflict:
        db.commit()
        return see_other("/account/security")
    db.commit()
    return render(
        request,
        "security/totp_enrol.html",
        means_id=enrolment.means_id,
        secret=enrolment.secret_base32,
        qr_svg=enrolment.qr_svg,
        next=next_page or "",
        binds=session.level >= TrustLevel.SUBSTANTIAL,
        error=False,
    )


@router.post("/account/security/totp")
def enrol(
    request: Request,
    form: PostedForm,
    db: DbSession,
    session: SignedInSession,
    now: Now,
    sealer: TotpSealer,
) -> Response:
    cookie = session_cookie(request)
    assert cookie is not None  # the session was loaded from it
    next_page = _local_next(form.get("next"))
    means_id = form.get("means_id", "")
    # TR-03160-1 §4.2/§4.3: the new means is bound only when this session already is at the
    # level it would grant; with the password alone it counts as `low` (module doc).
    binds = session.level >= TrustLevel.SUBSTANTIAL
    try:
        codes = login_means.confirm_totp_enrolment(
            db,
            account_id=session.account_id,
            means_id=means_id,
            code=form.get("otp", ""),
            sealer=sealer,
            now=now,
            bind=binds,
        )
    except NotFound:
        db.rollback()
        return see_other("/account/security/totp")  # expired enrolment: start afresh
    except Conflict:
        db.rollback()
        return see_other("/account/security")  # already active
    except InvalidInput:
        db.rollback()
        enrolment_page = login_means.pending_totp(
            db, account_id=session.account_id, sealer=sealer, means_id=means_id
        )
        if enrolment_page is None:
            return see_other("/account/security/totp")
        return render(
            request,
            "security/totp_enrol.html",
            status=400,
            means_id=means_id,
            secret=enrolment_page.secret_base32,
            qr_svg=enrolment_page.qr_svg,
            next=next_page or "",
            binds=binds,
            error=True,
        )
    level = second_factor_level(db, session.account_id, bound=binds)
    raised = step_up_session(db, cookie_value=cookie, level=level, added_amr=[acr.AMR_OTP], now=now)
    record(
        db,
        at=now,
        event="means.enrolled",
        actor=f"account:{session.account_id}",
        details={"kind": "totp", "bound": binds},
        request_id=request.state.request_id,
    )
    _notify(request, db, session.account_id, event="added", kind="totp", now=now)
    db.commit()
    notice = "totp_enrolled" if binds else "totp_unbound"
    response = render(
        request,
        "security/recovery_codes.html",
        codes=codes,
        continue_link=next_page or f"/account/security?notice={notice}",
    )
    if raised:
        set_cookie(request, response, SESSION, raised[0])
    return response


def _means_changed(post: SessionPost, means_id: str, *, event: Event, kind: str) -> None:
    """Audit a change to one of the holder's means (`means.<event>`) and tell them by mail."""
    record(
        post.db,
        at=post.now,
        event=f"means.{event}",
        actor=f"account:{post.session.account_id}",
        details={"means": means_id},
        request_id=post.request_id,
    )
    _notify(post.request, post.db, post.session.account_id, event=event, kind=kind, now=post.now)


@router.post("/account/security/{means_id}/bind")
def bind(means_id: str, post: SignedInSessionPost) -> Response:
    """Bind an unbound TOTP (module doc): only from a session at `substantial` or above, which
    a TOTP enrolled with the password alone cannot give — in practice, after an eID login."""
    db, session = post.db, post.session
    if session.level < TrustLevel.SUBSTANTIAL:
        db.commit()
        return _page(post.request, db, session, error="security.error.bind_level", status=403)
    if login_means.bind_totp(
        db, account_id=session.account_id, means_id=means_id[:32], now=post.now
    ):
        _means_changed(post, means_id[:32], event="bound", kind="totp")
    db.commit()
    return see_other("/account/security?notice=totp_bound")


@router.post("/account/security/{means_id}/block")
def block(means_id: str, post: SignedInSessionPost) -> Response:
    """Block without using the means (TR-03160-1 §4.4): any signed-in session may do it."""
    db, account_id = post.db, post.session.account_id
    kind = login_means.means_kind(db, account_id=account_id, means_id=means_id[:32])
    if login_means.block_means(db, account_id=account_id, means_id=means_id, now=post.now):
        _means_changed(post, means_id, event="blocked", kind=kind or "")
    db.commit()
    return see_other("/account/security?notice=blocked")


def _after_reauth(post: AccountPost, means_id: str, *, event: Event) -> Response:
    """Remove or unblock one of the holder's means after the re-authentication of the module
    doc; on failure nothing changes and the page says what is needed."""
    request, db, session, account = post.request, post.db, post.session, post.account
    rate_limit(request, "reauthenticate")  # per IP, as the other credential forms (DESIGN §8)
    if not _reauthenticated(request, db, session, account, post.form, post.now):
        db.commit()
        return _page(request, db, session, error="security.error.reauth", status=400)
    kind = login_means.means_kind(db, account_id=account.id, means_id=means_id[:32])
    if event == "removed":
        done = login_means.remove_means(db, account_id=account.id, means_id=means_id[:32])
    else:
        done = login_means.unblock_means(db, account_id=account.id, means_id=means_id[:32])
    if done:
        _means_changed(post, means_id[:32], event=event, kind=kind or "")
    db.commit()
    return see_other(f"/account/security?notice={event}")


@router.post("/account/security/{means_id}/remove")
def remove(means_id: str, post: SignedInPost) -> Response:
    return _after_reauth(post, means_id, event="removed")


@router.post("/account/security/{means_id}/unblock")
def unblock(means_id: str, post: SignedInPost) -> Response:
    return _after_reauth(post, means_id, event="unblocked")
