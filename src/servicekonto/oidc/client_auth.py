"""Client authentication at the token, introspection and revocation endpoints.

RFC 6749 §2.3.1 (client_secret_basic / client_secret_post), RFC 7523 §2.2 and §3 with OIDC Core
§9 (private_key_jwt: `jti` used once, `aud` = issuer or the endpoint), and `none` for public
clients. Exactly one method per request, and it must be the one the client registered.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from urllib.parse import unquote_plus

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.clients.service import ClientInfo
from servicekonto.db.models import ClientAssertionJti
from servicekonto.errors import InvalidClient, InvalidRequest, NeedsDatabase
from servicekonto.oidc import jose
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest, same

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLOCK_SKEW = timedelta(seconds=10)
MAX_ASSERTION_LIFETIME = timedelta(minutes=10)


def _parse_basic(header: str) -> tuple[str, str]:
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient("malformed basic credentials", basic=True) from exc
    client_id, sep, secret = raw.partition(":")
    if not sep:
        raise InvalidClient("malformed basic credentials", basic=True)
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate(
    db: Session | None,
    provider: Provider,
    *,
    authorization_header: str | None,
    form: dict[str, str],
    endpoint_url: str,
    now: datetime,
) -> ClientInfo:
    basic = bool(authorization_header and authorization_header[:6].lower() == "basic ")
    methods = [basic, "client_secret" in form, "client_assertion" in form]
    if sum(methods) > 1:
        raise InvalidRequest("use exactly one client authentication method")
    if basic:
        client_id, secret = _parse_basic(authorization_header or "")
        if form.get("client_id") not in (None, client_id):
            raise InvalidRequest("client_id does not match the credentials")
        return _by_secret(db, provider, client_id, secret, "client_secret_basic", basic=True)
    if "client_secret" in form:
        return _by_secret(
            db,
            provider,
            form.get("client_id", ""),
            form["client_secret"],
            "client_secret_post",
            basic=False,
        )
    if "client_assertion" in form:
        if db is None:
            raise NeedsDatabase("a client assertion's jti is recorded")
        return _by_assertion(db, provider, form, endpoint_url=endpoint_url, now=now)
    client = provider.clients.get(db, form.get("client_id", ""))
    if client is None or client.disabled or client.token_endpoint_auth_method != "none":
        raise InvalidClient("client authentication failed")
    return client


def _by_secret(
    db: Session | None, provider: Provider, client_id: str, secret: str, method: str, *, basic: bool
) -> ClientInfo:
    client = provider.clients.get(db, client_id)
    ok = (
        client is not None
        and not client.disabled
        and client.secret_digest is not None
        and client.token_endpoint_auth_method == method
        and same(digest(secret), client.secret_digest)
    )
    if not ok or client is None:
        raise InvalidClient("client authentication failed", basic=basic)
    return client


def _by_assertion(
    db: Session, provider: Provider, form: dict[str, str], *, endpoint_url: str, now: datetime
) -> ClientInfo:
    if form.get("client_assertion_type") != JWT_BEARER:
        raise InvalidClient("unsupported client_assertion_type")
    assertion = form["client_assertion"]
    try:
        unverified = jose.peek_claims(assertion)
        client = provider.clients.get(db, str(unverified.get("sub", "")))
        if (
            client is None
            or client.disabled
            or client.token_endpoint_auth_method != "private_key_jwt"
        ):
            raise InvalidClient("client authentication failed")
        if form.get("client_id") not in (None, client.client_id) or not client.jwks:
            raise InvalidClient("client authentication failed")
        key_set = KeySet.import_key_set(client.jwks)  # type: ignore[arg-type]
        _header, claims = jose.decode(assertion, key_set)
    # KeyError: registered JWKS that joserfc cannot import (no "keys", an unknown "crv"); the
    # admin API accepts any JSON object of lists there, so this must not become a 500.
    except (jose.InvalidJwt, JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidClient("client assertion invalid") from exc
    _check_assertion_claims(claims, client.client_id, provider.issuer, endpoint_url, now)
    try:
        with db.begin_nested():
            db.add(
                ClientAssertionJti(
                    client_id=client.client_id,
                    jti=str(claims["jti"])[:255],
                    expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
                )
            )
    except IntegrityError as exc:
        raise InvalidClient("client assertion replayed") from exc
    return client


def _check_assertion_claims(
    claims: dict[str, object], client_id: str, issuer: str, endpoint_url: str, now: datetime
) -> None:
    def reject(why: str) -> InvalidClient:
        return InvalidClient(f"client assertion {why}")

    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise reject("iss/sub must be the client_id")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not ({issuer, endpoint_url} & {a for a in audiences if isinstance(a, str)}):
        raise reject("aud mismatch")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise reject("jti missing")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise reject("exp missing")
    ts = now.timestamp()
    if exp <= ts - CLOCK_SKEW.total_seconds():
        raise reject("expired")
    if exp > ts + MAX_ASSERTION_LIFETIME.total_seconds():
        raise reject("lifetime too long")
    if isinstance(iat, int) and iat > ts + CLOCK_SKEW.total_seconds():
        raise reject("issued in the future")
    nbf = claims.get("nbf")
    if isinstance(nbf, int) and nbf > ts + CLOCK_SKEW.total_seconds():
        raise reject("not yet valid")
