"""The blobs port (issue 11 item 4): put, get and delete by id with a content type and a size
cap, in the caller's transaction."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from servicekonto.blobs import service as blobs
from servicekonto.db.migrate import alembic_config
from servicekonto.errors import InvalidInput
from servicekonto.letters.store import load_pdf, save_pdf
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.letters.conftest import account_id_of, queue
from tests.support import make_account


@pytest.mark.postgres
def test_a_blob_is_stored_read_replaced_and_deleted_by_id(provider: Provider) -> None:
    now = provider.clock.now()
    with provider.sessions() as db:
        blobs.put(db, blob_id="letter:abc", data=b"%PDF-1", content_type="application/pdf",
                  now=now)
        db.commit()
    with provider.sessions() as db:
        stored = blobs.get(db, blob_id="letter:abc")
        assert stored is not None
        assert (stored.data, stored.content_type, stored.created_at) == (
            b"%PDF-1", "application/pdf", now)
        blobs.put(db, blob_id="letter:abc", data=b"\x00\xff" * 3, content_type="image/png",
                  now=now)
        blobs.put(db, blob_id="upload:1", data=b"", content_type="text/plain", now=now)
        assert blobs.ids_with_prefix(db, "letter:") == ["letter:abc"]
        db.commit()
    with provider.sessions() as db:
        replaced = blobs.get(db, blob_id="letter:abc")
        assert replaced is not None and replaced.data == b"\x00\xff" * 3
        assert blobs.delete(db, ["letter:abc", "letter:gone"]) == 1
        assert blobs.delete(db, []) == 0
        db.commit()
    with provider.sessions() as db:
        assert blobs.get(db, blob_id="letter:abc") is None
        assert blobs.get(db, blob_id="upload:1") is not None


def test_a_blob_over_the_cap_is_refused_and_nothing_is_stored(provider: Provider) -> None:
    with provider.sessions() as db:
        with pytest.raises(blobs.BlobTooLarge):
            blobs.put(db, blob_id="upload:big", data=b"x" * 11, content_type="text/plain",
                      now=provider.clock.now(), max_bytes=10)
        blobs.put(db, blob_id="upload:fits", data=b"x" * 10, content_type="text/plain",
                  now=provider.clock.now(), max_bytes=10)
        db.commit()
    with provider.sessions() as db:
        assert blobs.get(db, blob_id="upload:big") is None
        assert blobs.get(db, blob_id="upload:fits") is not None


@pytest.mark.parametrize(
    ("blob_id", "content_type"),
    [("../etc/passwd", "text/plain"), ("", "text/plain"), ("a" * 81, "text/plain"),
     ("Letter:X", "text/plain"), ("ok", "text/plain; charset=utf-8\r\nX: y"), ("ok", "")],
)
def test_a_malformed_id_or_content_type_is_refused(
    provider: Provider, blob_id: str, content_type: str
) -> None:
    with provider.sessions() as db, pytest.raises(InvalidInput):
        blobs.put(db, blob_id=blob_id, data=b"x", content_type=content_type,
                  now=provider.clock.now())


@pytest.mark.postgres
def test_migration_moves_letter_pdfs_into_blobs_and_back(
    provider: Provider, settings: Settings
) -> None:
    """0010 moves `letter_documents` into `blobs` (id `letter:<letter id>`); the downgrade moves
    them back, so no queued letter loses its print PDF either way."""
    queued = queue(provider, account_id_of(provider, make_account(provider)))
    with provider.sessions() as db:
        save_pdf(db, letter_id=queued.letter_id, pdf=b"%PDF-1.4 demo", now=provider.clock.now())
        db.commit()
    config = alembic_config(settings.sqlalchemy_url)

    command.downgrade(config, "0009")
    with provider.sessions() as db:
        rows = db.execute(text("SELECT letter_id, pdf FROM letter_documents")).all()
        assert [(r[0], bytes(r[1])) for r in rows] == [(queued.letter_id, b"%PDF-1.4 demo")]
    command.upgrade(config, "head")

    with provider.sessions() as db:
        assert load_pdf(db, letter_id=queued.letter_id) == b"%PDF-1.4 demo"
        stored = blobs.get(db, blob_id=f"letter:{queued.letter_id}")
        assert stored is not None and stored.content_type == "application/pdf"
    with provider.sessions() as db:
        assert "letter_documents" not in inspect(db.get_bind()).get_table_names()
