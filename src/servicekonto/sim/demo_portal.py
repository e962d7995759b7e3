"""The demo portal: a real OIDC relying party of this service, talking to it over HTTP with
authlib's client, as a municipal portal would. Code flow with PKCE, `state`, `nonce`, the RFC 9207
`iss` check, ID-token validation against the published JWKS, userinfo, RP-initiated logout and a
back-channel logout receiver.

Its own login state (pending logins, logged-in sessions) lives in a small SQLite file in the data
directory, bounded: `serve --workers N` runs N processes, and the callback, the next page load and
the back-channel logout may each land on a different one.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import urlencode

import httpx
import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Request
from fastapi.responses import Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from servicekonto.accounts.levels import TrustLevel
from servicekonto.catalogue.service import FAVORITES_CLAIM, FAVORITES_SCOPE
from servicekonto.http.context import context_of
from servicekonto.http.cookies import clear_cookie, cookie_name
from servicekonto.http.forms import FormData
from servicekonto.oidc import acr
from servicekonto.oidc.organisation_claims import READABLE_ORGANIZATION_CLAIMS
from servicekonto.security.secrets import derive_key, keyed_digest, random_token
from servicekonto.sim.state_files import data_dir_transaction
from servicekonto.web.pages import render, see_other

CLIENT_ID = "demo-portal"
VERIFIED_CLAIMS = (
    "given_name",
    "family_name",
    "birthdate",
    "place_of_birth",
    "nationalities",
    "address",
)
LEVELS = {
    "low": "demo.login_low",
    "substantial": "demo.login_substantial",
    "high": "demo.login_high",
}
router = APIRouter(prefix="/demo-portal", include_in_schema=False)


def demo_client_secret(secret_key: str, client_id: str) -> str:
    """Demo clients' secrets are derived from the server secret, so `demo` stays idempotent."""
    return keyed_digest(derive_key(secret_key, "demo-client-secret"), client_id)


