"""How a protocol error reaches the client: a JSON body (RFC 6749 §5.2, RFC 6750 §3) from the
token, userinfo, introspection and revocation endpoints, or a redirect to the validated
redirect_uri from the authorization endpoint (RFC 6749 §4.1.2.1, RFC 9207 `iss`).

The error classes live in `servicekonto.errors`; this is their one renderer for clients
(DESIGN §6 convention 2). `error_description` is ASCII English.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

from servicekonto.errors import (
    ControlCharacters,
    InvalidRequest,
    OAuthError,
    ServerError,
    ServiceKontoError,
    TemporarilyUnavailable,
)
from servicekonto.oidc.redirects import with_query

#: The endpoints whose errors are JSON for the client; every other protocol path is a page.
JSON_ENDPOINTS = frozenset({"/token", "/userinfo", "/introspect", "/revoke"})
#: RFC 6749 §5.1: responses carrying tokens or their errors are never cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def as_oauth_error(exc: ServiceKontoError) -> OAuthError | None:
    """The protocol error a JSON endpoint answers for `exc`; None when it is none (a page)."""
    if isinstance(exc, OAuthError):
        return exc
    if isinstance(exc, ControlCharacters):  # the app-wide input gate speaks no OAuth
        return InvalidRequest(exc.description)
    return None


def json_response(exc: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    challenge = exc.www_authenticate
    if challenge:
        headers["WWW-Authenticate"] = challenge
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


def framework_error(status: int, detail: str) -> JSONResponse:
    """A framework refusal (wrong method, unknown path) keeps its status, in OAuth's format."""
    return json_response(InvalidRequest(detail, status=status))


def unavailable() -> JSONResponse:
    return json_response(TemporarilyUnavailable("try again later"))


def server_error() -> JSONResponse:
    return json_response(ServerError("internal error"))


def redirect_location(exc: OAuthError, *, issuer: str) -> str:
    """The client's redirect_uri carrying the error, its `state` and `iss`; only for an error
    addressed with `OAuthError.to_client` (so the redirect_uri is validated)."""
    if exc.redirect_uri is None:
        raise ValueError(f"{exc.error} is not addressed to a validated redirect_uri")
    params = {"error": exc.error, "error_description": exc.description}
    if exc.state is not None:
        params["state"] = exc.state
    params["iss"] = issuer
    return with_query(exc.redirect_uri, params)
