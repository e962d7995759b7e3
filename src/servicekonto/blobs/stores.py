"""Open the configured blob store for one unit of work (`SERVICEKONTO_BLOB_STORE`).

Documents people upload (company registration now; the Dokumentensafe and Postfach attachments
later) go through here and are always sealed (`sealed.py`), whichever adapter keeps the bytes.
Letters keep calling the database adapter's functions directly: their PDFs are deleted at
dispatch and every instance must be able to print any of them (issue 10), so the setting does
not move them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from servicekonto.blobs.filesystem import FileSystemBlobStore
from servicekonto.blobs.port import BlobStore
from servicekonto.blobs.sealed import PURPOSE, SealedBlobStore
from servicekonto.blobs.service import DatabaseBlobStore
from servicekonto.security.sealing import Sealer
from servicekonto.security.secrets import derive_key
from servicekonto.settings import Settings

#: HKDF purpose of the key that names files (never the sealing key).
NAMES_PURPOSE = "blob-file-names"


def open_store(settings: Settings, db: Session) -> BlobStore:
    """The sealed store the settings choose, bound to `db`'s transaction."""
    inner: BlobStore
    if settings.blob_store == "filesystem":
        inner = FileSystemBlobStore(
            settings.blob_directory,
            name_key=derive_key(settings.secret_key, NAMES_PURPOSE),
            db=db,
        )
    else:
        inner = DatabaseBlobStore(db)
    return SealedBlobStore(inner, Sealer(settings.secret_key, PURPOSE))
