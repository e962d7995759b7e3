"""The holder's login means (TR-03160-1 §4.2, §4.4): the list, TOTP enrolment with recovery codes,
blocking without using the means, removal after re-authentication, and the code prompt after a
password login on the account pages.

Enrolment needs a session at the level the account's strongest other means reaches, capped at
`substantial` (TR-03160-1 §4.2: register a new means at ≥ its level, or at the current maximum
when upgrading); a password-only account enrols from its `low` session. Confirming the code in
the same session is the first use of the new means, so it lifts the session right away.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.accounts import means as login_means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import authenticate_password, get_account
from servicekonto.accounts.sessions import ActiveSession, step_up_session
from servicekonto.audit.service import record
from servicekonto.errors import Conflict, InvalidInput, NotFound
from servicekonto.oidc import acr
from servicekonto.oidc.routes import db_session
from servicekonto.security.sealing import Sealer
from servicekonto.web.pages import (
    check_post,
    local_path,
    provider_of,
    render,
    see_other,
    set_cookie,
)
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.forms import first, form_fields
from servicekonto.web.routes.signin import (
    current_session,
    second_factor_level,
    second_factor_sign_in,
    session_cookie,
)

router = APIRouter(include_in_schema=False)
GERMAN_TIME = ZoneInfo("Europe/Berlin")
#: Removing a means without a password needs an eID login at most this old.
RECENT_LOGIN = timedelta(minutes=5)
NOTICES = {"eid_linked", "totp_enrolled", "blocked", "removed"}


def _local_next(value: str | None) -> str | None:
    """Only our own interaction pages may be a `next` target (no open redirect)."""
    if value and value.startswith("/interaction/") and "//" not in value and "\\" not in value:
        return value
    return None


def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.totp_sealer
    return sealer


def _enrol_level(db: Session, account_id: str) -> TrustLevel:
    """The session level a new TOTP needs (module doc)."""
    strongest = TrustLevel.LOW
    for item in login_means.list_means(db, account_id):
        if item.state == "active":
            strongest = max(strongest, TrustLevel.HIGH if item.kind == "eid" else TrustLevel.LOW)
    return min(strongest, TrustLevel.SUBSTANTIAL)


def _when(moment: datetime | None) -> str:
    if moment is not None:
        return moment.astimezone(GERMAN_TIME).strftime("%d.%m.%Y %H:%M")
    return ""


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
        "otp.html",
        action=_otp_action(next_page),
        error=False,
        continue_link=next_page or "/account",
        cancel_action=None,
    )


@router.post("/login/otp")
def otp(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    form = first(fields)
    check_post(request, form)
    next_page = _after_login(request)
    cookie_value = second_factor_sign_in(request, db, form.get("otp", ""))
    if cookie_value is None:
        return render(
            request,
            "otp.html",
            status=400,
            action=_otp_action(next_page),
            error=True,
            continue_link=next_page or "/account",
            cancel_action=None,
        )
    response = see_other(next_page or "/account")
    set_cookie(request, response, "sk_session", cookie_value)
    return response


def _page(
    request: Request,
    db: Session,
    session: ActiveSession,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    account = get_account(db, session.account_id)
    items = login_means.list_means(db, session.account_id)
    notice = request.query_params.get("notice")
    return render(
        request,
        "security.html",
        status=status,
        level_label=f"level.{session.level.label}",
        has_password=bool(account and account.password_hash),
        means=[
            {
                "id": item.id,
                "kind": item.kind,
                "state": item.state,
                "label": item.label,
                "created_at": _when(item.created_at),
                "last_used_at": _when(item.last_used_at),
                "recovery_codes_left": item.recovery_codes_left,
            }
            for item in items
            if item.state != "pending"
        ],
        can_enrol_totp=not any(i.kind == "totp" and i.state != "pending" for i in items),
        notice=f"security.notice.{notice}" if notice in NOTICES else None,
        error=error,
        **eid_choice(request, pending_id=None, purpose="step_up"),
    )


@router.get("/account/security")
def overview(request: Request, db: Session = Depends(db_session)) -> Response:
    session = current_session(request, db)
    db.commit()
    if session is None:
        return see_other("/login")
    return _page(request, db, session)


@router.get("/account/security/totp")
def enrol_form(request: Request, db: Session = Depends(db_session)) -> Response:
    provider = provider_of(request)
    session = current_session(request, db)
    if session is None:
        db.commit()
        return see_other("/login")
    next_page = _local_next(request.query_params.get("next"))
    needed = _enrol_level(db, session.account_id)
    if session.level < needed:
        db.commit()
        return _page(request, db, session, error="security.error.level_too_low", status=403)
    account = get_account(db, session.account_id)
    try:
        enrolment = login_means.start_totp_enrolment(
            db,
            account_id=session.account_id,
            sealer=_sealer(request),
            now=provider.clock.now(),
            account_name=(account.email if account and account.email else "ServiceKonto"),
            issuer="ServiceKonto",
        )
    except Conflict:
        db.commit()
        return see_other("/account/security")
    db.commit()
    return render(
        request,
        "totp_enrol.html",
        means_id=enrolment.means_id,
        secret=enrolment.secret_base32,
        qr_svg=enrolment.qr_svg,
        next=next_page or "",
        error=False,
    )


@router.post("/account/security/totp")
def enrol(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    form = first(fields)
    check_post(request, form)
    session = current_session(request, db)
    cookie = session_cookie(request)
    if session is None or cookie is None:
        db.commit()
        return see_other("/login")
    next_page = _local_next(form.get("next"))
    means_id = form.get("means_id", "")
    try:
        codes = login_means.confirm_totp_enrolment(
            db,
            account_id=session.account_id,
            means_id=means_id,
            code=form.get("otp", ""),
            sealer=_sealer(request),
            now=now,
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
            db, account_id=session.account_id, sealer=_sealer(request), means_id=means_id
        )
        if enrolment_page is None:
            return see_other("/account/security/totp")
        return render(
            request,
            "totp_enrol.html",
            status=400,
            means_id=means_id,
            secret=enrolment_page.secret_base32,
            qr_svg=enrolment_page.qr_svg,
            next=next_page or "",
            error=True,
        )
    level = second_factor_level(db, session.account_id)
    raised = step_up_session(db, cookie_value=cookie, level=level, added_amr=[acr.AMR_OTP], now=now)
    record(
        db,
        at=now,
        event="means.enrolled",
        actor=f"account:{session.account_id}",
        details={"kind": "totp"},
        request_id=request.state.request_id,
    )
    db.commit()
    response = render(
        request,
        "recovery_codes.html",
        codes=codes,
        continue_link=next_page or "/account/security?notice=totp_enrolled",
    )
    if raised:
        set_cookie(request, response, "sk_session", raised[0])
    return response


@router.post("/account/security/{means_id}/block")
def block(
    means_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    """Block without using the means (TR-03160-1 §4.4): any signed-in session may do it."""
    now = provider_of(request).clock.now()
    form = first(fields)
    check_post(request, form)
    session = current_session(request, db)
    if session is None:
        db.commit()
        return see_other("/login")
    if login_means.block_means(db, account_id=session.account_id, means_id=means_id, now=now):
        record(
            db,
            at=now,
            event="means.blocked",
            actor=f"account:{session.account_id}",
            details={"means": means_id},
            request_id=request.state.request_id,
        )
    db.commit()
    return see_other("/account/security?notice=blocked")


@router.post("/account/security/{means_id}/remove")
def remove(
    means_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    """Remove after re-authenticating: the password again, or a fresh eID login."""
    provider = provider_of(request)
    now = provider.clock.now()
    form = first(fields)
    check_post(request, form)
    session = current_session(request, db)
    if session is None:
        db.commit()
        return see_other("/login")
    account = get_account(db, session.account_id)
    if account is None:
        db.commit()
        return see_other("/login")
    if account.password_hash and account.email:
        # through the throttled path: a re-entered password is a guess like any other
        ok = (
            authenticate_password(
                db,
                hashing=provider.hashing,
                now=now,
                email=account.email,
                password=form.get("password", ""),
            )
            is not None
        )
    else:
        ok = session.level >= TrustLevel.HIGH and now - session.auth_time <= RECENT_LOGIN
    if not ok:
        db.commit()
        return _page(request, db, session, error="security.error.reauth", status=400)
    if login_means.remove_means(db, account_id=session.account_id, means_id=means_id):
        record(
            db,
            at=now,
            event="means.removed",
            actor=f"account:{session.account_id}",
            details={"means": means_id},
            request_id=request.state.request_id,
        )
    db.commit()
    return see_other("/account/security?notice=removed")
