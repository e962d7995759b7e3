"""Signing-key material: generation and encryption at rest (DESIGN §7: keys encrypted with a
key-encryption key from settings). Persistence and rotation live in `oidc/keystore.py`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from joserfc.jwk import ECKey, KeyParameters, RSAKey

from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import random_token

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
    """AES-256-GCM with a key derived from the server secret; the kid is bound as AAD.

    A thin layer over `Sealer`: the stored form (base64 of nonce ‖ ciphertext ‖ tag) and the key
    derivation purpose are unchanged, so keys sealed before this refactoring still open.
    """

    def __init__(self, secret_key: str) -> None:
        self._sealer = Sealer(secret_key, "signing-key-encryption")

    def seal(self, key: SigningKey) -> str:
        plain = json.dumps(key.as_dict(private=True)).encode()
        return self._sealer.seal(plain, aad=str(key.kid))

    def open(self, kid: str, sealed: str) -> SigningKey:
        # Decrypted on every call (a wrong secret or a tampered row still fails here); only
        # the parse of the decrypted key is shared, see `_parsed`.
        return _parsed(self._sealer.open(sealed, aad=kid))


@lru_cache(maxsize=32)
def _parsed(plain_jwk: bytes) -> SigningKey:
    """The key object of a decrypted private JWK, kept for the process: importing an RSA key
    checks it (tens of milliseconds per key), and every key reload and every app start in one
    process (the test suite starts thousands) would otherwise repeat that for the same bytes.
    The objects are only read (sign, export the public part), so sharing them is safe."""
    return import_private(json.loads(plain_jwk))
