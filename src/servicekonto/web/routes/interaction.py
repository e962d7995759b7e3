"""The pages of an authorization request (DESIGN §5 interaction order): login (password, then the
second factor when one is enrolled, or the eID), step-up, consent, cancel."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import get_account
from servicekonto.audit.service import record
from servicekonto.consent.service import grant
from servicekonto.db.models import PendingAuthorization
from servicekonto.oidc import codes, interaction, redirects
from servicekonto.oidc.authorize import AuthorizationRequest
from servicekonto.oidc.claims import claims_for_scopes, consent_choices, with_dependents
from servicekonto.oidc.routes import db_session
from servicekonto.security.csrf import CsrfTokens
from servicekonto.web.display import attribute_text, claim_values
from servicekonto.web.pages import (
    PageRefused,
    check_post,
    cookie_name,
    error_page,
    provider_of,
    render,
    see_other,
    set_cookie,
)
from servicekonto.web.routes.eid import eid_choice
from servicekonto.web.routes.forms import first, form_fields
from servicekonto.web.routes.signin import (
    current_session,
    password_sign_in,
    second_factor_sign_in,
    wants_second_factor,
)


def _same_browser(pending_id: str, request: Request) -> None:
    """A pending authorization continues only in the browser that sent the authorization
    request: its id carries an HMAC of the browser's CSRF cookie (oidc.routes, issue 15)."""
    csrf: CsrfTokens = request.app.state.csrf
    if not csrf.is_bound(pending_id, request.cookies.get(cookie_name(request, "sk_csrf"))):
        raise PageRefused(
            "pending authorization of another browser",
            message_key="error.interaction_other_browser",
        )


router = APIRouter(include_in_schema=False, dependencies=[Depends(_same_browser)])


def _pending(db: Session, pending_id: str, now: datetime) -> PendingAuthorization | None:
    pending = db.get(PendingAuthorization, pending_id[:64])
    if pending is None or pending.expires_at <= now:
        return None
    return pending


def _expired(request: Request) -> Response:
    return error_page(
        request, status=400, title_key="error.title", message_key="error.interaction_expired"
    )


def _finish_with_error(
    db: Session,
    request: Request,
    pending: PendingAuthorization,
    exc: redirects.AuthorizationResponseError,
) -> Response:
    db.delete(pending)
    db.commit()
    return see_other(redirects.error(exc, issuer=provider_of(request).issuer))


def _login_page(
    request: Request,
    db: Session,
    pending: PendingAuthorization,
    auth: AuthorizationRequest,
    *,
    error: bool = False,
) -> Response:
    client = provider_of(request).clients.get(db, auth.client_id)
    return render(
        request,
        "signin/login.html",
        status=200,
        ui_locales=auth.ui_locales,
        action=f"/interaction/{pending.id}/login",
        client_name=client.name if client else None,
        login_hint=auth.login_hint or "",
        error=error,
        cancel_action=f"/interaction/{pending.id}/cancel",
        **eid_choice(request, pending_id=pending.id, purpose="login"),
    )


def _step_up_page(
    request: Request,
    db: Session,
    pending: PendingAuthorization,
    auth: AuthorizationRequest,
    decision: interaction.Decision,
    means: interaction.StepUpMeans,
) -> Response:
    client = provider_of(request).clients.get(db, auth.client_id)
    assert decision.level is not None
    substantial_by_totp = decision.level <= TrustLevel.SUBSTANTIAL and means.identity_substantial
    return render(
        request,
        "signin/step_up.html",
        ui_locales=auth.ui_locales,
        client_name=client.name if client else "",
        level_label=f"level.{decision.level.label}",
        essential=decision.essential,
        # Only means that can reach the level (issue 10 item 10): a TOTP enrolled now, from this
        # password session, would count as `low`, so enrolment is not offered here.
        otp_action=f"/interaction/{pending.id}/otp" if substantial_by_totp and means.totp else None,
        totp_unbound=means.totp_unbound,
        identity_basic=not means.identity_substantial,
        skip_action=None if decision.essential else f"/interaction/{pending.id}/skip-step-up",
        cancel_action=f"/interaction/{pending.id}/cancel",
        **eid_choice(request, pending_id=pending.id, purpose="step_up"),
    )


