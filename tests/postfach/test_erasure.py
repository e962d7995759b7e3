"""Account deletion removes every message, attachment blob and status update of the account
(issue 13, TR-03160-1 §7), counted in rows and stored objects, in the database store and in the
filesystem store; another person's Postfach and an organisation's stay."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.clock import FixedClock
from servicekonto.db.models import (
    ApplicationStatus,
    PostfachAttachment,
    PostfachMessage,
)
from servicekonto.postfach import status
from servicekonto.postfach.schemas import StatusUpdateRequest
from servicekonto.selfservice import recovery
from servicekonto.settings import Settings
from tests.postfach.conftest import PDF, PNG, Postfach, attachment, message


@pytest.fixture(params=["database", "filesystem"])
def pf(request: pytest.FixtureRequest, sessions: sessionmaker[Session], clock: FixedClock,
       settings: Settings) -> Postfach:
    return Postfach(sessions, clock, settings.model_copy(update={"blob_store": request.param}))


def _fill(pf: Postfach, client_id: str, sub: str) -> None:
    pf.deposit(client_id, message(sub, attachments=[attachment(PDF), attachment(
        PNG, "Plan.png", "image/png")]))
    pf.deposit(client_id, message(sub, title="Ohne Anlage"))
    with pf.sessions() as db:
        status.add_status(db, client_id=client_id, now=pf.now, request=StatusUpdateRequest(
            recipient={"sub": sub}, application_id="antrag-1", status="SUBMITTED",
            public_service_name="Hundeanmeldung", sender_name="VG Cochem"))
        db.commit()


def test_deleting_the_account_removes_its_messages_attachments_blobs_and_statuses(
    pf: Postfach, client_id: str
) -> None:
    gone, gone_sub = pf.recipient(client_id)
    kept, kept_sub = pf.recipient(client_id)
    _fill(pf, client_id, gone_sub)
    _fill(pf, client_id, kept_sub)
    assert (pf.count(PostfachMessage), pf.count(PostfachAttachment),
            pf.count(ApplicationStatus), pf.blob_count()) == (4, 4, 2, 4)

    with pf.sessions() as db:
        assert recovery.delete_account(db, account_id=gone, now=pf.now, blobs=pf.store(db))
        db.commit()

    assert pf.count(PostfachMessage, PostfachMessage.account_id == gone) == 0
    assert pf.count(ApplicationStatus, ApplicationStatus.account_id == gone) == 0
    assert (pf.count(PostfachMessage), pf.count(PostfachAttachment),
            pf.count(ApplicationStatus), pf.blob_count()) == (2, 2, 1, 2)
    with pf.sessions() as db:  # the other person's attachments still open
        blob_ids = [a.blob_id for a in db.query(PostfachAttachment)]
        store = pf.store(db)
        assert [store.get(blob_id=b) is not None for b in blob_ids] == [True, True]
    assert kept


def test_a_rolled_back_deletion_keeps_every_blob(pf: Postfach, client_id: str) -> None:
    account_id, sub = pf.recipient(client_id)
    _fill(pf, client_id, sub)
    with pf.sessions() as db:
        recovery.delete_account(db, account_id=account_id, now=pf.now, blobs=pf.store(db))
        db.rollback()
    assert pf.count(PostfachMessage) == 2 and pf.blob_count() == 2
