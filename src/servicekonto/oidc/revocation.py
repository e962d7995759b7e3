"""Token revocation (RFC 7009). Revoking a refresh token revokes its whole grant (§2.1: "SHOULD
also invalidate all access tokens based on the same authorization grant"); revoking an access
token lists its `jti` until it would expire. Unknown tokens answer 200 (§2.2); another client's
token is refused with `unauthorized_client` and changes nothing (§2.1).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.clients.service import ClientInfo
from servicekonto.db.models import Authorization, RefreshToken, RevokedAccessToken
from servicekonto.errors import InvalidRequest, UnauthorizedClient, UnsupportedTokenType
from servicekonto.oidc import jose
from servicekonto.oidc.presented_token import PresentedToken
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest


def revoke(
    db: Session, provider: Provider, caller: ClientInfo, presented: PresentedToken, *, now: datetime
) -> None:
    token = presented.token
    if not token:
        raise InvalidRequest("token is required")
    if presented.hint not in (None, "access_token", "refresh_token"):
        raise UnsupportedTokenType("unknown token_type_hint")
    if presented.oversized:
        return
    authorization = db.scalar(
        select(Authorization)
        .join(RefreshToken, RefreshToken.authorization_id == Authorization.id)
        .where(RefreshToken.digest == digest(token))
    )
    if authorization is not None:
        if authorization.client_id != caller.client_id:
            raise UnauthorizedClient("the token belongs to another client")
        db.execute(
            update(Authorization)
            .where(Authorization.id == authorization.id, Authorization.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return
    try:
        claims = jose.verify_own(provider.keys, token, typ="at+jwt")
    except jose.InvalidJwt:
        return  # unknown or invalid: nothing to do (§2.2)
    if claims.get("client_id") != caller.client_id:
        raise UnauthorizedClient("the token belongs to another client")
    jti, exp = str(claims.get("jti", "")), claims.get("exp")
    if jti and isinstance(exp, int) and db.get(RevokedAccessToken, jti) is None:
        db.add(RevokedAccessToken(jti=jti, expires_at=datetime.fromtimestamp(exp, tz=UTC)))
