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
    #: The authentication level of a user token (its `acr`; DESIGN §4), None when it has none.
    level: TrustLevel | None = None
    #: A user token's login means (`amr`), for APIs that demand a second factor bound to the
    #: person (the staff API: `otp` counts only with a bound app).
    amr: frozenset[str] = frozenset()


#: Validates a bearer access token; wired to the OIDC layer by `app.create_app`.
BearerValidator = Callable[[Session, str], Principal | None]


def bearer_validator_of(request: Request) -> BearerValidator:
    validate: BearerValidator = request.app.state.bearer_validator
    return validate
