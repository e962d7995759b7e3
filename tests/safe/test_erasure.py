"""Deleting the account removes every safe document, its blob (database row or sealed file),
the usage row and every share, counted (issue 13: "Account deletion removes every message,
document, blob and share (checked by counting rows and files)"); another person's safe stays;
a rolled-back deletion keeps everything."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.levels import TrustLevel
from servicekonto.clock import FixedClock
from servicekonto.db.models import PostfachMessage, SafeDocument, SafeShare, SafeUsage
from servicekonto.safe import documents
from servicekonto.selfservice import recovery
from servicekonto.settings import Settings
from tests.postfach.conftest import PDF as BESCHEID
from tests.postfach.conftest import attachment, message
from tests.safe.conftest import Safe
from tests.uploads import corpus

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["database", "filesystem"])
def safe(request: pytest.FixtureRequest, sessions: sessionmaker[Session], clock: FixedClock,
         settings: Settings) -> Safe:
    return Safe(sessions, clock, settings.model_copy(update={"blob_store": request.param}))


def _fill(safe: Safe) -> str:
    """A person with a Postfach notice copied (text and PDF), two own uploads and two shares."""
    pf = safe.postfach
    client_id = pf.client()
    account_id, sub = pf.recipient(client_id)
    deposited = pf.deposit(client_id, message(sub, min_level="low",
                                              attachments=[attachment(BESCHEID)]))
    with safe.sessions() as db:
        documents.copy_from_postfach(db, account_id=account_id,
                                     message_id=deposited.message_id, attachment_id=None,
                                     session_level=TrustLevel.LOW, folder="",
                                     store=safe.store(db), quota_bytes=10**8, now=safe.now)
        db.commit()
    first = safe.upload(account_id)
    safe.upload(account_id, corpus.png(), "Grundriss.png", content_type="image/png",
                folder="Haus")
    safe.share(account_id, first.id, client_id)
    safe.share(account_id, first.id, client_id, application_id="antrag-8")
    return account_id


def test_deleting_the_account_removes_every_document_blob_and_share(safe: Safe) -> None:
    gone, kept = _fill(safe), _fill(safe)
    # per person: 3 documents; blobs: 1 Postfach attachment + 3 safe documents
    assert (safe.count(SafeDocument), safe.count(SafeShare), safe.count(SafeUsage),
            safe.blob_count()) == (6, 4, 2, 8)

    with safe.sessions() as db:
        assert recovery.delete_account(db, account_id=gone, now=safe.now, blobs=safe.store(db))
        db.commit()

    assert safe.count(SafeDocument, SafeDocument.account_id == gone) == 0
    assert safe.count(SafeShare, SafeShare.account_id == gone) == 0
    assert safe.count(SafeUsage, SafeUsage.account_id == gone) == 0
    assert safe.count(PostfachMessage, PostfachMessage.account_id == gone) == 0
    assert (safe.count(SafeDocument), safe.count(SafeShare), safe.count(SafeUsage),
            safe.blob_count()) == (3, 2, 1, 4)
    with safe.sessions() as db:  # the other person's documents still open
        for view in documents.list_documents(db, account_id=kept):
            assert documents.read_document(db, account_id=kept, document_id=view.id,
                                           store=safe.store(db),
                                           session_level=TrustLevel.LOW).data


def test_a_rolled_back_deletion_keeps_every_document_and_blob(safe: Safe) -> None:
    account_id = _fill(safe)
    with safe.sessions() as db:
        recovery.delete_account(db, account_id=account_id, now=safe.now, blobs=safe.store(db))
        db.rollback()
    assert (safe.count(SafeDocument), safe.count(SafeShare), safe.blob_count()) == (3, 2, 4)
