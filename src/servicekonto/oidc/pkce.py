"""Proof Key for Code Exchange (RFC 7636), S256 only and mandatory for every client."""

from __future__ import annotations

import base64
import hashlib
import re

from servicekonto.errors import InvalidGrant, InvalidRequest
from servicekonto.security.secrets import same

#: RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
#: An S256 challenge is the unpadded base64url of 32 bytes (§4.2).
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


def check_challenge(challenge: str | None, method: str | None) -> str:
    """§4.3 at the authorization endpoint: a challenge is required and must use S256."""
    if not challenge:
        raise InvalidRequest("code_challenge is required (PKCE)")
    if (method or "plain") != "S256":
        raise InvalidRequest("code_challenge_method must be S256")
    if not _CHALLENGE.match(challenge):
        raise InvalidRequest("code_challenge is malformed")
    return challenge


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def verify(challenge: str, verifier: str | None) -> None:
    """§4.6 at the token endpoint; any failure is `invalid_grant`."""
    if not verifier or not _VERIFIER.match(verifier):
        raise InvalidGrant("code_verifier missing or malformed")
    if not challenge or not same(s256(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge")
