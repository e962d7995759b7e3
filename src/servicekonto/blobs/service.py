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
from typing import Unpack

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.blobs.port import (
    MAX_BYTES,
    BlobStore,
    BlobTooLarge,
    NewBlob,
    StoredBlob,
    check_id,
)
from servicekonto.db.models.blob import Blob

__all__ = ["MAX_BYTES", "BlobTooLarge", "DatabaseBlobStore", "StoredBlob"]


def put(db: Session, **blob: Unpack[NewBlob]) -> None:
    """Store (or replace) the object (`BlobStore.put`: BlobTooLarge over `max_bytes`,
    InvalidInput for an id or content type that is not well formed). Flushed, not committed."""
    DatabaseBlobStore(db).put(**blob)


def get(db: Session, *, blob_id: str) -> StoredBlob | None:
    """The object, or None when there is none."""
    return DatabaseBlobStore(db).get(blob_id=blob_id)


def delete(db: Session, blob_ids: Collection[str]) -> int:
    """Delete these objects; returns how many there were (deleting is idempotent)."""
    return DatabaseBlobStore(db).delete(blob_ids)


def ids_with_prefix(db: Session, prefix: str) -> list[str]:
    """The ids that start with `prefix` (an owner's objects, for clean-up jobs)."""
    return DatabaseBlobStore(db).ids_with_prefix(prefix)


class DatabaseBlobStore(BlobStore):
    """The `blobs` table through one session (the port's `BlobStore`)."""

    def __init__(self, db: Session) -> None:
        self._db = db

    def _write(self, blob: StoredBlob) -> None:
        data = blob.data
        self._db.merge(
            Blob(
                id=blob.id,
                content_type=blob.content_type,
                size=len(data),
                data=data,
                created_at=blob.created_at,
            )
        )
        self._db.flush()

    def get(self, *, blob_id: str) -> StoredBlob | None:
        row = self._db.execute(
            select(Blob.id, Blob.content_type, Blob.data, Blob.created_at).where(Blob.id == blob_id)
        ).first()
        if row is None:
            return None
        return StoredBlob(
            id=row.id,
            content_type=row.content_type,
            data=bytes(row.data),
            created_at=row.created_at,
        )

    def delete(self, blob_ids: Collection[str]) -> int:
        if not blob_ids:
            return 0
        result = self._db.execute(
            sql_delete(Blob)
            .where(Blob.id.in_(list(blob_ids)))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def ids_with_prefix(self, prefix: str) -> list[str]:
        check_id(prefix)
        query = select(Blob.id).where(Blob.id.startswith(prefix, autoescape=True))
        return list(self._db.scalars(query.order_by(Blob.id)))
