"""Uploaded documents at rest (issue 12 item 2): sealed with AES-256-GCM under a key derived from
the server secret, the blob id and content type as associated data, behind the blobs port with a
database and a file-system adapter. A changed, moved, relabelled or truncated object raises
BlobTampered, never returns garbage; the file-system adapter follows the session's transaction."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.blobs.port import BlobTampered, BlobTooLarge
from servicekonto.blobs.stores import open_store
from servicekonto.clock import FixedClock
from servicekonto.db.models.blob import Blob
from servicekonto.errors import InvalidInput
from servicekonto.settings import Settings
from tests.uploads.conftest import Stores

PLAIN = b"%PDF-1.7 Handelsregisterauszug HRB 12345 Amtsgericht Koblenz"
NOW = FixedClock().now()


def _put(stores: Stores, blob_id: str, data: bytes = PLAIN) -> None:
    with stores.sessions() as db:
        stores.open(db).put(blob_id=blob_id, data=data, content_type="application/pdf", now=NOW)
        db.commit()


def _get(stores: Stores, blob_id: str) -> bytes | None:
    with stores.sessions() as db:
        stored = stores.open(db).get(blob_id=blob_id)
    return None if stored is None else stored.data


def _files(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.blob_directory.rglob("*") if p.is_file())


@pytest.mark.postgres
def test_a_sealed_blob_round_trips_and_is_ciphertext_at_rest(stores: Stores) -> None:
    _put(stores, "upload:a")
    with stores.sessions() as db:
        stored = stores.open(db).get(blob_id="upload:a")
    assert stored is not None
    assert (stored.data, stored.content_type, stored.created_at) == (PLAIN, "application/pdf", NOW)
    raw = _raw(stores, "upload:a")
    assert PLAIN not in raw and b"HRB 12345" not in raw
    assert len(raw) >= len(PLAIN) + 29  # version, nonce and tag
    # Sealing the same bytes again gives other ciphertext (a fresh nonce per object).
    _put(stores, "upload:b")
    assert _raw(stores, "upload:b")[-len(PLAIN) - 16 :] != raw[-len(PLAIN) - 16 :]
    with stores.sessions() as db:
        assert stores.open(db).ids_with_prefix("upload:") == ["upload:a", "upload:b"]
        assert stores.open(db).ids_with_prefix("letter:") == []


def _raw(stores: Stores, blob_id: str) -> bytes:
    """The stored bytes as the database or the disk holds them."""
    if stores.settings.blob_store == "database":
        with stores.sessions() as db:
            return bytes(db.scalars(select(Blob.data).where(Blob.id == blob_id)).one())
    [path] = [p for p in _files(stores.settings) if blob_id.encode() in p.read_bytes()[:200]]
    return path.read_bytes()


def _tamper(stores: Stores, blob_id: str, change: str) -> None:
    if stores.settings.blob_store == "database":
        with stores.sessions() as db:
            row = db.get(Blob, blob_id)
            assert row is not None
            data = bytearray(row.data)
            if change == "flip":
                data[-20] ^= 0x01
            elif change == "truncate":
                del data[-1:]
            values: dict[str, object] = {"data": bytes(data)}
            if change == "relabel":
                values = {"content_type": "image/png"}
            db.execute(update(Blob).where(Blob.id == blob_id).values(**values))
            db.commit()
        return
    [path] = [p for p in _files(stores.settings) if blob_id.encode() in p.read_bytes()[:200]]
    data = bytearray(path.read_bytes())
    if change == "flip":
        data[-20] ^= 0x01
    elif change == "truncate":
        del data[-1:]
    elif change == "relabel":
        data = bytearray(bytes(data).replace(b'"application/pdf"', b'"image/png"', 1))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("change", ["flip", "truncate", "relabel"])
def test_a_changed_blob_raises_tampered_instead_of_returning_garbage(
    stores: Stores, change: str
) -> None:
    _put(stores, "upload:a")
    _tamper(stores, "upload:a", change)
    with pytest.raises(BlobTampered) as tampered:
        _get(stores, "upload:a")
    assert tampered.value.code == "blob_tampered"


def test_a_blob_moved_to_another_id_does_not_open(stores: Stores) -> None:
    _put(stores, "upload:a", b"Dokument A")
    _put(stores, "upload:b", b"Dokument B")
    if stores.settings.blob_store == "database":
        with stores.sessions() as db:
            a = db.get(Blob, "upload:a")
            assert a is not None
            db.execute(update(Blob).where(Blob.id == "upload:b").values(data=a.data))
            db.commit()
    else:
        by_id = {b"upload:a": Path(), b"upload:b": Path()}
        for path in _files(stores.settings):
            for key in by_id:
                if key in path.read_bytes()[:200]:
                    by_id[key] = path
        # The whole file, header and all, copied over the other's name.
        by_id[b"upload:b"].write_bytes(by_id[b"upload:a"].read_bytes())
    with pytest.raises(BlobTampered):
        _get(stores, "upload:b")
    assert _get(stores, "upload:a") == b"Dokument A"


def test_a_blob_sealed_under_another_server_secret_does_not_open(stores: Stores) -> None:
    _put(stores, "upload:a")
    other = Stores(
        stores.settings.model_copy(update={"secret_key": "another-secret-" + "x" * 40}),
        stores.sessions,
    )
    if stores.settings.blob_store == "filesystem":
        # File names derive from the secret too: the other key does not even find the file.
        assert _get(other, "upload:a") is None
    else:
        with pytest.raises(BlobTampered):
            _get(other, "upload:a")


def test_an_unsealed_object_in_the_table_is_tampered(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from servicekonto.blobs import service as database_blobs

    with sessions() as db:
        database_blobs.put(
            db, blob_id="upload:x", data=b"plain", content_type="text/plain", now=NOW
        )
        with pytest.raises(BlobTampered):
            open_store(settings, db).get(blob_id="upload:x")


def test_the_cap_is_on_the_plain_bytes_and_ids_are_checked(stores: Stores) -> None:
    with stores.sessions() as db:
        store = stores.open(db)
        fits = {"content_type": "text/plain", "now": NOW, "max_bytes": 100}
        store.put(blob_id="upload:fits", data=b"x" * 100, **fits)  # type: ignore[arg-type]
        with pytest.raises(BlobTooLarge):
            store.put(blob_id="upload:big", data=b"x" * 101, **fits)  # type: ignore[arg-type]
        for bad in ("../etc/passwd", "Upload:A", "", "a/b", "a\x00b"):
            with pytest.raises(InvalidInput):
                store.put(blob_id=bad, data=b"x", content_type="text/plain", now=NOW)
            if stores.settings.blob_store == "filesystem":  # ids never become paths
                with pytest.raises(InvalidInput):
                    store.get(blob_id=bad)
                with pytest.raises(InvalidInput):
                    store.delete([bad])
        with pytest.raises(InvalidInput):
            store.put(blob_id="upload:ct", data=b"x", content_type="text/html\r\nX: y", now=NOW)


# -- the file-system adapter and the transaction --------------------------------------------


@pytest.fixture
def fs(settings: Settings, sessions: sessionmaker[Session]) -> Stores:
    return Stores(settings.model_copy(update={"blob_store": "filesystem"}), sessions)


def test_files_have_random_looking_owner_only_names_in_the_data_directory(fs: Stores) -> None:
    _put(fs, "upload:0123456789abcdef")
    [path] = _files(fs.settings)
    assert fs.settings.blob_directory == fs.settings.data_dir / "blobs"
    assert path.is_relative_to(fs.settings.blob_directory)
    assert "upload" not in str(path) and "0123456789abcdef" not in str(path)
    assert len(path.name) == 43 and path.parent.name == path.name[:2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_rolled_back_put_leaves_no_file_and_a_replaced_one_comes_back(fs: Stores) -> None:
    with fs.sessions() as db:
        fs.open(db).put(blob_id="upload:new", data=b"neu", content_type="text/plain", now=NOW)
        assert fs.open(db).get(blob_id="upload:new") is not None  # readable in its transaction
        db.rollback()
    assert _files(fs.settings) == []
    _put(fs, "upload:old", b"alt")
    with fs.sessions() as db:
        fs.open(db).put(blob_id="upload:old", data=b"neu", content_type="text/plain", now=NOW)
        fs.open(db).put(blob_id="upload:old", data=b"neuer", content_type="text/plain", now=NOW)
        # closing without commit ends the transaction as a rollback does
    assert _get(fs, "upload:old") == b"alt"
    assert len(_files(fs.settings)) == 1  # no side copy left behind


def test_a_delete_waits_for_the_commit(fs: Stores) -> None:
    _put(fs, "upload:a")
    _put(fs, "upload:b")
    with fs.sessions() as db:
        store = fs.open(db)
        assert store.delete(["upload:a", "upload:gone"]) == 1
        assert store.get(blob_id="upload:a") is None
        assert store.ids_with_prefix("upload:") == ["upload:b"]
        assert store.delete(["upload:a"]) == 0
        db.rollback()
    assert _get(fs, "upload:a") == PLAIN
    with fs.sessions() as db:
        fs.open(db).delete(["upload:a"])
        assert len(_files(fs.settings)) == 2  # still there until the commit
        db.commit()
    assert _get(fs, "upload:a") is None and len(_files(fs.settings)) == 1


def test_a_replaced_blob_committed_keeps_only_the_new_content(fs: Stores) -> None:
    _put(fs, "upload:a", b"alt")
    _put(fs, "upload:a", b"neu")
    assert _get(fs, "upload:a") == b"neu"
    assert len(_files(fs.settings)) == 1


def test_the_default_store_is_the_database_and_letters_are_not_moved(settings: Settings) -> None:
    assert Settings(dev_mode=True).blob_store == "database"
    assert settings.blob_directory == settings.data_dir / "blobs"
    assert Settings(dev_mode=True, blob_dir="/srv/blobs").blob_directory == Path("/srv/blobs")
    assert not os.path.exists(settings.blob_directory)
