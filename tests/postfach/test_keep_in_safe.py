"""Keeping a Postfach notice in the Dokumentensafe from the Postfach pages (issue 13 items 2 and
4): the message page copies the notice or one attachment; deleting with "vorher in den
Dokumentensafe" copies the notice with every attachment and then deletes, in one transaction —
a full safe or a session below the message's level deletes nothing.

Messages are deposited through the domain, on the app's database, clock and settings."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.db.models import PostfachAttachment, PostfachMessage, SafeDocument
from servicekonto.safe import documents, quota
from tests.postfach.conftest import PDF, Postfach, attachment, message
from tests.postfach.test_pages import sign_in
from tests.support import Browser

KEEP_FORM = re.compile(r'<form method="post" action="(/postfach/[^"]+/keep)">')


@pytest.fixture
def recipient(pf: Postfach, client_id: str) -> tuple[str, str]:
    return pf.recipient(client_id)


def kept(pf: Postfach, account_id: str) -> dict[str, bytes]:
    """The person's safe: file name → bytes."""
    with pf.sessions() as db:
        found = {}
        for view in documents.list_documents(db, account_id=account_id):
            content = documents.read_document(
                db, account_id=account_id, document_id=view.id, store=pf.store(db),
                session_level=TrustLevel.HIGH,
            )
            found[view.filename] = content.data
        return found


def test_the_message_page_copies_the_notice_and_each_attachment_into_the_safe(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)

    page = browser.get(f"/postfach/{sent.message_id}")
    assert KEEP_FORM.findall(page.text) == [f"/postfach/{sent.message_id}/keep"] * 2
    assert "Anhang „Bescheid.pdf“ in den Safe kopieren" in page.text

    done = browser.post_form(f"/postfach/{sent.message_id}/keep", {}, page)
    assert done.status_code == 303
    assert done.headers["location"] == f"/postfach/{sent.message_id}?notice=kept"
    back = browser.get(done.headers["location"])
    assert "Eine Kopie liegt jetzt in Ihrem Dokumentensafe." in back.text
    assert 'href="/safe"' in back.text
    (attachment_id,) = sent.attachment_ids
    browser.post_form(f"/postfach/{sent.message_id}/keep", {"attachment_id": attachment_id}, page)

    safe = kept(pf, account_id)
    assert set(safe) == {"Ihr Bescheid über die Hundesteuer.txt", "Bescheid.pdf"}
    assert safe["Bescheid.pdf"] == PDF
    assert "Absender: Verbandsgemeinde Cochem" in safe[
        "Ihr Bescheid über die Hundesteuer.txt"].decode()
    listing = browser.get("/safe")
    assert "Bescheid.pdf" in listing.text and "Postfach: Verbandsgemeinde Cochem" in listing.text
    # the message stays in the Postfach
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 1


