"""A document's page: move it to a folder, delete it (its space and blob are freed), and a copy
of a `substantial` notice opened in a `low` session: refused with the German reason, the name
still listed."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.blobs.stores import open_store
from servicekonto.db.models import Blob, SafeDocument, SafeUsage
from servicekonto.oidc.provider import Provider
from servicekonto.safe import documents
from tests.postfach.conftest import Postfach, attachment, message
from tests.safe.conftest import PDF, sign_in, upload_page
from tests.support import page_text


def test_move_to_a_folder_and_delete_through_the_pages(
    safe_app: TestClient, app_provider: Provider
) -> None:
    person = sign_in(safe_app, app_provider)
    upload_page(person, [("Steuerbescheid.pdf", PDF, "application/pdf")])
    with app_provider.sessions() as db:
        document_id = str(db.scalar(select(SafeDocument.id)))
    page = person.browser.get(f"/safe/documents/{document_id}")

    moved = person.browser.post_form(f"/safe/documents/{document_id}/folder",
                                     {"folder": "Steuer 2026"}, page)
    assert moved.status_code == 303
    assert "Steuerbescheid.pdf" in person.browser.get("/safe?folder=Steuer 2026").text
    refused = person.browser.post_form(f"/safe/documents/{document_id}/folder",
                                       {"folder": "../etc"}, page)
    assert refused.status_code == 422
    assert html.escape(page_text("safe.error.invalid_folder"), quote=False) in refused.text

    deleted = person.browser.post_form(f"/safe/documents/{document_id}/delete", {}, page)
    assert deleted.headers["location"] == "/safe?notice=deleted"
    with app_provider.sessions() as db:
        assert db.scalar(select(SafeDocument.id)) is None
        assert db.scalar(select(Blob.id)) is None
        assert db.scalar(select(SafeUsage.used_bytes)) == 0


def test_a_kept_substantial_notice_needs_its_level_to_open(
    safe_app: TestClient, app_provider: Provider
) -> None:
    person = sign_in(safe_app, app_provider)  # a password login: `low`
    pf = Postfach(app_provider.sessions, app_provider.clock,  # type: ignore[arg-type]
                  app_provider.settings)
    client_id = pf.client()
    sub = pf.subject(person.account_id, client_id)
    pf.consent(person.account_id, client_id)
    result = pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))  # substantial
    with app_provider.sessions() as db:  # kept earlier, in a session at `substantial`
        kept = documents.copy_from_postfach(
            db, account_id=person.account_id, message_id=result.message_id, attachment_id=None,
            session_level=TrustLevel.SUBSTANTIAL, folder="", quota_bytes=10**8,
            store=open_store(app_provider.settings, db), now=app_provider.clock.now())
        db.commit()

    listing = person.browser.get("/safe").text
    assert "Ihr Bescheid über die Hundesteuer.txt" in listing  # the name stays visible
    assert "Nachricht in den Safe kopieren" not in listing  # not offered at `low`
    download = person.browser.get(f"/safe/documents/{kept.id}/download")
    assert download.status_code == 303  # to the document's page, which offers the step-up
    assert download.headers["location"] == f"/safe/documents/{kept.id}"
    page = person.browser.get(download.headers["location"])
    assert "Ihr Bescheid über die Hundesteuer.txt" in page.text
    assert "nur mit dem Vertrauensniveau „substantiell“ zu öffnen" in page.text
    assert f'href="/safe/documents/{kept.id}/download"' not in page.text
    assert f'action="/safe/documents/{kept.id}/share"' not in page.text
    # no bound app and an unconfirmed identity: the Online-Ausweis, back to the document
    assert 'name="purpose" value="step_up"' in page.text
    assert f'name="next" value="/safe/documents/{kept.id}"' in page.text
    assert "Identität bestätigen" in page.text and "/login?next=" not in page.text
