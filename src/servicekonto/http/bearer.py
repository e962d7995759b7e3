"""Who called with a bearer access token: the token's client, subject and scopes.

The protocol layer checks the token; `app.create_app` wires its check in as the
`BearerValidator` (the JSON API does not import the protocol layer beside it, DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel


@dataclass(frozen=True)
class Principal:
    """Who called: the client of a valid access token, and what it may do."""

    client_id: str
    subject: str
    scopes: frozenset[str]
    #: The account behind a user token (None for client-credentials tokens).
    account_id: str | None = None
    #: How the person authenticated for the token's grant (user tokens): RFC 8176 `amr` and
    #: the level behind `acr`, for APIs that need a second factor (the staff API).
    amr: frozenset[str] = frozenset()
    level: TrustLevel | None = None


#: Validates a bearer access token; wired to the OIDC layer by `app.create_app`.
BearerValidator = Callable[[Session, str], Principal | None]


def bearer_validator_of(request: Request) -> BearerValidator:
    validate: BearerValidator = request.app.state.bearer_validator
    return validate


#: Checks a client's private_key_jwt assertion (RFC 7523 §2.2/§3) — (db, assertion type,
#: assertion, the request's URL as audience) — and answers the client with its registered
#: machine scopes, or raises InvalidClient; wired to the protocol layer by `app.create_app`
#: (the Postfach deposit API accepts it instead of a token, issue 13).
ClientAssertionValidator = Callable[[Session, str, str, str], Principal]


def client_assertion_validator_of(request: Request) -> ClientAssertionValidator:
    validate: ClientAssertionValidator = request.app.state.client_assertion_validator
    return validate
