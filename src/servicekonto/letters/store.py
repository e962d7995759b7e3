"""Rendered PIN letters until the print shop has them.

The PDF lives in the database (the `blobs` port, id `letter:<letter id>`; DESIGN §7: all state
lives in the database),
so every instance of a deployment can hand any letter to the print shop (issue 10 item 3). It is
written in the transaction that queues the letter and deleted in the one that dispatches or
closes it: the code in clear never outlives the letter's queue time, and a rolled-back order
leaves nothing behind. A PDF that is missing or not a PDF is an error (`LetterUnreadable`), never
an empty answer.

`LetterStore` is the directory in which versions before migration 0005 kept the PDFs
(`<data_dir>/letters/`, owner-only files). `servicekonto maintenance run` reads the files of
still-queued letters into the database and deletes every file there (`letters.service.purge_pdfs`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from servicekonto.blobs import service as blobs
from servicekonto.errors import Conflict

_LETTER_ID = re.compile(r"[0-9a-f]{32}")
_PDF_MAGIC = b"%PDF-"
#: A letter's PDF is the blob `letter:<letter id>`.
BLOB_PREFIX = "letter:"
PDF = "application/pdf"


def blob_id(letter_id: str) -> str:
    return f"{BLOB_PREFIX}{letter_id}"


def letter_id_of(blob: str) -> str:
    return blob.removeprefix(BLOB_PREFIX)


class LetterUnreadable(Conflict):
    """A queued letter whose PDF is missing or damaged: it cannot be printed (order a new one)."""

    code = "letter_unreadable"


def save_pdf(db: Session, *, letter_id: str, pdf: bytes, now: datetime) -> None:
    """Store the letter's PDF in the caller's transaction (flushed, not committed)."""
    if not pdf.startswith(_PDF_MAGIC):
        raise ValueError("not a PDF")
    blobs.put(db, blob_id=blob_id(letter_id), data=pdf, content_type=PDF, now=now)


def has_pdf(db: Session, *, letter_id: str) -> bool:
    return blobs.get(db, blob_id=blob_id(letter_id)) is not None


def load_pdf(db: Session, *, letter_id: str) -> bytes:
    """The letter's PDF; LetterUnreadable when there is none or it is not a PDF."""
    stored = blobs.get(db, blob_id=blob_id(letter_id))
    if stored is None or not stored.data.startswith(_PDF_MAGIC):
        raise LetterUnreadable(f"the PDF of letter {letter_id} is missing or damaged")
    return stored.data


def stored_letter_ids(db: Session) -> list[str]:
    """The ids of the letters that have a stored PDF."""
    return [letter_id_of(blob) for blob in blobs.ids_with_prefix(db, BLOB_PREFIX)]


def delete_pdfs(db: Session, letter_ids: Collection[str]) -> int:
    """Delete the PDFs of these letters in the caller's transaction; returns how many."""
    return blobs.delete(db, [blob_id(letter_id) for letter_id in letter_ids])


class LetterStore:
    """The legacy directory: one PDF per letter, named ``<letter_id>.pdf`` (module doc)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, letter_id: str) -> Path:
        # Ids are our own uuid4 hex; anything else is refused, so no path can escape the directory.
        if not _LETTER_ID.fullmatch(letter_id):
            raise ValueError("not a letter id")
        return self.directory / f"{letter_id}.pdf"

    def save(self, letter_id: str, pdf: bytes) -> None:
        """Write atomically: a temporary file in the same directory, fsync, then rename."""
        target = self.path(letter_id)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=self.directory)
        try:
            # mkstemp creates the file 0600 already; chmod guards against an odd umask anyway.
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pdf)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def load(self, letter_id: str) -> bytes:
        """The stored PDF; FileNotFoundError when there is none (dispatched or never saved)."""
        return self.path(letter_id).read_bytes()

    def exists(self, letter_id: str) -> bool:
        return self.path(letter_id).is_file()

    def delete(self, letter_id: str) -> bool:
        """Remove the PDF; False when it was already gone (deleting is idempotent)."""
        try:
            self.path(letter_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def stored(self) -> Iterator[tuple[str, float]]:
        """(letter_id, modification time as a POSIX timestamp) of every stored PDF."""
        if not self.directory.is_dir():
            return
        for entry in self.directory.iterdir():
            letter_id = entry.name.removesuffix(".pdf")
            if entry.suffix == ".pdf" and _LETTER_ID.fullmatch(letter_id):
                with contextlib.suppress(FileNotFoundError):
                    yield letter_id, entry.stat().st_mtime
