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
    _check_shape(value)
    try:
        token = jwt.decode(value, key_set, algorithms=list(algorithms))
    # RecursionError: claims nested deeper than the JSON parser recurses (a signed token too).
    except (JoseError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise InvalidJwt("signature or format invalid") from exc
    header = dict(token.header)
    # We understand no extension, so any `crit` (even an empty or malformed one) is refused
    # (RFC 7515 §4.1.11).
    if "crit" in header or any(h in header for h in ("jku", "x5u", "jwk")):
        raise InvalidJwt("unsupported header parameter")
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise InvalidJwt("unexpected token type")
    return header, dict(token.claims)


def verify_own(keys: KeyStore, value: str, *, typ: str | None = None) -> dict[str, Any]:
    """Claims of a JWT we signed ourselves."""
    _header, claims = decode(value, keys.verification_keys(), typ=typ)
    return claims


def _check_shape(value: str) -> None:
    """The size cap and the compact shape, checked before any decoding (checklist P-18). A JWT
    is ASCII, so the length in characters is its length in bytes."""
    if not value or len(value) > MAX_JWT_BYTES or not value.isascii() or value.count(".") != 2:
        raise InvalidJwt("malformed token")


def _segment_json(segment: str) -> Any:
    """An unverified segment's JSON. RecursionError: nesting deeper than the parser recurses,
    which fits easily into the size cap."""
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, RecursionError) as exc:  # binascii and Unicode errors are ValueErrors
        raise InvalidJwt("malformed token") from exc


def peek_claims(value: str) -> dict[str, Any]:
    """Claims *before* verification, only to find which client's keys verify them."""
    _check_shape(value)
    claims = _segment_json(value.split(".")[1])
    if not isinstance(claims, dict):
        raise InvalidJwt("malformed token")
    return claims
