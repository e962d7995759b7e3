"""The token endpoint's grants: authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6),
refresh_token (RFC 6749 §6, rotation per RFC 9700 §4.14.2) and client_credentials (§4.4).

Codes and refresh tokens are *consumed* by one conditional UPDATE (DESIGN §6 #6). A second use
is detected by the UPDATE touching no row while the row exists; it revokes the authorization,
so every token issued from that code or refresh-token family stops working (§10.5, §10.4).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.clients.schemas import is_machine_scope
from servicekonto.clients.service import ClientInfo
from servicekonto.db.models import Account, Authorization, AuthorizationCode, RefreshToken
from servicekonto.errors import InvalidGrant, InvalidRequest, InvalidScope, InvalidTarget
from servicekonto.oidc import pkce
from servicekonto.oidc.claims import STANDARD_SCOPES
from servicekonto.oidc.minting import TokenSet, access_token, issue_for_authorization
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


class GrantReplay(InvalidGrant):
    """A code or refresh token used twice. The revocation it caused must be committed."""

    def __init__(self, authorization_id: str, what: str) -> None:
        super().__init__(f"{what} was already used; the grant is revoked")
        self.authorization_id = authorization_id


def _revoke(db: Session, authorization_id: str, now: datetime) -> None:
    db.execute(
        update(Authorization)
        .where(Authorization.id == authorization_id, Authorization.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def _live_authorization(db: Session, authorization_id: str, now: datetime) -> Authorization:
    authorization = db.get(Authorization, authorization_id)
    if authorization is None or authorization.revoked_at is not None:
        raise InvalidGrant("the grant has been revoked")
    if authorization.expires_at <= now:
        raise InvalidGrant("the grant has expired")
    return authorization


def _account(db: Session, account_id: str) -> Account:
    account = db.get(Account, account_id)
    if account is None:
        raise InvalidGrant("the account no longer exists")
    return account


def _presented(form: dict[str, str], parameter: str) -> str:
    """The code or refresh token of the request; an absent, empty or overlong one (no credential
    of ours is longer than 256 characters) is a malformed request, not an invalid grant."""
    value = form.get(parameter, "")
    if not value or len(value) > 256:
        raise InvalidRequest(f"{parameter} is required")
    return value


def _issue(
    db: Session,
    provider: Provider,
    client: ClientInfo,
    authorization: Authorization,
    *,
    nonce: str | None,
    now: datetime,
    narrow_to: list[str] | None = None,
) -> TokenSet:
    """The tokens of a live grant, for its account (which must still exist)."""
    return issue_for_authorization(
        db,
        provider,
        authorization=authorization,
        client=client,
        account=_account(db, authorization.account_id),
        nonce=nonce,
        now=now,
        narrow_to=narrow_to,
    )


def authorization_code(
    db: Session, provider: Provider, client: ClientInfo, form: dict[str, str], now: datetime
) -> TokenSet:
    code_digest = digest(_presented(form, "code"))
    consumed = db.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.digest == code_digest,
            AuthorizationCode.consumed_at.is_(None),
            AuthorizationCode.expires_at > now,
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    row = db.get(AuthorizationCode, code_digest)
    if not consumed.rowcount:  # type: ignore[attr-defined]
        if row is not None and row.consumed_at is not None:
            _revoke(db, row.authorization_id, now)
            raise GrantReplay(row.authorization_id, "code")
        raise InvalidGrant("code is invalid or expired")
    assert row is not None
    if row.client_id != client.client_id:
        raise InvalidGrant("code was issued to another client")
    if form.get("redirect_uri") != row.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the authorization request")
    pkce.verify(row.code_challenge, form.get("code_verifier"))
    authorization = _live_authorization(db, row.authorization_id, now)
    return _issue(db, provider, client, authorization, nonce=row.nonce, now=now)


def refresh_token(
    db: Session, provider: Provider, client: ClientInfo, form: dict[str, str], now: datetime
) -> TokenSet:
    token_digest = digest(_presented(form, "refresh_token"))
    found = db.execute(
        select(RefreshToken, Authorization)
        .join(Authorization, Authorization.id == RefreshToken.authorization_id)
        .where(RefreshToken.digest == token_digest)
    ).first()
    if found is None:
        raise InvalidGrant("refresh token is invalid")
    row, authorization = found
    if authorization.client_id != client.client_id:
        raise InvalidGrant("refresh token was issued to another client")
    consumed = db.execute(
        update(RefreshToken)
        .where(RefreshToken.digest == token_digest, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not consumed.rowcount:  # type: ignore[attr-defined]
        _revoke(db, row.authorization_id, now)
        raise GrantReplay(row.authorization_id, "refresh token")
    authorization = _live_authorization(db, row.authorization_id, now)
    asked: list[str] | None = None
    if "scope" in form:
        asked = form["scope"].split()
        if not asked or not set(asked) <= set(authorization.scopes):
            raise InvalidScope("scope exceeds the original grant")
    return _issue(db, provider, client, authorization, nonce=None, now=now, narrow_to=asked)


def client_credentials(
    provider: Provider, client: ClientInfo, form: dict[str, str], now: datetime
) -> TokenSet:
    """A token for the client itself; only its registered non-identity scopes (RFC 6749 §4.4)."""
    allowed = sorted(s for s in client.scopes if s not in STANDARD_SCOPES)
    if client.grant_types != {"client_credentials"}:
        # A client that also signs people in (a Fachverfahren that deposits, issue 13): its own
        # token carries only its machine scopes, never a person's scope like `postfach`.
        allowed = [s for s in allowed if is_machine_scope(s)]
    if "scope" in form:
        asked = form["scope"].split()
        if not asked or not set(asked) <= set(allowed):
            raise InvalidScope("scope not allowed for this client")
        scopes = sorted(set(asked))
    else:
        scopes = allowed
    resource = form.get("resource")
    if resource is not None and not _absolute_uri(resource):
        raise InvalidTarget("resource must be an absolute URI (RFC 8707 §2)")
    token = access_token(
        provider,
        subject=client.client_id,
        client_id=client.client_id,
        scopes=scopes,
        now=now,
        audience=resource,
    )
    return TokenSet(token, provider.settings.access_token_ttl, " ".join(scopes))


def _absolute_uri(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not parts.fragment and len(value) <= 2000
