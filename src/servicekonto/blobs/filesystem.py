"""The file-system adapter of the blobs port: one file per object in a directory of its own.

Names: a file is called after an HMAC of its blob id under a key derived from the server secret
(`<root>/<2 chars>/<43 chars>`, base64url), so no part of a path comes from an id, a user or an
upload, the names say nothing, and a file is found without an index (no table, no migration). The
directory is owner-only (0700, files 0600) and must lie outside anything a web server serves
(the service itself serves no directory).

File: a header line (`SKBLOB1`), one JSON line with id, content type and time, then the bytes
as given. `open_store` always wraps this adapter in `SealedBlobStore`, so those bytes are
ciphertext; the header repeats the id so a file copied over another id's name is detected, and
the sealing binds id and content type, so changing either does not go unnoticed.

`ids_with_prefix` reads the header of every file (the names say nothing): fine for clean-up
jobs, not for a request path.

Writes go to a temporary file in the same directory, fsync, rename (atomic on POSIX); a file that
is replaced keeps its old content under a side name until the transaction ends
(`unit_of_work.py`): the commit removes it, a rollback puts it back.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from servicekonto.blobs import unit_of_work
from servicekonto.blobs.port import (
    BlobStore,
    BlobTampered,
    StoredBlob,
    check_content_type,
    check_id,
)
from servicekonto.errors import InvalidInput
from servicekonto.security.secrets import keyed_digest

MAGIC = b"SKBLOB1\n"
#: The header is a few hundred bytes at most (id ≤ 80, content type, time).
_HEADER_MAX = 1024
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"


@dataclass
class _Transaction:
    """What this transaction wrote (with the side name of the content it replaced, if any) and
    what it is going to delete."""

    written: dict[Path, Path | None] = field(default_factory=dict)
    deleting: set[Path] = field(default_factory=set)

    def commit(self) -> None:
        for path in self.deleting:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for old in self.written.values():
            if old is not None:
                with contextlib.suppress(FileNotFoundError):
                    old.unlink()

    def rollback(self) -> None:
        for path, old in self.written.items():
            if old is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            else:
                os.replace(old, path)


class FileSystemBlobStore(BlobStore):
    """Objects as files under `root`, in the unit of work of `db` (module doc)."""

    def __init__(self, root: Path, *, name_key: bytes, db: Session) -> None:
        self._root = Path(root)
        self._name_key = name_key
        self._db = db

    # -- the port ---------------------------------------------------------------------------

    def _write(self, blob: StoredBlob) -> None:
        tx = self._transaction()
        path = self._path(blob.id)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        header = {"id": blob.id, "content_type": blob.content_type}
        header["created_at"] = blob.created_at.isoformat()
        encoded = json.dumps(header, separators=(",", ":")).encode("ascii")
        tmp = self._write_temporary(path.parent, MAGIC + encoded + b"\n" + blob.data)
        if path not in tx.written:
            # First write of this name in the transaction: keep what was there for a rollback.
            old: Path | None = None
            if path.exists():
                old = path.with_name(f"{_OLD_PREFIX}{path.name}-{secrets.token_hex(8)}")
                os.replace(path, old)
            tx.written[path] = old
        os.replace(tmp, path)
        _fsync_directory(path.parent)
        tx.deleting.discard(path)

    def get(self, *, blob_id: str) -> StoredBlob | None:
        check_id(blob_id)
        path = self._path(blob_id)
        if path in self._deleting():
            return None
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        stored_id, content_type, created_at, body_at = _parse_header(raw)
        if stored_id != blob_id:
            raise BlobTampered(f"blob {blob_id} holds another object")
        return StoredBlob(
            id=blob_id, content_type=content_type, data=raw[body_at:], created_at=created_at
        )

    def delete(self, blob_ids: Collection[str]) -> int:
        if not blob_ids:
            return 0
        for blob_id in blob_ids:
            check_id(blob_id)
        tx = self._transaction()
        count = 0
        for blob_id in set(blob_ids):
            path = self._path(blob_id)
            if path.exists() and path not in tx.deleting:
                tx.deleting.add(path)
                count += 1
        return count

    def ids_with_prefix(self, prefix: str) -> list[str]:
        check_id(prefix)
        deleting = self._deleting()
        found = []
        for path in self._files():
            if path in deleting:
                continue
            try:
                with path.open("rb") as handle:
                    head = handle.read(len(MAGIC) + _HEADER_MAX)
            except FileNotFoundError:
                continue
            try:
                blob_id = _parse_header(head)[0]
            except BlobTampered:
                continue  # not ours to list; `get` reports it when its owner asks
            if blob_id.startswith(prefix):
                found.append(blob_id)
        return sorted(found)

    # -- helpers ----------------------------------------------------------------------------

    def _path(self, blob_id: str) -> Path:
        name = keyed_digest(self._name_key, blob_id)  # base64url, [A-Za-z0-9_-], never "."
        return self._root / name[:2] / name

    def _transaction(self) -> _Transaction:
        return unit_of_work.pending(self._db, self._key, _Transaction)

    def _deleting(self) -> set[Path]:
        tx = unit_of_work.peek(self._db, self._key)
        return tx.deleting if isinstance(tx, _Transaction) else set()

    @property
    def _key(self) -> str:
        return f"fs:{self._root.resolve()}"

    def _files(self) -> Iterator[Path]:
        if not self._root.is_dir():
            return
        for directory in self._root.iterdir():
            if not directory.is_dir():
                continue
            for path in directory.iterdir():
                if not path.name.startswith((_TMP_PREFIX, _OLD_PREFIX)):
                    yield path

    @staticmethod
    def _write_temporary(directory: Path, content: bytes) -> Path:
        fd, name = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=directory)
        try:
            os.fchmod(fd, 0o600)  # mkstemp makes it 0600 already; an odd umask cannot widen it
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            raise
        return Path(name)


def _parse_header(raw: bytes) -> tuple[str, str, datetime, int]:
    """(id, content type, created at, offset of the body); BlobTampered when it is not ours."""
    if not raw.startswith(MAGIC):
        raise BlobTampered("not a blob file")
    end = raw.find(b"\n", len(MAGIC), len(MAGIC) + _HEADER_MAX)
    if end < 0:
        raise BlobTampered("blob header damaged")
    try:
        header = json.loads(raw[len(MAGIC) : end])
        blob_id, content_type = header["id"], header["content_type"]
        created_at = datetime.fromisoformat(header["created_at"])
        check_id(blob_id)
        check_content_type(content_type)
    except (ValueError, KeyError, TypeError, InvalidInput) as exc:
        raise BlobTampered("blob header damaged") from exc
    return blob_id, content_type, created_at, end + 1


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX: the directory entry is data of the directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
