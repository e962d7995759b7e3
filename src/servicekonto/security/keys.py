"""Signing-key material: generation and encryption at rest (DESIGN §7: keys encrypted with a
key-encryption key from settings). Persistence and rotation live in `oidc/keystore.py`.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import ECKey, KeyParameters, RSAKey

from servicekonto.security.secrets import derive_key, random_token

#: Algorithms we sign with. FAPI 2.0 SP §5.4.1 allow-list minus EdDSA; never `none`, never HMAC.
SIGNING_ALGS = ("ES256", "RS256", "PS256")

SigningKey = ECKey | RSAKey


def generate(alg: str) -> SigningKey:
    if alg not in SIGNING_ALGS:
        raise ValueError(f"unsupported signing alg {alg}")
    params: KeyParameters = {"kid": random_token(12), "alg": alg, "use": "sig"}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=params, private=True)
    return RSAKey.generate_key(2048, parameters=params, private=True)


def import_private(jwk: dict[str, Any]) -> SigningKey:
    if jwk.get("kty") == "EC":
        return ECKey.import_key(jwk)
    return RSAKey.import_key(jwk)


class KeyEncryption:
    """AES-256-GCM with a key derived from the server secret; the kid is bound as AAD."""

    def __init__(self, secret_key: str) -> None:
        self._aead = AESGCM(derive_key(secret_key, "signing-key-encryption"))

    def seal(self, key: SigningKey) -> str:
        nonce = os.urandom(12)
        plain = json.dumps(key.as_dict(private=True)).encode()
        sealed = self._aead.encrypt(nonce, plain, str(key.kid).encode())
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, kid: str, sealed: str) -> SigningKey:
        raw = base64.b64decode(sealed)
        plain = self._aead.decrypt(raw[:12], raw[12:], kid.encode())
        return import_private(json.loads(plain))
