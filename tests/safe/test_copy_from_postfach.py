"""Keeping a Postfach notice or attachment in the safe (issue 13 item 4): the copy has its own
blob and survives the message's deletion; only the person's own, unrecalled messages whose level
the session reaches can be copied; the page offers them and copies with one button."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import PostfachAttachment, PostfachMessage, SafeDocument
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import access, inbox
from servicekonto.safe import documents
from servicekonto.safe.errors import LevelTooLow, NotCopyable
from servicekonto.safe.views import DocumentView
from tests.postfach.conftest import PDF, Postfach, attachment, message
from tests.safe.conftest import Safe, sign_in

pytestmark = pytest.mark.postgres


def _notice(safe: Safe, *, min_level: str = "substantial") -> tuple[str, str, str]:
    """A person with a Bescheid (and its PDF) in the Postfach: (account, message, attachment)."""
    pf = safe.postfach
    client_id = pf.client()
    account_id, sub = pf.recipient(client_id)
    result = pf.deposit(client_id, message(sub, min_level=min_level,
                                           attachments=[attachment(PDF)]))
    with safe.sessions() as db:
        attachment_id = str(db.scalar(select(PostfachAttachment.id).where(
            PostfachAttachment.message_id == result.message_id)))
    return account_id, result.message_id, attachment_id


def _copy(safe: Safe, account_id: str, message_id: str, attachment_id: str | None = None,
          level: TrustLevel = TrustLevel.SUBSTANTIAL) -> DocumentView:
    with safe.sessions() as db:
        view = documents.copy_from_postfach(
            db, account_id=account_id, message_id=message_id, attachment_id=attachment_id,
            session_level=level, folder="Bescheide", store=safe.store(db),
            quota_bytes=100 * 1024 * 1024, now=safe.now)
        db.commit()
        return view


@pytest.mark.parametrize("blob_store", ["database", "filesystem"])
def test_a_copy_survives_the_deletion_of_its_message(safe: Safe, blob_store: str) -> None:
    safe.settings = safe.settings.model_copy(update={"blob_store": blob_store})
    account_id, message_id, attachment_id = _notice(safe)
    notice = _copy(safe, account_id, message_id)
    pdf = _copy(safe, account_id, message_id, attachment_id)

    with safe.sessions() as db:
        inbox.delete_message(db, box=access.personal(account_id), message_id=message_id,
                             blobs=safe.store(db), now=safe.now)
        db.commit()
    assert safe.count(PostfachMessage) == 0

    with safe.sessions() as db:
        kept_pdf = documents.read_document(db, account_id=account_id, document_id=pdf.id,
                                           store=safe.store(db),
                                           session_level=TrustLevel.SUBSTANTIAL)
        kept_notice = documents.read_document(db, account_id=account_id, document_id=notice.id,
                                              store=safe.store(db),
                                              session_level=TrustLevel.SUBSTANTIAL)
    assert kept_pdf.data == PDF
    assert (kept_pdf.document.filename, kept_pdf.document.source) == ("Bescheid.pdf", "postfach")
    text = kept_notice.data.decode()
    assert text.startswith("Ihr Bescheid über die Hundesteuer\n")
    assert "Absender: Verbandsgemeinde Cochem" in text and "anbei Ihr Bescheid." in text
    assert kept_notice.document.folder == "Bescheide"
    assert kept_notice.document.min_level == "substantial"


def test_a_low_session_cannot_copy_or_open_a_substantial_notice(safe: Safe) -> None:
    account_id, message_id, attachment_id = _notice(safe)
    with pytest.raises(LevelTooLow):
        _copy(safe, account_id, message_id, attachment_id, level=TrustLevel.LOW)
    with safe.sessions() as db:
        assert documents.copyable_messages(db, account_id=account_id,
                                           session_level=TrustLevel.LOW) == []

    copied = _copy(safe, account_id, message_id, attachment_id)
    with safe.sessions() as db, pytest.raises(LevelTooLow):
        documents.read_document(db, account_id=account_id, document_id=copied.id,
                                store=safe.store(db), session_level=TrustLevel.LOW)


def test_another_persons_or_a_recalled_message_cannot_be_copied(safe: Safe) -> None:
    account_id, message_id, _ = _notice(safe)
    stranger = safe.person()
    with pytest.raises(NotCopyable):
        _copy(safe, stranger, message_id)
    with safe.sessions() as db:
        row = db.get(PostfachMessage, message_id)
        assert row is not None
        row.recalled_at = safe.now
        db.commit()
    with pytest.raises(NotCopyable):
        _copy(safe, account_id, message_id)
    assert safe.count(SafeDocument) == 0


def test_the_page_copies_a_notice_with_one_button(
    safe_app: TestClient, app_provider: Provider
) -> None:
    person = sign_in(safe_app, app_provider)
    pf = Postfach(app_provider.sessions, app_provider.clock,  # type: ignore[arg-type]
                  app_provider.settings)
    client_id = pf.client()
    sub = pf.subject(person.account_id, client_id)
    pf.consent(person.account_id, client_id)
    result = pf.deposit(client_id, message(sub, min_level="low",
                                           attachments=[attachment(PDF)]))

    page = person.browser.get("/safe")
    assert "Ihr Bescheid über die Hundesteuer" in page.text
    copied = person.browser.post_form("/safe/copy", {"message_id": result.message_id}, page)
    assert copied.status_code == 303 and copied.headers["location"] == "/safe?notice=copied"

    listing = person.browser.get(copied.headers["location"]).text
    assert "Eine Kopie liegt jetzt in Ihrem Dokumentensafe." in listing
    assert "Ihr Bescheid über die Hundesteuer.txt" in listing
    assert "Postfach: Verbandsgemeinde Cochem – Hundeanmeldung" in listing
