"""Bearer authentication for the JSON API: our own access tokens with a required scope.

Administration of clients needs a client-credentials token with scope `admin:clients`
(`servicekonto clients create --grant-type client_credentials --scope admin:clients`), so the
admin API is authenticated, audited and revocable like any other OAuth access.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from servicekonto.api.deps import BearerValidator, Principal, db_session
from servicekonto.errors import Forbidden, Unauthorized


def require_scope(scope: str) -> Callable[..., Principal]:
    def dependency(request: Request, db: Session = Depends(db_session)) -> Principal:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("a bearer access token is required")
        validate: BearerValidator = request.app.state.bearer_validator
        principal = validate(db, value.strip())
        if principal is None:
            raise Unauthorized("the access token is invalid, expired or revoked")
        if scope not in principal.scopes:
            raise Forbidden(f"the access token lacks scope {scope}")
        return principal

    return dependency
