"""RP-initiated logout pages (OpenID Connect RP-Initiated Logout 1.0 §2–§3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.http.browser import CurrentSession
from servicekonto.http.cookies import SESSION, clear_cookie
from servicekonto.http.database import DbSession
from servicekonto.http.forms import FormData, PostedForm
from servicekonto.oidc.logout import LogoutRequest, redirect_after, validate_request
from servicekonto.oidc.provider import ProviderDep, provider_of
from servicekonto.web.pages import render, see_other
from servicekonto.web.routes.signin import sign_out

router = APIRouter(include_in_schema=False)
_PASSED_ON = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales")


def _finish(request: Request, db: DbSession, logout: LogoutRequest) -> Response:
    sign_out(request, db, client_id=logout.client.client_id if logout.client else None)
    target = redirect_after(logout)
    response: Response
    if target or request.method == "POST":  # 303 after POST (DESIGN §8)
        response = see_other(target or "/logged-out")
    else:
        response = render(request, "signin/logged_out.html")
    clear_cookie(request, response, SESSION)
    return response


@router.api_route("/logout", methods=["GET", "POST"])
def end_session_endpoint(
    request: Request,
    form: FormData,
    db: DbSession,
    provider: ProviderDep,
    session: CurrentSession,
) -> Response:
    """Other sites post here by design (the RP's logout link or form): no CSRF check."""
    params = dict(request.query_params) if request.method == "GET" else dict(form)
    logout = validate_request(db, provider, params)
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
def confirm(request: Request, form: PostedForm, db: DbSession) -> Response:
    logout = validate_request(db, provider_of(request), form)
    if form.get("decision") != "logout":
        target = redirect_after(logout)
        return see_other(target) if target else see_other("/account")
    return _finish(request, db, logout)
