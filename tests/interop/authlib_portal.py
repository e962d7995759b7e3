"""A tiny municipal portal written the way authlib's Starlette documentation shows it.

It is a relying party of ServiceKonto and runs as its own uvicorn process
(`uvicorn --app-dir tests/interop authlib_portal:app`). It knows the provider only through the
discovery document, so it must not import servicekonto. Configuration comes from the environment:

- PORTAL_ISSUER: ServiceKonto's issuer URL
- PORTAL_CLIENT_ID, PORTAL_CLIENT_SECRET: this portal's registration
- PORTAL_PORT: the port this portal listens on (its redirect URIs are built from it)
- PORTAL_SESSION_SECRET: the key of Starlette's signed session cookie (optional)
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

ISSUER = os.environ["PORTAL_ISSUER"].rstrip("/")
BASE_URL = f"http://127.0.0.1:{os.environ['PORTAL_PORT']}"
SCOPE = "openid profile email offline_access"

oauth = OAuth()
oauth.register(
    name="servicekonto",
    server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
    client_id=os.environ["PORTAL_CLIENT_ID"],
    client_secret=os.environ["PORTAL_CLIENT_SECRET"],
    client_kwargs={"scope": SCOPE, "code_challenge_method": "S256"},
)
servicekonto: Any = oauth.servicekonto

# Tokens stay in this process, keyed by a random id in the session: a signed cookie holding an ID
# token, an access token and the userinfo would approach the browsers' 4 KB cookie limit.
# One uvicorn worker, so a dict is enough.
TOKENS: dict[str, dict[str, Any]] = {}


def _error(error: str, description: str | None, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


async def home(request: Request) -> Response:
    """The portal's start page: what it knows about the signed-in person, as JSON."""
    user = request.session.get("user")
    if not user:
        return JSONResponse({"logged_in": False})
    return JSONResponse({"logged_in": True, **user})


async def login(request: Request) -> Response:
    # A portal that needs a trust level asks for it; the test passes either form through.
    extra = {
        name: request.query_params[name]
        for name in ("acr_values", "claims")
        if name in request.query_params
    }
    redirect: Response = await servicekonto.authorize_redirect(
        request, f"{BASE_URL}/callback", **extra
    )
    return redirect


async def callback(request: Request) -> Response:
    metadata = await servicekonto.load_server_metadata()
    # RFC 9207 §2.4: authlib does not check the `iss` authorization response parameter, so the
    # portal does, as the provider advertises it.
    if metadata.get("authorization_response_iss_parameter_supported") and (
        request.query_params.get("iss") != metadata["issuer"]
    ):
        return _error("issuer_mismatch", "iss does not name our provider")
    try:
        # Checks `state` against the session, redeems the code with the PKCE verifier and
        # validates the ID token (signature from the JWKS, alg, iss, aud, exp, nonce, at_hash).
        token = await servicekonto.authorize_access_token(request)
        userinfo = await servicekonto.userinfo(token=token)
    except OAuthError as exc:
        return _error(exc.error, exc.description)
    token_id = secrets.token_urlsafe(16)
    TOKENS[token_id] = dict(token)
    request.session["token_id"] = token_id
    request.session["user"] = {
        "id_token_claims": dict(token["userinfo"]),
        "userinfo": dict(userinfo),
    }
    return RedirectResponse(f"{BASE_URL}/", status_code=303)


def _tokens(request: Request) -> dict[str, Any] | None:
    return TOKENS.get(request.session.get("token_id", ""))


async def refresh(request: Request) -> Response:
    tokens = _tokens(request)
    if tokens is None or "refresh_token" not in tokens:
        return _error("login_required", "no refresh token in this session", 401)
    try:
        fresh = await servicekonto.fetch_access_token(
            grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        userinfo = await servicekonto.userinfo(token=fresh)
    except OAuthError as exc:
        return _error(exc.error, exc.description)
    # A refresh response need not repeat the ID token or a refresh token (OIDC Core §12.2,
    # RFC 6749 §6); keep what it leaves out.
    tokens.update(fresh)
    return JSONResponse({"userinfo": dict(userinfo)})


async def tokens_page(request: Request) -> Response:
    """Only for the test: the tokens this portal holds, so it can check them at the provider."""
    tokens = _tokens(request)
    if tokens is None:
        return _error("login_required", "not logged in", 401)
    return JSONResponse({k: v for k, v in tokens.items() if k != "userinfo"})


async def logout(request: Request) -> Response:
    """RP-initiated logout with the ID token as hint; the portal's own session ends first."""
    tokens = TOKENS.pop(request.session.pop("token_id", ""), None)
    request.session.pop("user", None)
    redirect: Response = await servicekonto.logout_redirect(
        request,
        post_logout_redirect_uri=f"{BASE_URL}/logged-out",
        id_token_hint=tokens["id_token"] if tokens else None,
    )
    return redirect


async def logged_out(request: Request) -> Response:
    try:
        await servicekonto.validate_logout_response(request)
    except OAuthError as exc:
        return _error(exc.error, exc.description)
    return JSONResponse({"logged_out": True})


app = Starlette(
    routes=[
        Route("/", home),
        Route("/login", login),
        Route("/callback", callback),
        Route("/refresh", refresh),
        Route("/tokens", tokens_page),
        Route("/logout", logout),
        Route("/logged-out", logged_out),
    ],
    middleware=[
        Middleware(
            SessionMiddleware,
            secret_key=os.environ.get("PORTAL_SESSION_SECRET") or secrets.token_urlsafe(32),
            # Cookies ignore ports, and ServiceKonto runs on the same host in the test: a name
            # of our own keeps the two sites' cookies apart.
            session_cookie="portal_session",
            same_site="lax",
            https_only=False,
        )
    ],
)
