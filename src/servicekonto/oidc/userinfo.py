"""The UserInfo endpoint (OIDC Core §5.3) with bearer tokens in the header only (RFC 6750 §2.1).

Besides the identity claims it carries `favorites` (a list of {name, url, leika,
administration}) when the token, the grant and the client hold the scope `favorites`.

Errors follow RFC 6750 §3: `invalid_request` 400, `invalid_token` 401, `insufficient_scope` 403,
each with a `WWW-Authenticate: Bearer` challenge.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import attributes_of
from servicekonto.catalogue.service import FAVORITES_CLAIM, FAVORITES_SCOPE, favorites_claim
from servicekonto.db.models import Account
from servicekonto.errors import (
    InsufficientScope,
    InvalidBearerRequest,
    InvalidToken,
    MissingBearerToken,
)
from servicekonto.oidc import access
from servicekonto.oidc.claims import ClaimsParameter, claims_for_scopes, releasable, release
from servicekonto.oidc.identity_assurance import release_verified, with_element
from servicekonto.oidc.minting import subject_for
from servicekonto.oidc.organisation_claims import organisation_claims
from servicekonto.oidc.provider import Provider


def bearer_token(authorization_header: str | None, *, query_or_body_token: bool) -> str:
    if query_or_body_token:
        raise InvalidBearerRequest("send the access token in the Authorization header")
    if not authorization_header:
        raise MissingBearerToken("missing access token")
    scheme, _, token = authorization_header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidBearerRequest("malformed Authorization header")
    return token.strip()


def userinfo(db: Session, provider: Provider, token: str, *, now: datetime) -> dict[str, Any]:
    valid = access.validate(db, provider, token, now=now)
    if valid is None or valid.authorization is None:
        raise InvalidToken("the access token is invalid, expired or revoked")
    if "openid" not in valid.scopes:
        raise InsufficientScope("the openid scope is required")
    authorization = valid.authorization
    client = provider.clients.get(db, authorization.client_id)
    account = db.get(Account, authorization.account_id)
    if client is None or account is None:
        raise InvalidToken("the access token is invalid, expired or revoked")
    claims_request = ClaimsParameter.from_json(authorization.claims_request)
    asked = claims_for_scopes(valid.scopes & set(authorization.scopes)) | set(
        claims_request.userinfo
    )
    allowed = releasable(
        consented=authorization.claims,
        client_scopes=client.scopes,
        grant_scopes=authorization.scopes,
        token_scopes=valid.scopes,
    )
    body: dict[str, Any] = {"sub": subject_for(provider, client, account.id)}
    body.update(
        release(
            names=asked & allowed,
            attributes=attributes_of(account),
            email=account.email,
            email_verified=account.email_verified,
        )
    )
    # The favourites (issue 13 item 5): only with the scope in the token, the consented grant
    # and the client's registration, like the identity claims.
    if FAVORITES_SCOPE in valid.scopes & set(authorization.scopes) & set(client.scopes):
        body[FAVORITES_CLAIM] = favorites_claim(db, account_id=account.id)
    organisation, organisation_verified = organisation_claims(
        db, provider, authorization=authorization, client=client, token_scopes=valid.scopes
    )
    body.update(organisation)
    body.update(
        with_element(
            release_verified(
                db,
                account=account,
                session_level=TrustLevel.parse(authorization.acr),
                names=set(claims_request.verified_userinfo) & allowed,
            ),
            organisation_verified,
        )
    )
    return body
