"""LetterStore: PDFs with the code in clear, so owner-only, atomic, and easy to delete."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from servicekonto.letters.store import LetterStore

LETTER_ID = "0123456789abcdef0123456789abcdef"


def test_save_load_delete(tmp_path: Path) -> None:
    store = LetterStore(tmp_path / "letters")
    store.save(LETTER_ID, b"%PDF-1.4 one")
    assert store.load(LETTER_ID) == b"%PDF-1.4 one"
    store.save(LETTER_ID, b"%PDF-1.4 two")  # replaced atomically
    assert store.load(LETTER_ID) == b"%PDF-1.4 two"
    assert [name for name, _ in store.stored()] == [LETTER_ID]
    assert store.delete(LETTER_ID)
    assert not store.delete(LETTER_ID)
    with pytest.raises(FileNotFoundError):
        store.load(LETTER_ID)


def test_files_are_owner_only_and_no_temporary_file_remains(tmp_path: Path) -> None:
    store = LetterStore(tmp_path / "letters")
    store.save(LETTER_ID, b"%PDF-1.4")
    assert stat.S_IMODE(store.path(LETTER_ID).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert sorted(p.name for p in store.directory.iterdir()) == [f"{LETTER_ID}.pdf"]


@pytest.mark.parametrize("bad", ["../etc/passwd", "x" * 32, LETTER_ID.upper(), "", LETTER_ID + "0"])
def test_ids_cannot_escape_the_directory(tmp_path: Path, bad: str) -> None:
    store = LetterStore(tmp_path)
    with pytest.raises(ValueError):
        store.save(bad, b"")
    with pytest.raises(ValueError):
        store.path(bad)


def test_stored_ignores_foreign_files_and_a_missing_directory(tmp_path: Path) -> None:
    store = LetterStore(tmp_path / "absent")
    assert list(store.stored()) == []
    store.save(LETTER_ID, b"%PDF")
    (store.directory / "notes.txt").write_text("x")
    (store.directory / ".tmp-abc.pdf").write_bytes(b"x")
    assert [name for name, _ in store.stored()] == [LETTER_ID]
