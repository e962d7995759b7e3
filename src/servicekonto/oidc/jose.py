"""Signing and verifying our own JWTs (RFC 7519, RFC 8725 best practices) with joserfc.

Algorithms are pinned per call; `none` and HMAC are never accepted; keys come only from our key
store or a client's registered JWKS; oversized input is refused before parsing (checklist P-18).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from servicekonto.errors import ServiceKontoError
from servicekonto.oidc.keystore import KeyStore
from servicekonto.security.keys import SIGNING_ALGS

MAX_JWT_BYTES = 16 * 1024


class InvalidJwt(ServiceKontoError):
    code = "invalid_jwt"


def sign(keys: KeyStore, claims: dict[str, Any], *, alg: str = "ES256", typ: str = "JWT") -> str:
    key = keys.signing_key(alg)
    header = {"alg": str(key.alg), "kid": str(key.kid), "typ": typ}
    return jwt.encode(header, claims, key, algorithms=[str(key.alg)])


def decode(
    value: str,
    key_set: KeySet,
    *,
    algorithms: tuple[str, ...] = SIGNING_ALGS,
    typ: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT whose signature verifies; claim checks are the caller's."""
    if not value or len(value) > MAX_JWT_BYTES or value.count(".") != 2:
        raise InvalidJwt("malformed token")
    try:
        token = jwt.decode(value, key_set, algorithms=list(algorithms))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidJwt("signature or format invalid") from exc
    header = dict(token.header)
    if header.get("crit") or any(h in header for h in ("jku", "x5u", "jwk")):
        raise InvalidJwt("unsupported header parameter")
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise InvalidJwt("unexpected token type")
    return header, dict(token.claims)


def verify_own(keys: KeyStore, value: str, *, typ: str | None = None) -> dict[str, Any]:
    """Claims of a JWT we signed ourselves."""
    kid = _peek_kid(value)
    _header, claims = decode(value, keys.verification_keys(kid), typ=typ)
    return claims


def _peek_kid(value: str) -> str | None:
    try:
        head = value.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
        kid = header.get("kid")
        return str(kid) if kid is not None else None
    except (ValueError, AttributeError):
        return None


def peek_claims(value: str) -> dict[str, Any]:
    """Claims *before* verification, only to find which client's keys verify them."""
    if not value or len(value) > MAX_JWT_BYTES or value.count(".") != 2:
        raise InvalidJwt("malformed token")
    try:
        body = value.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJwt("malformed token") from exc
    if not isinstance(claims, dict):
        raise InvalidJwt("malformed token")
    return claims
