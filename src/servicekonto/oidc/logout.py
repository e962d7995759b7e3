"""RP-Initiated Logout 1.0 §2–§3 and Back-Channel Logout 1.0 §2.4–§2.6.

`post_logout_redirect_uri` must be registered exactly for the client named by the
`id_token_hint` (or `client_id`); without a valid hint the user confirms on a CSRF-protected page.
Ending a session queues one logout token per client of the session in the outbox; delivery
retries with growing waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.accounts.sessions import end_session
from servicekonto.clients.service import ClientInfo
from servicekonto.db.models import Authorization, OutboxMessage
from servicekonto.db.outbox import BACKCHANNEL_LOGOUT, enqueue_backchannel_logout
from servicekonto.errors import InvalidRedirectTarget
from servicekonto.oidc import jose
from servicekonto.oidc.minting import subject_for
from servicekonto.oidc.provider import Provider
from servicekonto.oidc.redirects import is_registered, with_query
from servicekonto.security.outbound import ForbiddenTarget, check_target
from servicekonto.security.secrets import random_token

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_ATTEMPTS = 8
LOGOUT_TOKEN_TTL = 120


@dataclass(frozen=True)
class LogoutRequest:
    client: ClientInfo | None
    post_logout_redirect_uri: str | None
    state: str | None
    hint_valid: bool
    hint_sid: str | None


def validate_request(db: Session, provider: Provider, params: dict[str, str]) -> LogoutRequest:
    hint = params.get("id_token_hint")
    hint_claims: dict[str, Any] | None = None
    if hint:
        try:
            hint_claims = jose.verify_own(provider.keys, hint)  # expired hints are fine (§2)
        except jose.InvalidJwt:
            hint_claims = None
        if hint_claims is not None and hint_claims.get("iss") != provider.issuer:
            hint_claims = None
    client_id = params.get("client_id")
    if hint_claims is not None:
        audience = hint_claims.get("aud")
        hinted = audience[0] if isinstance(audience, list) and audience else audience
        if client_id and client_id != hinted:
            raise InvalidRedirectTarget("client_id does not match id_token_hint")
        client_id = str(hinted)
    client = provider.clients.get(db, client_id) if client_id else None
    target = params.get("post_logout_redirect_uri")
    if target and (client is None or not is_registered(target, client.post_logout_redirect_uris)):
        raise InvalidRedirectTarget(
            "post_logout_redirect_uri is not registered",
            reason=InvalidRedirectTarget.REDIRECT_URI_NOT_REGISTERED,
        )
    return LogoutRequest(
        client=client,
        post_logout_redirect_uri=target or None,
        state=params.get("state"),
        hint_valid=hint_claims is not None,
        hint_sid=str(hint_claims["sid"]) if hint_claims and "sid" in hint_claims else None,
    )


def redirect_after(request: LogoutRequest) -> str | None:
    if not request.post_logout_redirect_uri:
        return None
    params = {"state": request.state} if request.state else {}
    return with_query(request.post_logout_redirect_uri, params)


def logout_session(db: Session, *, cookie_value: str, now: datetime) -> str | None:
    """End the browser session, revoke its non-offline grants, queue back-channel logouts."""
    ended = end_session(db, cookie_value=cookie_value)
    if ended is None:
        return None
    sid, account_id, client_ids = ended
    live = list(
        db.scalars(
            select(Authorization).where(
                Authorization.session_sid == sid, Authorization.revoked_at.is_(None)
            )
        )
    )
    for authorization in live:
        if "offline_access" not in authorization.scopes:
            authorization.revoked_at = now
    for client_id in client_ids:
        enqueue_backchannel_logout(
            db, client_id=client_id, account_id=account_id, sid=sid, reason="logout", now=now
        )
    return account_id


def logout_token(
    provider: Provider, client: ClientInfo, payload: dict[str, Any], now: datetime
) -> str:
    claims: dict[str, Any] = {
        "iss": provider.issuer,
        "aud": client.client_id,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + LOGOUT_TOKEN_TTL,
        "jti": random_token(16),
        "sub": subject_for(provider, client, str(payload["account_id"])),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if payload.get("sid"):
        claims["sid"] = payload["sid"]
    return jose.sign(
        provider.keys, claims, alg=client.id_token_signed_response_alg, typ="logout+jwt"
    )


def _post_logout_token(provider: Provider, http: httpx.Client, uri: str, token: str) -> str:
    """POST to the address just checked (no second DNS lookup); "" or what went wrong.

    ForbiddenTarget when the URI now leads to an internal address (issue 15 item 9).
    """
    target = check_target(uri, allow_internal=provider.settings.dev_mode, must_resolve=True)
    url, headers, server_name = target.pinned()
    try:
        response = http.post(
            url,
            data={"logout_token": token},
            headers=headers,
            timeout=5.0,
            extensions={"sni_hostname": server_name},
        )
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return "" if response.status_code in (200, 204) else f"HTTP {response.status_code}"


def deliver_due(provider: Provider, http: httpx.Client, *, limit: int = 20) -> int:
    """Deliver due back-channel logout messages; returns how many were delivered.

    A message is claimed with a conditional UPDATE (a lease), so several instances never send
    the same one at the same time.
    """
    now = provider.clock.now()
    delivered = 0
    # Looking costs no write lock (read-only session): an idle worker never queues behind, or
    # ahead of, the requests' writers. Only a claim, below, writes.
    with provider.reading() as db:
        due = list(
            db.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.kind == BACKCHANNEL_LOGOUT,
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    for message_id in due:
        with provider.sessions() as db, db.begin():
            claimed = db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.delivered_at.is_(None),
                    (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until <= now),
                )
                .values(claimed_until=now + timedelta(seconds=30))
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
        if not claimed:
            continue
        with provider.reading() as db:
            message = db.get(OutboxMessage, message_id)
            assert message is not None
            payload = dict(message.payload)
            client = provider.clients.get(db, str(payload["client_id"]))
        # No transaction is open during the POST: on SQLite every transaction holds the write
        # lock, and RPs call back while handling the logout (mod_auth_openidc revokes the
        # session's tokens at /revoke), which would wait for us until the POST timed out.
        error = ""
        refused = False
        if client is not None and client.backchannel_logout_uri:
            try:
                error = _post_logout_token(
                    provider, http, client.backchannel_logout_uri,
                    logout_token(provider, client, payload, now),
                )
            except ForbiddenTarget:
                error, refused = "forbidden target", True
        with provider.sessions() as db, db.begin():
            message = db.get(OutboxMessage, message_id)
            assert message is not None
            message.attempts += 1
            message.claimed_until = None
            if not error:
                message.delivered_at = now
                delivered += 1
            elif refused or message.attempts >= MAX_ATTEMPTS:
                message.failed_at, message.last_error = now, error
            else:
                message.last_error = error
                message.next_attempt_at = now + timedelta(seconds=2**message.attempts)
    return delivered
