"""RP-initiated logout pages (OpenID Connect RP-Initiated Logout 1.0 §2–§3)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.accounts.sessions import load_session
from servicekonto.oidc.logout import LogoutRequest, redirect_after, validate_request
from servicekonto.oidc.routes import db_session
from servicekonto.web.pages import (
    check_post,
    clear_cookie,
    cookie_name,
    provider_of,
    render,
    see_other,
)
from servicekonto.web.routes.forms import first, form_fields
from servicekonto.web.routes.signin import sign_out

router = APIRouter(include_in_schema=False)
_PASSED_ON = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


def _finish(request: Request, db: Session, logout: LogoutRequest) -> Response:
    sign_out(request, db, client_id=logout.client.client_id if logout.client else None)
    target = redirect_after(logout)
    response: Response
    if target or request.method == "POST":  # 303 after POST (DESIGN §8)
        response = see_other(target or "/logged-out")
    else:
        response = render(request, "signin/logged_out.html")
    clear_cookie(request, response, "sk_session")
    return response


@router.api_route("/logout", methods=["GET", "POST"])
def end_session_endpoint(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    provider = provider_of(request)
    params = dict(request.query_params) if request.method == "GET" else first(fields)
    logout = validate_request(db, provider, params)
    session = load_session(
        db,
        cookie_value=request.cookies.get(cookie_name(request, "sk_session")),
        now=provider.clock.now(),
    )
    if session is None or (logout.hint_valid and logout.hint_sid == session.sid):
        return _finish(request, db, logout)
    db.commit()
    return render(
        request,
        "signin/logout_confirm.html",
        ui_locales=params.get("ui_locales"),
        action="/logout/confirm",
        client_name=logout.client.name if logout.client else None,
        hidden={k: params[k] for k in _PASSED_ON if params.get(k)},
    )


@router.post("/logout/confirm")
def confirm(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    form = first(fields)
    check_post(request, form)
    logout = validate_request(db, provider_of(request), form)
    if form.get("decision") != "logout":
        target = redirect_after(logout)
        return see_other(target) if target else see_other("/account")
    return _finish(request, db, logout)