def _otp_page(
    request: Request, pending: PendingAuthorization, auth: AuthorizationRequest, *, error: bool
) -> Response:
    return render(
        request,
        "signin/otp.html",
        status=400 if error else 200,
        ui_locales=auth.ui_locales,
        action=f"/interaction/{pending.id}/otp",
        error=error,
        continue_link=f"/interaction/{pending.id}",
        cancel_action=f"/interaction/{pending.id}/cancel",
    )


def _offered(auth: AuthorizationRequest) -> set[str]:
    """Every identity claim this request asks for (by scope or by name)."""
    return claims_for_scopes(set(auth.scopes)) | auth.claims_parameter.requested_identity_claims()


def _present(db: Session, account_id: str, offered: set[str]) -> dict[str, object]:
    """The values of the offered claims the account has; the page lists only these."""
    account = get_account(db, account_id)
    return claim_values(account, offered) if account is not None else {}


def _consent_page(
    request: Request, db: Session, pending: PendingAuthorization, auth: AuthorizationRequest
) -> Response:
    client = provider_of(request).clients.get(db, auth.client_id)
    essential = auth.claims_parameter.essential_identity_claims()
    session = current_session(request, db)
    offered = _offered(auth)
    values = _present(db, session.account_id, offered) if session else {}
    return render(
        request,
        "interaction/consent.html",
        ui_locales=auth.ui_locales,
        action=f"/interaction/{pending.id}/consent",
        client_name=client.name if client else "",
        claims=[
            {"name": n, "required": n in essential, "value": attribute_text(n, values[n])}
            for n in consent_choices(offered)
            if n in values
        ],
        offline_access="offline_access" in auth.scopes,
        scopes=[
            s
            for s in auth.scopes
            if s not in ("openid", "offline_access", "profile", "email", "address")
        ],
    )


@router.get("/interaction/{pending_id}")
def resume(pending_id: str, request: Request, db: Session = Depends(db_session)) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    pending = _pending(db, pending_id, now)
    if pending is None:
        return _expired(request)
    auth = AuthorizationRequest.from_json(pending.request)
    session = current_session(request, db)
    logged_in_here = bool(
        session and pending.login_done_at and session.auth_time >= pending.login_done_at
    )
    try:
        step = interaction.advance(
            db,
            provider,
            request=auth,
            session=session,
            now=now,
            logged_in_during_request=logged_in_here,
            step_up_declined=pending.step_up_declined,
        )
    except redirects.AuthorizationResponseError as exc:
        return _finish_with_error(db, request, pending, exc)
    if step.target is not None:
        db.delete(pending)
        db.commit()
        return RedirectResponse(step.target, status_code=303, headers={"Cache-Control": "no-store"})
    db.commit()
    return _page_for(request, db, pending, auth, step)


def _page_for(
    request: Request,
    db: Session,
    pending: PendingAuthorization,
    auth: AuthorizationRequest,
    step: interaction.Advance,
) -> Response:
    """The page of the prompt the policy chose (oidc.interaction)."""
    if step.decision.step is interaction.Step.LOGIN:
        return _login_page(request, db, pending, auth)
    if step.decision.step is interaction.Step.STEP_UP:
        assert step.means is not None  # a step-up is only decided on means that reach it
        return _step_up_page(request, db, pending, auth, step.decision, step.means)
    # Step.ACTING_AS is never chosen yet (its check is always satisfied): company accounts
    # add its page here.
    return _consent_page(request, db, pending, auth)


