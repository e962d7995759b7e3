"""Token introspection (RFC 7662). Authenticated clients only; an inactive, unknown or foreign
token answers just `{"active": false}` (§2.2). A token is foreign unless it was issued to the
caller or the caller is a registered resource server (a machine client with scope
`tokens:introspect`, which may see access tokens but never refresh tokens), so a client cannot
learn anything about another client's tokens (§4). No audit write on this hot path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.clients.schemas import RESOURCE_SERVER_SCOPE
from servicekonto.clients.service import ClientInfo
from servicekonto.db.models import Authorization, RefreshToken
from servicekonto.oidc import access
from servicekonto.oidc.minting import subject_for
from servicekonto.oidc.presented_token import PresentedToken
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest

INACTIVE: dict[str, Any] = {"active": False}
_AT_FIELDS = ("scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti", "acr", "auth_time")


def introspect(
    db: Session, provider: Provider, caller: ClientInfo, presented: PresentedToken, *, now: datetime
) -> dict[str, Any]:
    token = presented.token
    if not token or presented.oversized:
        return INACTIVE
    order = (
        ("refresh_token", "access_token")
        if presented.hint == "refresh_token"
        else ("access_token", "refresh_token")
    )
    for kind in order:
        result = (
            _access(db, provider, caller, token, now)
            if kind == "access_token"
            else _refresh(db, provider, caller, token, now)
        )
        if result is not None:
            return result
    return INACTIVE


def _access(
    db: Session, provider: Provider, caller: ClientInfo, token: str, now: datetime
) -> dict[str, Any] | None:
    if token.count(".") != 2:
        return None
    valid = access.validate(db, provider, token, now=now)
    if valid is None:
        return None
    if valid.claims.get("client_id") != caller.client_id and not _resource_server(caller):
        return INACTIVE
    body = {"active": True, "token_type": "Bearer"}
    body.update({k: valid.claims[k] for k in _AT_FIELDS if k in valid.claims})
    return body


def _resource_server(caller: ClientInfo) -> bool:
    return RESOURCE_SERVER_SCOPE in caller.scopes and caller.grant_types == {"client_credentials"}


def _refresh(
    db: Session, provider: Provider, caller: ClientInfo, token: str, now: datetime
) -> dict[str, Any] | None:
    found = db.execute(
        select(RefreshToken, Authorization)
        .join(Authorization, Authorization.id == RefreshToken.authorization_id)
        .where(RefreshToken.digest == digest(token))
    ).first()
    if found is None:
        return None
    row, authorization = found
    active = (
        row.used_at is None
        and authorization.revoked_at is None
        and authorization.expires_at > now
        and authorization.client_id == caller.client_id
    )
    if not active:
        return INACTIVE
    return {
        "active": True,
        "token_type": "refresh_token",
        "client_id": authorization.client_id,
        "scope": " ".join(authorization.scopes),
        "iss": provider.issuer,
        "sub": subject_for(provider, caller, authorization.account_id),
        "exp": int(authorization.expires_at.timestamp()),
        "iat": int(row.created_at.timestamp()),
    }
