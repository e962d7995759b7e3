"""The blobs port: what every store of binary objects offers (DESIGN §5, §6), and its errors.

A store is bound to one unit of work (the request's database session) when it is opened, and
behaves as part of that transaction: what is put is readable at once and gone again if the
transaction rolls back; what is deleted stays until it commits. The database adapter
(`service.py`) gets this from the database; an adapter outside it (`filesystem.py`; an
S3-compatible one later) defers its deletions to the commit and undoes its writes on a rollback
through `unit_of_work.py`.

An S3-compatible adapter subclasses `BlobStore` (which checks what is put) and implements four
methods: `_write` → PutObject under a key derived
from the blob id (the id, content type and time as object metadata), `get` → GetObject (None on
404), `delete` → DeleteObjects after the commit, `ids_with_prefix` → ListObjectsV2 over a key
prefix that keeps the id's owner prefix. Sealing (`sealed.py`) wraps any adapter, so the object
store only ever sees ciphertext.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import NotRequired, TypedDict

from servicekonto.errors import Conflict, InvalidInput

#: Default cap per object: 10 MiB (a PIN letter is a few KiB; uploads get their own cap).
MAX_BYTES = 10 * 1024 * 1024
_ID = re.compile(r"[a-z0-9][a-z0-9:._-]{0,79}")
_CONTENT_TYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+")


class BlobTooLarge(InvalidInput):
    """An object over the cap; nothing is stored."""

    code = "blob_too_large"


class BlobTampered(Conflict):
    """A stored object that does not open: changed, truncated, moved to another id or sealed
    under another key. Never answered with the damaged bytes (like `LetterUnreadable`)."""

    code = "blob_tampered"


@dataclass(frozen=True)
class StoredBlob:
    id: str
    content_type: str
    data: bytes
    created_at: datetime


class NewBlob(TypedDict):
    """The arguments of `put`, for functions that pass them on (the database adapter's module
    functions)."""

    blob_id: str
    data: bytes
    content_type: str
    now: datetime
    max_bytes: NotRequired[int]


class BlobStore(ABC):
    """Binary objects by id, in the unit of work the store was opened for (module doc).

    `put` checks its input here, once for every adapter; an adapter writes what passed (`_write`).
    """

    def put(
        self,
        *,
        blob_id: str,
        data: bytes,
        content_type: str,
        now: datetime,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        """Store (or replace) the object; BlobTooLarge over `max_bytes`, InvalidInput for an id
        or content type that is not well formed."""
        check_id(blob_id)
        check_content_type(content_type)
        check_size(data, max_bytes)
        self._write(StoredBlob(id=blob_id, content_type=content_type, data=data, created_at=now))

    @abstractmethod
    def _write(self, blob: StoredBlob) -> None:
        """Store (or replace) an object `put` has checked."""

    @abstractmethod
    def get(self, *, blob_id: str) -> StoredBlob | None:
        """The object, or None; BlobTampered when it is there but does not open."""

    @abstractmethod
    def delete(self, blob_ids: Collection[str]) -> int:
        """Delete these objects (idempotent); returns how many there were."""

    @abstractmethod
    def ids_with_prefix(self, prefix: str) -> list[str]:
        """The ids that start with `prefix`, sorted (an owner's objects, for clean-up jobs)."""


def check_id(blob_id: str) -> None:
    """Ids are short printable ASCII chosen by the owner (`letter:<id>`, `upload:<random>`)."""
    if not _ID.fullmatch(blob_id):
        raise InvalidInput("blob id is not well formed")


def check_content_type(content_type: str) -> None:
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise InvalidInput("content type is not well formed")


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise BlobTooLarge(f"at most {max_bytes} bytes")
