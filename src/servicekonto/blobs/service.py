"""Put, get and delete binary objects by id, in the caller's transaction (never committed here).

The database is the store every instance reaches (`blobs` table); an S3-compatible store would
implement the same four functions. Every object has a content type and a size under a cap, so a
caller cannot fill the database by accident. Owners choose the id (`letter:<id>`), so a letter
finds its PDF without a link table; ids are refused unless they are short printable ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.db.models.blob import Blob
from servicekonto.errors import InvalidInput

#: Default cap per object: 10 MiB (a PIN letter is a few KiB; uploads get their own cap).
MAX_BYTES = 10 * 1024 * 1024
_ID = re.compile(r"[a-z0-9][a-z0-9:._-]{0,79}")
_CONTENT_TYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+")


class BlobTooLarge(InvalidInput):
    """An object over the cap; nothing is stored."""

    code = "blob_too_large"


@dataclass(frozen=True)
class StoredBlob:
    id: str
    content_type: str
    data: bytes
    created_at: datetime


def put(
    db: Session,
    *,
    blob_id: str,
    data: bytes,
    content_type: str,
    now: datetime,
    max_bytes: int = MAX_BYTES,
) -> None:
    """Store (or replace) the object; BlobTooLarge over `max_bytes`, InvalidInput for an id or
    content type that is not well formed. Flushed, not committed."""
    _check_id(blob_id)
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise InvalidInput("content type is not well formed")
    if len(data) > max_bytes:
        raise BlobTooLarge(f"at most {max_bytes} bytes")
    db.merge(
        Blob(id=blob_id, content_type=content_type, size=len(data), data=data, created_at=now)
    )
    db.flush()


def get(db: Session, *, blob_id: str) -> StoredBlob | None:
    """The object, or None when there is none."""
    row = db.execute(
        select(Blob.id, Blob.content_type, Blob.data, Blob.created_at).where(Blob.id == blob_id)
    ).first()
    if row is None:
        return None
    return StoredBlob(
        id=row.id, content_type=row.content_type, data=bytes(row.data), created_at=row.created_at
    )


def delete(db: Session, blob_ids: Collection[str]) -> int:
    """Delete these objects; returns how many there were (deleting is idempotent)."""
    if not blob_ids:
        return 0
    result = db.execute(
        sql_delete(Blob)
        .where(Blob.id.in_(list(blob_ids)))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def ids_with_prefix(db: Session, prefix: str) -> list[str]:
    """The ids that start with `prefix` (an owner's objects, for clean-up jobs)."""
    _check_id(prefix)
    return list(db.scalars(select(Blob.id).where(Blob.id.startswith(prefix, autoescape=True))))


def _check_id(blob_id: str) -> None:
    if not _ID.fullmatch(blob_id):
        raise InvalidInput("blob id is not well formed")
