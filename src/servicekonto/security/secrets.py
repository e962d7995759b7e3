"""Random tokens and their digests at rest (DESIGN §6 #11).

High-entropy secrets (session ids, codes, refresh tokens, client secrets) need no slow hash:
a SHA-256 digest is stored and compared in constant time. Low-entropy ones (passwords, PINs)
go to `passwords.py` instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as _secrets


def random_token(num_bytes: int = 32) -> str:
    """A URL-safe random string carrying `num_bytes` * 8 bits of entropy."""
    return _secrets.token_urlsafe(num_bytes)


def digest(value: str) -> str:
    """Hex SHA-256 of a high-entropy secret, the form in which it is stored."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def derive_key(secret_key: str, purpose: str, length: int = 32) -> bytes:
    """A sub-key per purpose (HKDF-SHA256, RFC 5869), so one server secret serves many uses."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"servicekonto", info=purpose.encode()
    ).derive(secret_key.encode("utf-8"))


def keyed_digest(key: bytes, message: str) -> str:
    """URL-safe HMAC-SHA256 without padding (pairwise subjects, CSRF tokens)."""
    mac = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")
