"""The thin bridge between HTTP (FastAPI/Starlette) and the protocol modules.

Each handler parses, calls one protocol function, commits, and renders. Errors are rendered in
one place per surface (`oidc.errors`, registered by the app).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from servicekonto.clients.service import ClientInfo
from servicekonto.errors import (
    InvalidClient,
    InvalidRequest,
    NeedsDatabase,
    OAuthError,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from servicekonto.http.browser import current_session
from servicekonto.http.context import Csrf, Now
from servicekonto.http.cookies import BROWSER, cookie, set_cookie
from servicekonto.http.database import DbSession
from servicekonto.oidc import (
    authorize,
    client_auth,
    discovery,
    grants,
    interaction,
    introspection,
    revocation,
    userinfo,
)
from servicekonto.oidc.errors import NO_STORE, redirect_location
from servicekonto.oidc.presented_token import PresentedToken
from servicekonto.oidc.provider import ProviderDep, provider_of
from servicekonto.security.csrf import CsrfTokens
from servicekonto.signin.pending import open_pending

JSON_HEADERS = {"Cache-Control": "public, max-age=300"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """Form fields as pairs (to detect repeated parameters); files are refused."""
    if request.method != "POST":
        return []
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        return []
    form = await request.form(max_files=0, max_fields=100)
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def single_form(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """RFC 6749 §3.1/§3.2: request parameters must not be included more than once."""
    seen: dict[str, str] = {}
    for name, value in pairs:
        if name in seen:
            raise InvalidRequest(f"parameter {name} repeated")
        seen[name] = value
    return seen


def json_response(body: dict[str, Any], *, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def authenticated_client(
    request: Request, db: DbSession | None, form: dict[str, str], *, endpoint: str, now: datetime
) -> ClientInfo:
    """Client authentication for token, introspection and revocation (RFC 6749 §2.3). Commits at
    once, so a private_key_jwt `jti` stays used even if the request then fails (RFC 7523 §3).
    Without a session (`db` None) only cached clients with secrets pass; others raise
    NeedsDatabase."""
    provider = provider_of(request)
    client = client_auth.authenticate(
        db,
        provider,
        authorization_header=request.headers.get("authorization"),
        form=form,
        endpoint_url=provider.issuer + endpoint,
        now=now,
    )
    if db is not None:
        db.commit()
    return client


router = APIRouter(tags=["oidc"])


@router.get("/.well-known/openid-configuration", include_in_schema=False)
@router.get("/.well-known/oauth-authorization-server", include_in_schema=False)
async def discovery_document(provider: ProviderDep) -> Response:
    return Response(
        discovery.metadata_bytes(provider.issuer),
        media_type="application/json",
        headers=JSON_HEADERS,
    )


@router.get("/jwks", include_in_schema=False)
async def jwks(request: Request) -> Response:
    keys = provider_of(request).keys
    return Response(
        keys.cached_jwks_bytes() or await run_in_threadpool(keys.jwks_bytes),
        media_type="application/jwk-set+json",
        headers=JSON_HEADERS,
    )


@router.api_route("/authorize", methods=["GET", "POST"], include_in_schema=False)
def authorization_endpoint(
    request: Request,
    db: DbSession,
    provider: ProviderDep,
    now: Now,
    csrf_tokens: Csrf,
    pairs: list[tuple[str, str]] = Depends(form_pairs),
) -> Response:
    params = list(request.query_params.multi_items()) if request.method == "GET" else pairs
    client, single = authorize.resolve_client_and_redirect(db, provider, params)
    status = 303 if request.method == "POST" else 302
    # Pending authorizations are bound to this browser through its CSRF cookie (issue 15):
    # the interaction's link opened in another browser is refused.
    known_browser = cookie(request, BROWSER)
    browser = known_browser or CsrfTokens.new_cookie_value()
    try:
        auth_request = authorize.validate(client, single)
        session = current_session(request, db, now)
        if session and authorize.hint_contradicts_session(
            provider, client, single.get("id_token_hint"), session.account_id
        ):
            # Not the person the client expects: a fresh login, or login_required when silent.
            auth_request = replace(auth_request, prompt=[*auth_request.prompt, "login"])
        step = interaction.advance(db, provider, request=auth_request, session=session, now=now)
        if step.target is not None:
            target = step.target
        else:
            pending_id = csrf_tokens.bound_id(browser)
            open_pending(
                db,
                pending_id=pending_id,
                client_id=client.client_id,
                request=auth_request.to_json(),
                now=now,
                ttl=timedelta(seconds=provider.settings.interaction_ttl),
            )
            target = f"/interaction/{pending_id}"
        db.commit()
    except OAuthError as exc:
        if exc.redirect_uri is None:  # not to be redirected: the error page
            raise
        db.commit()
        target = redirect_location(exc, issuer=provider.issuer)
    response = RedirectResponse(target, status_code=status, headers={"Cache-Control": "no-store"})
    if not known_browser:
        set_cookie(request, response, BROWSER, browser)
    return response


@router.post("/token", include_in_schema=False)
async def token_endpoint(
    request: Request, pairs: list[tuple[str, str]] = Depends(form_pairs)
) -> Response:
    form = single_form(pairs)
    if form.get("grant_type") == "client_credentials":
        try:
            # A cached client proving its secret needs no database: served right here, this
            # saves the thread-pool hop, about as much CPU as the rest of the request
            # (DESIGN §10, bench/run.py). Other grants always write, so they go straight on.
            return _token(request, None, form)
        except NeedsDatabase:
            pass
    return await run_in_threadpool(_token_in_session, request, form)


def _token_in_session(request: Request, form: dict[str, str]) -> Response:
    with provider_of(request).sessions() as db:
        return _token(request, db, form)


def _token(request: Request, db: DbSession | None, form: dict[str, str]) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    client = authenticated_client(request, db, form, endpoint="/token", now=now)
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    if grant_type not in grants.GRANT_TYPES:
        raise UnsupportedGrantType("grant_type is not supported")
    if grant_type not in client.grant_types:
        raise UnauthorizedClient("grant_type not allowed for this client")
    if grant_type == "client_credentials":
        if db is None and not provider.keys.is_loaded():
            raise NeedsDatabase("the signing keys are not loaded yet")
        return json_response(grants.client_credentials(provider, client, form, now).as_response())
    assert db is not None, "only client_credentials is tried without a session"
    try:
        if grant_type == "authorization_code":
            tokens = grants.authorization_code(db, provider, client, form, now)
        else:
            tokens = grants.refresh_token(db, provider, client, form, now)
    except grants.GrantReplay:
        db.commit()  # the revocation a replay causes must stick
        raise
    db.commit()
    return json_response(tokens.as_response())


@router.api_route("/userinfo", methods=["GET", "POST"], include_in_schema=False)
async def userinfo_endpoint(
    request: Request, pairs: list[tuple[str, str]] = Depends(form_pairs)
) -> Response:
    in_query_or_body = "access_token" in request.query_params or any(
        k == "access_token" for k, _ in pairs
    )
    bearer = userinfo.bearer_token(
        request.headers.get("authorization"), query_or_body_token=in_query_or_body
    )
    return await _reading(request, _userinfo, request, bearer)


def _userinfo(request: Request, bearer: str) -> Response:
    provider = provider_of(request)
    with provider.reading() as db:
        body = userinfo.userinfo(db, provider, bearer, now=provider.clock.now())
    return json_response(body)


@router.post("/introspect", include_in_schema=False)
async def introspection_endpoint(
    request: Request, pairs: list[tuple[str, str]] = Depends(form_pairs)
) -> Response:
    form = single_form(pairs)
    if "client_assertion" in form:  # its jti is recorded (RFC 7523 §3): a write
        return await run_in_threadpool(_introspection, request, form, writes=True)
    return await _reading(request, _introspection, request, form, writes=False)


def _introspection(request: Request, form: dict[str, str], *, writes: bool) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    with provider.sessions() if writes else provider.reading() as db:
        caller = authenticated_client(request, db, form, endpoint="/introspect", now=now)
        if caller.is_public:
            raise InvalidClient("public clients cannot introspect")
        body = introspection.introspect(
            db, provider, caller, PresentedToken.from_form(form), now=now
        )
    return json_response(body)


async def _reading(
    request: Request, work: Callable[..., Response], *args: Any, **kwargs: Any
) -> Response:
    """Run a read-only request's work. On SQLite a read is an in-process call of some tens of
    microseconds that never waits for a writer (WAL, no write lock: db.engine), cheaper than the
    thread-pool hop, and 40 pool threads fighting over the GIL gave multi-second p99s under load
    (bench/run.py); so it runs on the event loop. A network database keeps the thread pool."""
    if provider_of(request).settings.sqlalchemy_url.startswith("sqlite"):
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)


@router.post("/revoke", include_in_schema=False)
def revocation_endpoint(
    request: Request,
    db: DbSession,
    provider: ProviderDep,
    now: Now,
    pairs: list[tuple[str, str]] = Depends(form_pairs),
) -> Response:
    form = single_form(pairs)
    caller = authenticated_client(request, db, form, endpoint="/revoke", now=now)
    revocation.revoke(db, provider, caller, PresentedToken.from_form(form), now=now)
    db.commit()
    return Response(status_code=200, headers=NO_STORE)
