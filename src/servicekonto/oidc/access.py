"""Validating our JWT access tokens (RFC 9068 §4) including revocation state.

One indexed read answers whether the grant behind a user token still lives; client-credentials
tokens are checked against the RFC 7009 revocation list only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.db.models import Authorization, RevokedAccessToken
from servicekonto.oidc import jose
from servicekonto.oidc.provider import Provider


@dataclass(frozen=True)
class ValidAccessToken:
    claims: dict[str, Any]
    authorization: Authorization | None

    @property
    def scopes(self) -> set[str]:
        return set(str(self.claims.get("scope", "")).split())


def validate(
    db: Session, provider: Provider, token: str, *, now: datetime
) -> ValidAccessToken | None:
    """The token's claims and authorization if it is active, else None (no reason given out)."""
    try:
        claims = jose.verify_own(provider.keys, token, typ="at+jwt")
    except jose.InvalidJwt:
        return None
    exp = claims.get("exp")
    if claims.get("iss") != provider.issuer or not isinstance(exp, int) or exp <= now.timestamp():
        return None
    jti = str(claims.get("jti", ""))
    grant_id = claims.get("grant_id")
    if grant_id is None:
        if db.get(RevokedAccessToken, jti) is not None:
            return None
        return ValidAccessToken(claims, None)
    row = db.execute(
        select(Authorization, RevokedAccessToken.jti)
        .outerjoin(RevokedAccessToken, RevokedAccessToken.jti == jti)
        .where(Authorization.id == str(grant_id))
    ).first()
    if row is None:
        return None
    authorization, revoked_jti = row
    if authorization.revoked_at is not None or revoked_jti is not None:
        return None
    return ValidAccessToken(claims, authorization)
