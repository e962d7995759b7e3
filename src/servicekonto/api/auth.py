"""Bearer authentication for the JSON API: our own access tokens with a required scope.

Administration of clients needs a client-credentials token with scope `admin:clients`
(`servicekonto clients create --grant-type client_credentials --scope admin:clients`), so the
admin API is authenticated, audited and revocable like any other OAuth access.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from servicekonto.errors import Forbidden, Unauthorized
from servicekonto.oidc import access
from servicekonto.oidc.access import ValidAccessToken
from servicekonto.oidc.routes import db_session, provider_of


def require_scope(scope: str) -> Callable[..., ValidAccessToken]:
    def dependency(request: Request, db: Session = Depends(db_session)) -> ValidAccessToken:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise Unauthorized("a bearer access token is required")
        provider = provider_of(request)
        valid = access.validate(db, provider, value.strip(), now=provider.clock.now())
        if valid is None:
            raise Unauthorized("the access token is invalid, expired or revoked")
        if scope not in valid.scopes:
            raise Forbidden(f"the access token lacks scope {scope}")
        return valid

    return dependency
