"""The database adapter of the blobs port (`port.py`): put, get and delete binary objects by id,
in the caller's transaction (never committed here).

The database is the store every instance reaches (`blobs` table). The module functions are the
adapter letters use; `DatabaseBlobStore` is the same bound to a session, as the port's protocol
asks (`stores.open_store` hands it out, sealed). Every object has a content type and a size
under a cap, so a caller cannot fill the database by accident. Owners choose the id
(`letter:<id>`), so a letter finds its PDF without a link table; ids are refused unless they
are short printable ASCII.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.blobs.port import (
    MAX_BYTES,
    BlobTooLarge,
    StoredBlob,
    check_content_type,
    check_id,
    check_size,
)
from servicekonto.db.models.blob import Blob

__all__ = ["MAX_BYTES", "BlobTooLarge", "DatabaseBlobStore", "StoredBlob"]


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
    check_id(blob_id)
    check_content_type(content_type)
    check_size(data, max_bytes)
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
    check_id(prefix)
    return list(
        db.scalars(
            select(Blob.id).where(Blob.id.startswith(prefix, autoescape=True)).order_by(Blob.id)
        )
    )


class DatabaseBlobStore:
    """The functions above bound to one session (the port's `BlobStore`)."""

    def __init__(self, db: Session) -> None:
        self._db = db

    def put(
        self,
        *,
        blob_id: str,
        data: bytes,
        content_type: str,
        now: datetime,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        put(
            self._db,
            blob_id=blob_id,
            data=data,
            content_type=content_type,
            now=now,
            max_bytes=max_bytes,
        )

    def get(self, *, blob_id: str) -> StoredBlob | None:
        return get(self._db, blob_id=blob_id)

    def delete(self, blob_ids: Collection[str]) -> int:
        return delete(self._db, blob_ids)

    def ids_with_prefix(self, prefix: str) -> list[str]:
        return ids_with_prefix(self._db, prefix)
