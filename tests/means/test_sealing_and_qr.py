"""`Sealer` (AES-256-GCM at rest), the signing-key format it now carries, and the QR SVG."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from servicekonto.security.keys import KeyEncryption, generate, import_private
from servicekonto.security.qr import qr_svg
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import derive_key
from servicekonto.security.totp import provisioning_uri

SECRET_KEY = "a-server-secret-of-sufficient-length-0123456789"


def test_seal_round_trip_with_random_nonce() -> None:
    sealer = Sealer(SECRET_KEY, "purpose-a")
    first, second = (
        sealer.seal(b"shared secret", aad="row-1"),
        sealer.seal(b"shared secret", aad="row-1"),
    )
    assert first != second  # fresh nonce per message
    assert sealer.open(first, aad="row-1") == b"shared secret"
    raw = base64.b64decode(first)
    assert len(raw) == 12 + len(b"shared secret") + 16  # nonce ‖ ciphertext ‖ tag
    assert b"shared secret" not in raw


def test_seal_is_bound_to_aad_purpose_and_key() -> None:
    sealed = Sealer(SECRET_KEY, "purpose-a").seal(b"x", aad="row-1")
    with pytest.raises(InvalidTag):
        Sealer(SECRET_KEY, "purpose-a").open(sealed, aad="row-2")
    with pytest.raises(InvalidTag):
        Sealer(SECRET_KEY, "purpose-b").open(sealed, aad="row-1")
    with pytest.raises(InvalidTag):
        Sealer(SECRET_KEY + "x", "purpose-a").open(sealed, aad="row-1")
    tampered = bytearray(base64.b64decode(sealed))
    tampered[-1] ^= 1
    with pytest.raises(InvalidTag):
        Sealer(SECRET_KEY, "purpose-a").open(base64.b64encode(tampered).decode(), aad="row-1")


def _legacy_seal(secret_key: str, kid: str, plain: bytes) -> str:
    """KeyEncryption.seal as it was before it moved onto Sealer (the stored format)."""
    nonce = os.urandom(12)
    aead = AESGCM(derive_key(secret_key, "signing-key-encryption"))
    return base64.b64encode(nonce + aead.encrypt(nonce, plain, kid.encode())).decode("ascii")


def _legacy_open(secret_key: str, kid: str, sealed: str) -> bytes:
    raw = base64.b64decode(sealed)
    aead = AESGCM(derive_key(secret_key, "signing-key-encryption"))
    return aead.decrypt(raw[:12], raw[12:], kid.encode())


def test_key_encryption_format_unchanged_in_both_directions() -> None:
    key = generate("ES256")
    kid = str(key.kid)
    private = key.as_dict(private=True)
    stored_before = _legacy_seal(SECRET_KEY, kid, json.dumps(private).encode())
    assert KeyEncryption(SECRET_KEY).open(kid, stored_before).as_dict(private=True) == private
    stored_now = KeyEncryption(SECRET_KEY).seal(key)
    assert (
        import_private(json.loads(_legacy_open(SECRET_KEY, kid, stored_now))).as_dict(private=True)
        == private
    )
    with pytest.raises(InvalidTag):
        KeyEncryption(SECRET_KEY).open("another-kid", stored_now)


def test_qr_svg_is_inline_accessible_and_csp_clean() -> None:
    uri = provisioning_uri(
        b"12345678901234567890", account_name="erika+x@example.org", issuer="Köln"
    )
    svg = qr_svg(uri, aria_label='QR-Code für "Köln" <App>')
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg
    assert "<script" not in svg.lower()
    assert re.search(r"\sstyle\s*=", svg) is None and "<style" not in svg.lower()
    assert re.search(r"\son\w+\s*=", svg) is None  # no event-handler attributes either
    start = svg[: svg.index(">") + 1]
    assert 'role="img"' in start
    assert 'aria-label="QR-Code für &quot;Köln&quot; &lt;App&gt;"' in start
    assert 'viewBox="0 0 ' in start
    # The data is drawn, not embedded as text: the secret does not appear in the markup.
    assert "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" not in svg