def test_below_the_level_nothing_is_copied_and_the_message_page_offers_the_step_up(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    sign_in(app_client, pf, account_id, TrustLevel.LOW)
    locked = browser.get(f"/postfach/{sent.message_id}")
    assert not KEEP_FORM.findall(locked.text)  # the locked page offers the step-up only

    refused = browser.post_form(f"/postfach/{sent.message_id}/keep", {}, locked)
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/postfach/{sent.message_id}"
    assert pf.count(SafeDocument) == 0


def test_another_persons_message_cannot_be_kept(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    _owner, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    stranger, _ = pf.recipient(client_id)
    sign_in(app_client, pf, stranger, TrustLevel.HIGH)
    page = browser.get("/account")  # any page with a form
    for data in ({}, {"attachment_id": sent.attachment_ids[0]}):
        refused = browser.post_form(f"/postfach/{sent.message_id}/keep", data, page)
        assert refused.status_code == 404
        assert "Ihr Bescheid" not in refused.text
    refused = browser.post_form(f"/postfach/{sent.message_id}/delete", {"keep_in_safe": "yes"},
                                page)
    assert refused.status_code == 404
    assert pf.count(SafeDocument) == 0
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 1


def test_deleting_keeps_the_notice_and_every_attachment_in_the_safe_first(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    png = attachment(PDF.replace(b"Bescheid", b"Anlage  "), filename="Anlage.pdf")
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF), png]))
    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)

    confirm = browser.get(f"/postfach/{sent.message_id}/delete")
    assert 'name="keep_in_safe" value="yes"' in confirm.text
    assert "Die Nachricht und alle Anhänge werden in Ihren Dokumentensafe kopiert." in (
        confirm.text)
    done = browser.post_form(f"/postfach/{sent.message_id}/delete", {"keep_in_safe": "yes"},
                             confirm)
    assert done.status_code == 303
    assert done.headers["location"] == "/postfach?notice=deleted_kept"
    assert "Eine Kopie mit allen Anhängen liegt in Ihrem Dokumentensafe." in browser.get(
        done.headers["location"]).text

    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 0
    assert pf.count(PostfachAttachment) == 0
    safe = kept(pf, account_id)
    assert set(safe) == {"Ihr Bescheid über die Hundesteuer.txt", "Bescheid.pdf", "Anlage.pdf"}
    assert safe["Bescheid.pdf"] == PDF  # the copy outlives the deleted attachment's blob
    with pf.sessions() as db:
        used = quota.usage(db, account_id=account_id, quota_bytes=1).used_bytes
    assert used == sum(len(data) for data in safe.values())


def test_deleting_without_keeping_copies_nothing(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)
    confirm = browser.get(f"/postfach/{sent.message_id}/delete")
    done = browser.post_form(f"/postfach/{sent.message_id}/delete", {}, confirm)
    assert done.headers["location"] == "/postfach?notice=deleted"
    assert pf.count(PostfachMessage) == 0 and pf.count(SafeDocument) == 0


def test_a_full_safe_deletes_nothing_and_says_so(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    quota_bytes = pf.settings.safe_quota_mb * quota.MIB
    with pf.sessions() as db:  # the safe holds all but 100 bytes already
        quota.reserve(db, account_id=account_id, size=quota_bytes - 100, quota_bytes=quota_bytes)
        db.commit()
    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)
    confirm = browser.get(f"/postfach/{sent.message_id}/delete")

    refused = browser.post_form(f"/postfach/{sent.message_id}/delete", {"keep_in_safe": "yes"},
                                confirm)
    assert refused.status_code == 409
    assert "Ihr Dokumentensafe ist voll" in refused.text
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 1
    assert pf.count(PostfachAttachment) == 1
    assert pf.count(SafeDocument) == 0
    with pf.sessions() as db:
        assert quota.usage(db, account_id=account_id, quota_bytes=1).used_bytes == (
            quota_bytes - 100)

    page = browser.get(f"/postfach/{sent.message_id}")
    full = browser.post_form(f"/postfach/{sent.message_id}/keep",
                             {"attachment_id": sent.attachment_ids[0]}, page)
    assert full.status_code == 409
    assert "Ihr Dokumentensafe ist voll" in full.text
    assert pf.count(SafeDocument) == 0


def test_a_forged_keep_below_the_level_deletes_nothing(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str,
    recipient: tuple[str, str]
) -> None:
    account_id, sub = recipient
    sent = pf.deposit(client_id, message(sub))
    sign_in(app_client, pf, account_id, TrustLevel.LOW)
    confirm = browser.get(f"/postfach/{sent.message_id}/delete")
    refused = browser.post_form(f"/postfach/{sent.message_id}/delete", {"keep_in_safe": "yes"},
                                confirm)
    assert refused.status_code == 403
    assert "Es wurde nichts gelöscht." in refused.text
    assert pf.count(PostfachMessage, PostfachMessage.id == sent.message_id) == 1
    assert pf.count(SafeDocument) == 0