@router.post("/interaction/{pending_id}/login")
def login(
    pending_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    form = first(fields)
    check_post(request, form)
    pending = _pending(db, pending_id, now)
    if pending is None:
        return _expired(request)
    auth = AuthorizationRequest.from_json(pending.request)
    signed_in = password_sign_in(request, db, form, client_id=auth.client_id)
    if signed_in is None:
        return _login_page(request, db, pending, auth, error=True)
    cookie_value, account_id = signed_in
    pending.login_done_at = now
    ask_code = wants_second_factor(db, account_id)
    db.commit()
    target = f"/interaction/{pending.id}/otp" if ask_code else f"/interaction/{pending.id}"
    response = see_other(target)
    set_cookie(request, response, "sk_session", cookie_value)
    return response


@router.get("/interaction/{pending_id}/otp")
def otp_form(pending_id: str, request: Request, db: Session = Depends(db_session)) -> Response:
    pending = _pending(db, pending_id, provider_of(request).clock.now())
    if pending is None:
        return _expired(request)
    return _otp_page(request, pending, AuthorizationRequest.from_json(pending.request), error=False)


@router.post("/interaction/{pending_id}/otp")
def otp(
    pending_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    form = first(fields)
    check_post(request, form)
    pending = _pending(db, pending_id, now)
    if pending is None:
        return _expired(request)
    auth = AuthorizationRequest.from_json(pending.request)
    cookie_value = second_factor_sign_in(request, db, form.get("otp", ""), client_id=auth.client_id)
    if cookie_value is None:
        return _otp_page(request, pending, auth, error=True)
    pending.login_done_at = now
    db.commit()
    response = see_other(f"/interaction/{pending.id}")
    set_cookie(request, response, "sk_session", cookie_value)
    return response


@router.post("/interaction/{pending_id}/skip-step-up")
def skip_step_up(
    pending_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    """Go on at the session's level; only ever reached for a voluntary level (decide())."""
    form = first(fields)
    check_post(request, form)
    pending = _pending(db, pending_id, provider_of(request).clock.now())
    if pending is None:
        return _expired(request)
    pending.step_up_declined = True
    db.commit()
    return see_other(f"/interaction/{pending.id}")


@router.post("/interaction/{pending_id}/consent")
def consent(
    pending_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    form = first(fields)
    check_post(request, form)
    pending = _pending(db, pending_id, now)
    if pending is None:
        return _expired(request)
    auth = AuthorizationRequest.from_json(pending.request)
    session = current_session(request, db)
    if session is None:
        db.commit()
        return see_other(f"/interaction/{pending.id}")
    if form.get("decision") != "allow":
        record(
            db,
            at=now,
            event="consent.denied",
            actor=f"account:{session.account_id}",
            subject=f"client:{auth.client_id}",
            request_id=request.state.request_id,
        )
        return _finish_with_error(
            db,
            request,
            pending,
            redirects.AuthorizationResponseError(
                "access_denied",
                "the end-user denied the request",
                redirect_uri=auth.redirect_uri,
                state=auth.state,
            ),
        )
    offered = _offered(auth)
    # The page lists only claims the account has a value for. The others were not shown, so
    # they cannot have been deselected: they stay in the consent as the default-checked box
    # left them before (what is released is unchanged; an absent claim releases nothing).
    unshown = offered - set(_present(db, session.account_id, offered))
    chosen = {value for name, value in fields if name == "claims"} & offered
    chosen |= auth.claims_parameter.essential_identity_claims() & offered
    chosen |= unshown
    chosen = with_dependents(chosen, offered)
    scopes = set(auth.scopes) - {"openid"}
    granted = grant(
        db,
        account_id=session.account_id,
        client_id=auth.client_id,
        scopes=scopes,
        claims=chosen,
        now=now,
        offered=offered,
    )
    record(
        db,
        at=now,
        event="consent.granted",
        actor=f"account:{session.account_id}",
        subject=f"client:{auth.client_id}",
        details={"scopes": sorted(scopes), "claims": sorted(chosen)},
        request_id=request.state.request_id,
    )
    db.flush()
    target = codes.complete(db, provider, request=auth, session=session, consent=granted, now=now)
    db.delete(pending)
    db.commit()
    return see_other(target)


@router.post("/interaction/{pending_id}/cancel")
def cancel(
    pending_id: str,
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    provider = provider_of(request)
    form = first(fields)
    check_post(request, form)
    pending = _pending(db, pending_id, provider.clock.now())
    if pending is None:
        return _expired(request)
    auth = AuthorizationRequest.from_json(pending.request)
    return _finish_with_error(
        db,
        request,
        pending,
        redirects.AuthorizationResponseError(
            "access_denied",
            "the end-user cancelled the login",
            redirect_uri=auth.redirect_uri,
            state=auth.state,
        ),
    )
