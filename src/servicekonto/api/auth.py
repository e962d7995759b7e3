"""Bearer authentication for the JSON API: our own access tokens with a required scope.

Administration of clients needs a client-credentials token with scope `admin:clients`
(`servicekonto clients create --grant-type client_credentials --scope admin:clients`), so the
admin API is authenticated, audited and revocable like any other OAuth access. The
administrative and machine scopes (`admin:*`, `letters:dispatch`, …) count only in
client-credentials tokens: an end-user token carrying one (a client registered before the
registration refused that) is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from servicekonto.clients.schemas import is_machine_scope
from servicekonto.errors import Forbidden, Unauthorized
from servicekonto.http.bearer import Principal, bearer_validator_of
from servicekonto.http.database import DbSession


def require_scope(scope: str, *alternatives: str) -> Callable[..., Principal]:
    """A dependency: a valid bearer token with `scope` (or one of the `alternatives`)."""
    accepted = (scope, *alternatives)

    def dependency(request: Request, db: DbSession) -> Principal:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("a bearer access token is required")
        principal = bearer_validator_of(request)(db, value.strip())
        if principal is None:
            raise Unauthorized("the access token is invalid, expired or revoked")
        held = [s for s in accepted if s in principal.scopes]
        if not held:
            raise Forbidden(f"the access token lacks scope {' or '.join(accepted)}")
        if is_machine_scope(held[0]) and principal.account_id is not None:
            raise Forbidden(f"scope {held[0]} needs a client-credentials token")
        return principal

    return dependency
