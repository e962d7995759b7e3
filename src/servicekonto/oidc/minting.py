"""Token minting: ID tokens (OIDC Core §2), JWT access tokens (RFC 9068), refresh tokens.

Refresh tokens are opaque random strings stored as digests; access tokens carry `grant_id`, the
authorization they belong to, so userinfo and introspection can refuse tokens of a revoked grant
with one indexed lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import attributes_of
from servicekonto.clients.service import ClientInfo
from servicekonto.db.models import Account, Authorization, RefreshToken
from servicekonto.oidc import acr as acr_vocabulary
from servicekonto.oidc import jose
from servicekonto.oidc.claims import ClaimsParameter, releasable, release
from servicekonto.oidc.identity_assurance import release_verified, with_element
from servicekonto.oidc.organisation_claims import organisation_claims
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest, random_token


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_in: int
    scope: str
    id_token: str | None = None
    refresh_token: str | None = None

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        }
        if self.id_token:
            body["id_token"] = self.id_token
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        return body


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def access_token(
    provider: Provider,
    *,
    subject: str,
    client_id: str,
    scopes: list[str],
    now: datetime,
    audience: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    claims: dict[str, Any] = {
        "iss": provider.issuer,
        "sub": subject,
        "aud": audience or provider.issuer,
        "client_id": client_id,
        "iat": _epoch(now),
        "exp": _epoch(now + timedelta(seconds=provider.settings.access_token_ttl)),
        "jti": random_token(16),
        "scope": " ".join(scopes),
    }
    claims.update(extra or {})
    return jose.sign(provider.keys, claims, alg=provider.settings.default_signing_alg, typ="at+jwt")


def subject_for(provider: Provider, client: ClientInfo, account_id: str) -> str:
    return provider.subjects.subject(
        account_id=account_id, sector=client.sector, subject_type=client.subject_type
    )


def issue_for_authorization(
    db: Session,
    provider: Provider,
    *,
    authorization: Authorization,
    client: ClientInfo,
    account: Account,
    nonce: str | None,
    now: datetime,
    narrow_to: list[str] | None = None,
) -> TokenSet:
    """Tokens of a grant; `narrow_to` limits access and ID token (RFC 6749 §6), not the grant."""
    subject = subject_for(provider, client, account.id)
    level = TrustLevel.parse(authorization.acr)
    acr = acr_vocabulary.render(level, authorization.acr_vocabulary)
    scopes = [s for s in authorization.scopes if narrow_to is None or s in narrow_to]
    at = access_token(
        provider,
        subject=subject,
        client_id=client.client_id,
        scopes=scopes,
        now=now,
        extra={
            "auth_time": _epoch(authorization.auth_time),
            "acr": acr,
            "amr": list(authorization.amr),
            "grant_id": authorization.id,
        },
    )
    id_token = None
    if "openid" in scopes:
        id_claims: dict[str, Any] = {
            "iss": provider.issuer,
            "sub": subject,
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": _epoch(now),
            "exp": _epoch(now + timedelta(seconds=provider.settings.id_token_ttl)),
            "auth_time": _epoch(authorization.auth_time),
            "acr": acr,
            "amr": list(authorization.amr),
        }
        if authorization.session_sid:
            id_claims["sid"] = authorization.session_sid
        if nonce:
            id_claims["nonce"] = nonce
        claims_request = ClaimsParameter.from_json(authorization.claims_request)
        allowed = releasable(
            consented=authorization.claims,
            client_scopes=client.scopes,
            grant_scopes=authorization.scopes,
            token_scopes=scopes,
        )
        id_claims.update(
            release(
                names=set(claims_request.id_token) & allowed,
                attributes=attributes_of(account),
                email=account.email,
                email_verified=account.email_verified,
            )
        )
        organisation, organisation_verified = organisation_claims(
            db, provider, authorization=authorization, client=client, token_scopes=scopes
        )
        id_claims.update(organisation)
        id_claims.update(
            with_element(
                release_verified(
                    db,
                    account=account,
                    session_level=level,
                    names=set(claims_request.verified_id_token) & allowed,
                ),
                organisation_verified,
            )
        )
        id_token = jose.sign(provider.keys, id_claims, alg=client.id_token_signed_response_alg)
    refresh = None
    if "offline_access" in authorization.scopes and "refresh_token" in client.grant_types:
        refresh = random_token(32)
        db.add(
            RefreshToken(digest=digest(refresh), authorization_id=authorization.id, created_at=now)
        )
    return TokenSet(at, provider.settings.access_token_ttl, " ".join(scopes), id_token, refresh)
