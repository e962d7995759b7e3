"""Rendered PIN letters on disk until the print shop has them (DESIGN §3: `var/letters/`).

A stored PDF carries the activation code in clear, so files are owner-only (0600 in a 0700
directory), written atomically (a reader never sees half a letter) and deleted once the letter is
dispatched or closed: the code must not linger on disk. Only the hash is kept in the database.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

_LETTER_ID = re.compile(r"[0-9a-f]{32}")


class LetterStore:
    """One PDF per letter, named ``<letter_id>.pdf``."""

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
