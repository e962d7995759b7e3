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

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import authentication_second_factor
from servicekonto.clients.schemas import is_machine_scope
from servicekonto.errors import (
    Forbidden,
    InsufficientScope,
    InvalidBearerRequest,
    InvalidToken,
    MissingBearerToken,
    Unauthorized,
)
from servicekonto.http.bearer import (
    Principal,
    bearer_validator_of,
    client_assertion_validator_of,
)
from servicekonto.http.context import context_of
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


#: The scope a staff tool asks for at login (README "Registrierungsstelle"): the staff JSON
#: APIs take only a person's own token with it.
STAFF_SCOPE = "staff"


class SecondFactorRequired(Forbidden):
    code = "second_factor_required"


def staff_person(request: Request, db: DbSession) -> str:
    """A dependency of the staff JSON APIs: the account id behind a person's own token with
    scope `staff` whose login used a second factor bound to the person (a bound authenticator
    app, the eID, or substantial/high), as the staff pages demand of a session. Which role the
    person needs, and where, is each API's own check."""
    principal = require_scope(STAFF_SCOPE)(request, db)
    if principal.account_id is None:
        raise Forbidden("the staff API needs the staff person's own access token")
    level = principal.level if principal.level is not None else TrustLevel.BASIC
    factor = authentication_second_factor(
        db, account_id=principal.account_id, amr=principal.amr, level=level
    )
    if factor != "bound":
        db.commit()
        raise SecondFactorRequired(
            "log in with a second factor bound to the person (acr substantial or high, or a "
            "bound authenticator app) to use the staff API"
        )
    return principal.account_id


# -- a client's own credentials: its token, or its private_key_jwt assertion -------------------

#: RFC 7523 §2.2's parameters, carried as request headers because the body is JSON.
ASSERTION_TYPE_HEADER = "client-assertion-type"
ASSERTION_HEADER = "client-assertion"

def require_client_scope(scope: str) -> Callable[..., Principal]:
    """A client acting for itself with `scope`, authenticated by exactly one of

    * `Authorization: Bearer <client-credentials access token>` carrying `scope`;
    * headers `Client-Assertion-Type: urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
      and `Client-Assertion: <JWT>` — the client's private_key_jwt assertion, `aud` the issuer
      or this request's URL, its `jti` used once, the client registered with `scope`.

    Errors per RFC 6750 §3: no credentials 401 with a bare Bearer challenge, an invalid token
    401 `invalid_token`, a token or client without the scope 403 `insufficient_scope`; a bad
    assertion 401 `invalid_client`.
    """

    def dependency(request: Request, db: DbSession) -> Principal:
        authorization = request.headers.get("authorization", "")
        assertion = request.headers.get(ASSERTION_HEADER)
        if authorization and assertion is not None:
            raise InvalidBearerRequest("use either a bearer token or a client assertion")
        if assertion is not None:
            endpoint = f"{context_of(request).issuer}{request.url.path}"
            principal = client_assertion_validator_of(request)(
                db, request.headers.get(ASSERTION_TYPE_HEADER, ""), assertion, endpoint
            )
        else:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise MissingBearerToken(
                    "a bearer access token or a client assertion is required"
                )
            found = bearer_validator_of(request)(db, value.strip())
            if found is None:
                raise InvalidToken("the access token is invalid, expired or revoked")
            principal = found
        if scope not in principal.scopes:
            raise InsufficientScope(f"the credentials lack scope {scope}")
        if principal.account_id is not None:
            raise InsufficientScope(f"scope {scope} needs a client-credentials token")
        return principal

    return dependency