class _Store:
    """Bounded store of JSON values by key, one `kind` of entries in the file
    `<data_dir>/demo-portal.sqlite3` that every worker process of the server shares.

    Process memory would not do: with `serve --workers 2` a back-channel logout reaching the other
    worker left the person logged in at the portal, and a callback there failed its `state`.
    """

    FILE = "demo-portal.sqlite3"
    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS entries (n INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
        "key TEXT NOT NULL, sid TEXT, sub TEXT, value TEXT NOT NULL, UNIQUE (kind, key))"
    )

    def __init__(self, kind: str, limit: int = 1000) -> None:
        self._kind = kind
        self._limit = limit

    def _db(self, request: Request) -> AbstractContextManager[sqlite3.Connection]:
        # IMMEDIATE: read-then-delete (pop) must not race a writer in another worker
        return data_dir_transaction(request, self.FILE, self.SCHEMA)

    def put(self, request: Request, key: str, value: dict[str, Any]) -> None:
        # sid and sub get columns of their own: a back-channel logout looks sessions up by them
        with self._db(request) as db:
            db.execute(
                "INSERT OR REPLACE INTO entries (kind, key, sid, sub, value) "
                "VALUES (?, ?, ?, ?, ?)",
                (self._kind, key, value.get("sid"), value.get("sub"), json.dumps(value)),
            )
            db.execute(
                "DELETE FROM entries WHERE kind = ? AND n <= "
                "(SELECT MAX(n) FROM entries WHERE kind = ?) - ?",
                (self._kind, self._kind, self._limit),
            )

    def get(self, request: Request, key: str) -> dict[str, Any] | None:
        with self._db(request) as db:
            return self._read(db, key)

    def pop(self, request: Request, key: str) -> dict[str, Any] | None:
        with self._db(request) as db:
            value = self._read(db, key)
            db.execute("DELETE FROM entries WHERE kind = ? AND key = ?", (self._kind, key))
        return value

    def drop_where(self, request: Request, field: str, value: str) -> int:
        query = {
            "sid": "DELETE FROM entries WHERE kind = ? AND sid = ?",
            "sub": "DELETE FROM entries WHERE kind = ? AND sub = ?",
        }[field]
        with self._db(request) as db:
            return db.execute(query, (self._kind, value)).rowcount

    def _read(self, db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
        row = db.execute(
            "SELECT value FROM entries WHERE kind = ? AND key = ?", (self._kind, key)
        ).fetchone()
        if row is None:
            return None
        value: dict[str, Any] = json.loads(row[0])
        return value


_pending = _Store("pending")
_sessions = _Store("session")
_metadata: dict[str, Any] = {}
_metadata_lock = threading.Lock()


def _issuer(request: Request) -> str:
    return context_of(request).issuer


def _discover(issuer: str) -> dict[str, Any]:
    with _metadata_lock:
        if _metadata.get("issuer") == issuer and time.monotonic() < _metadata["_expires"]:
            return _metadata
    document = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
    keys = httpx.get(document["jwks_uri"], timeout=5).json()
    with _metadata_lock:
        _metadata.clear()
        _metadata.update(document, _keys=keys, _expires=time.monotonic() + 60)
        return dict(_metadata)


def _client(request: Request) -> OAuth2Client:
    provider = context_of(request)
    return OAuth2Client(
        client_id=CLIENT_ID,
        client_secret=demo_client_secret(provider.settings.secret_key, CLIENT_ID),
        redirect_uri=f"{provider.issuer}/demo-portal/callback",
        token_endpoint_auth_method="client_secret_basic",
        timeout=10,
    )


def _validate_id_token(id_token: str, metadata: dict[str, Any], nonce: str) -> dict[str, Any]:
    token = jwt.decode(
        id_token, KeySet.import_key_set(metadata["_keys"]), algorithms=["ES256", "RS256", "PS256"]
    )
    claims = dict(token.claims)
    if claims.get("iss") != metadata["issuer"] or claims.get("aud") != CLIENT_ID:
        raise ValueError("id token not for us")
    if claims.get("nonce") != nonce or int(claims.get("exp", 0)) < time.time():
        raise ValueError("id token nonce or expiry wrong")
    return claims


def _page(request: Request, state: dict[str, Any] | None, error: str | None = None) -> Response:
    userinfo: dict[str, Any] | None = state.get("userinfo") if state else None
    # the favourites get a list of their own; the other claims are shown as they came
    favorites = userinfo.get(FAVORITES_CLAIM) if userinfo else None
    return render(
        request,
        "demo/demo_portal.html",
        logged_in=state is not None,
        userinfo={k: v for k, v in userinfo.items() if k != FAVORITES_CLAIM} if userinfo else None,
        favorites=favorites if isinstance(favorites, list) else None,
        id_token_claims=state.get("id_token_claims") if state else None,
        acr=state.get("acr") if state else None,
        login_links=[
            *(
                {"label_key": key, "href": f"/demo-portal/login?level={level}"}
                for level, key in LEVELS.items()
            ),
            {"label_key": "demo.login_organization", "href": ORGANISATION_LOGIN},
        ],
        organisation=_organisation(state.get("userinfo") if state else None),
        logout_href="/demo-portal/logout" if state else None,
        error=error,
    )


#: Sign in choosing the Befugnis: scope `organization`, and `prompt=select_account` so the
#: person is asked for whom they act even when their session remembers a choice.
ORGANISATION_LOGIN = "/demo-portal/login?level=low&organization=1"
#: The organisation claims the portal shows apart: what the consent page lists, and the id.
_ORGANISATION_ROWS = (*READABLE_ORGANIZATION_CLAIMS, "organization")


def _organisation(userinfo: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the portal learnt about the organisation the person acts for, and who verified it
    (the organisation's `verified_claims` element); None when acting personally."""
    if not userinfo or "organization" not in userinfo:
        return None
    verified = userinfo.get("verified_claims")
    elements = verified if isinstance(verified, list) else [verified] if verified else []
    verification = next(
        (
            e["verification"]
            for e in elements
            if isinstance(e, dict) and "organization_name" in e.get("claims", {})
        ),
        None,
    )
    return {
        "claims": {name: userinfo[name] for name in _ORGANISATION_ROWS if name in userinfo},
        "verification": verification,
    }


@router.get("")
def home(request: Request) -> Response:
    state = _sessions.get(request, request.cookies.get(cookie_name(request, "sk_demo"), ""))
    return _page(request, state, request.query_params.get("error"))


def _claims_request(level: str) -> str:
    """Ask for the identity as `verified_claims` (OpenID Connect for Identity Assurance) and, above
    `low`, for the level as an essential `acr` (OIDC Core §5.5.1.1)."""
    request: dict[str, Any] = {
        "userinfo": {
            "verified_claims": {
                "verification": {"trust_framework": None, "assurance_level": None},
                "claims": {name: None for name in VERIFIED_CLAIMS},
            }
        },
    }
    if level in LEVELS and level != "low":
        request["id_token"] = {
            "acr": {"essential": True, "values": [acr.render(TrustLevel.parse(level))]}
        }
    return json.dumps(request, separators=(",", ":"))


@router.get("/login")
def login(request: Request) -> Response:
    level = request.query_params.get("level", "low")
    for_organisation = request.query_params.get("organization") == "1"
    metadata = _discover(_issuer(request))
    verifier, nonce = random_token(48), random_token(16)
    extra = {"prompt": "select_account"} if for_organisation else {}
    with _client(request) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"],
            # `favorites`: the services the person marked, to link them on the portal's start
            scope=f"openid profile email address {FAVORITES_SCOPE}"
            + (" organization" if for_organisation else ""),
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
            nonce=nonce,
            claims=_claims_request(level),
            **extra,
        )
    _pending.put(request, state, {"verifier": verifier, "nonce": nonce})
    return see_other(url)


@router.get("/callback")
def callback(request: Request) -> Response:
    params = request.query_params
    pending = _pending.pop(request, params.get("state", ""))
    metadata = _discover(_issuer(request))
    if pending is None:
        return see_other("/demo-portal?error=invalid_state")
    if params.get("iss") != metadata["issuer"]:  # RFC 9207 §2.4
        return see_other("/demo-portal?error=issuer_mismatch")
    if "error" in params:
        return see_other("/demo-portal?" + urlencode({"error": params["error"][:64]}))
    try:
        with _client(request) as client:
            tokens = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=params.get("code", ""),
                code_verifier=pending["verifier"],
            )
            claims = _validate_id_token(tokens["id_token"], metadata, pending["nonce"])
            userinfo = client.get(metadata["userinfo_endpoint"]).json()
    except (httpx.HTTPError, httpx2.HTTPError, AuthlibBaseError, JoseError, ValueError, KeyError):
        return see_other("/demo-portal?error=token_exchange_failed")
    session_id = random_token(24)
    _sessions.put(
        request,
        session_id,
        {
            "id_token": tokens["id_token"],
            "id_token_claims": claims,
            "userinfo": userinfo,
            "acr": claims.get("acr"),
            "sid": claims.get("sid"),
            "sub": claims.get("sub"),
        },
    )
    response = see_other("/demo-portal")
    response.set_cookie(
        cookie_name(request, "sk_demo"),
        session_id,
        httponly=True,
        samesite="lax",
        secure=context_of(request).settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/logout")
def logout(request: Request) -> Response:
    state = _sessions.pop(request, request.cookies.get(cookie_name(request, "sk_demo"), ""))
    metadata = _discover(_issuer(request))
    query = {"post_logout_redirect_uri": f"{_issuer(request)}/demo-portal", "client_id": CLIENT_ID}
    if state:
        query["id_token_hint"] = state["id_token"]
    response = see_other(f"{metadata['end_session_endpoint']}?{urlencode(query)}")
    clear_cookie(request, response, "sk_demo")
    return response


def _valid_logout_token(
    header: dict[str, Any], claims: dict[str, Any], *, issuer: str, now: float
) -> bool:
    """Back-Channel Logout 1.0 §2.4/§2.6: typed `logout+jwt` (so an ID token or access token
    of ours is never taken for one), ours, for us, not expired, an event and no nonce."""
    exp = claims.get("exp")
    return (
        header.get("typ") == "logout+jwt"
        and claims.get("iss") == issuer
        and claims.get("aud") == CLIENT_ID
        and isinstance(exp, int)
        and exp > now
        and isinstance(claims.get("iat"), int)
        and "nonce" not in claims
        and "http://schemas.openid.net/event/backchannel-logout" in claims.get("events", {})
    )


@router.post("/backchannel-logout")
def backchannel_logout(request: Request, form: FormData) -> Response:
    """OpenID Connect Back-Channel Logout 1.0 §2.5–§2.8, as a relying party receives it."""
    token = form.get("logout_token")
    if not token:
        return Response(status_code=400)
    try:
        metadata = _discover(_issuer(request))
        decoded = jwt.decode(
            token, KeySet.import_key_set(metadata["_keys"]), algorithms=["ES256", "RS256", "PS256"]
        )
    except (JoseError, ValueError, httpx.HTTPError):
        return Response(status_code=400)
    claims = decoded.claims
    now = context_of(request).clock.now().timestamp()
    if not _valid_logout_token(decoded.header, claims, issuer=metadata["issuer"], now=now):
        return Response(status_code=400)
    if claims.get("sid"):
        _sessions.drop_where(request, "sid", str(claims["sid"]))
    elif claims.get("sub"):
        _sessions.drop_where(request, "sub", str(claims["sub"]))
    return Response(status_code=200, headers={"Cache-Control": "no-store"})
