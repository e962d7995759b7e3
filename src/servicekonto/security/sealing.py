"""Authenticated encryption of small secrets at rest (DESIGN §7: secrets encrypted with a key
derived from the server secret).

AES-256-GCM with a key per purpose (HKDF, `secrets.derive_key`), so the TOTP secrets and the
signing keys never share a key even though one server secret backs both. A fresh random 96-bit
nonce per message (NIST SP 800-38D §8.2.2); the small volume of sealed values keeps the random-
nonce collision bound far away. The associated data binds a ciphertext to the row it belongs to
(e.g. the means id or the kid): a sealed value copied into another row does not open.

Stored form: base64(nonce ‖ ciphertext ‖ tag), standard alphabet with padding; `seal_bytes`
gives the same without base64 for large values (blobs, where a third more size would hurt). A
wrong key, wrong associated data or a tampered value raises `cryptography.exceptions.InvalidTag`.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from servicekonto.security.secrets import derive_key

NONCE_BYTES = 12
TAG_BYTES = 16


class Sealer:
    def __init__(self, secret_key: str, purpose: str) -> None:
        self._aead = AESGCM(derive_key(secret_key, purpose))

    def seal(self, plain: bytes, *, aad: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain, aad.encode("utf-8"))
        return base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, *, aad: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode("utf-8"))

    def seal_bytes(self, plain: bytes, *, aad: str) -> bytes:
        """nonce ‖ ciphertext ‖ tag, raw."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, aad.encode("utf-8"))

    def open_bytes(self, sealed: bytes, *, aad: str) -> bytes:
        """The plain bytes of `seal_bytes`' output; InvalidTag when they do not open."""
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad.encode("utf-8"))
