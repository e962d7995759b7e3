"""Sealing at rest for any blob store (DESIGN §8 uploads; issue 12 item 2).

AES-256-GCM under a key derived from the server secret for this purpose only (HKDF,
`security/sealing.py`), a fresh random 96-bit nonce per object, and the blob id and content type
as associated data: an object copied under another id, given another content type, or changed
by a single bit does not open, and `get` raises `BlobTampered` instead of returning garbage.

Stored bytes: version byte 0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16). The wrapped store (the
database, a directory, an S3-compatible bucket) only ever sees those. Changing the server secret
makes sealed objects unreadable, as it does the sealed signing keys (README, Backup).
"""

from __future__ import annotations

from collections.abc import Collection

from cryptography.exceptions import InvalidTag

from servicekonto.blobs.port import BlobStore, BlobTampered, StoredBlob
from servicekonto.security.sealing import NONCE_BYTES, TAG_BYTES, Sealer

VERSION = b"\x01"
#: Bytes sealing adds to an object.
OVERHEAD = len(VERSION) + NONCE_BYTES + TAG_BYTES
#: The HKDF purpose of the blob key (never shared with another use of the server secret).
PURPOSE = "blobs-at-rest"


class SealedBlobStore(BlobStore):
    """`inner` with every object sealed on the way in and opened on the way out."""

    def __init__(self, inner: BlobStore, sealer: Sealer) -> None:
        self._inner = inner
        self._sealer = sealer

    def _write(self, blob: StoredBlob) -> None:
        # `put` checked the caller's cap on the plain bytes; the inner store gets exactly these.
        sealed = VERSION + self._sealer.seal_bytes(blob.data, aad=_aad(blob.id, blob.content_type))
        self._inner.put(
            blob_id=blob.id,
            data=sealed,
            content_type=blob.content_type,
            now=blob.created_at,
            max_bytes=len(sealed),
        )

    def get(self, *, blob_id: str) -> StoredBlob | None:
        stored = self._inner.get(blob_id=blob_id)
        if stored is None:
            return None
        if not stored.data.startswith(VERSION) or len(stored.data) < OVERHEAD:
            raise BlobTampered(f"blob {blob_id} is not sealed")
        try:
            plain = self._sealer.open_bytes(
                stored.data[len(VERSION) :], aad=_aad(blob_id, stored.content_type)
            )
        except (InvalidTag, ValueError) as exc:
            raise BlobTampered(f"blob {blob_id} does not open") from exc
        return StoredBlob(
            id=stored.id, content_type=stored.content_type, data=plain, created_at=stored.created_at
        )

    def delete(self, blob_ids: Collection[str]) -> int:
        return self._inner.delete(blob_ids)

    def ids_with_prefix(self, prefix: str) -> list[str]:
        return self._inner.ids_with_prefix(prefix)


def _aad(blob_id: str, content_type: str) -> str:
    # Neither may contain a newline (port.check_id, check_content_type), so this is unambiguous.
    return f"servicekonto-blob\n{blob_id}\n{content_type}"
