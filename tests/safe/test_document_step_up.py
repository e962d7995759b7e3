"""A document in the safe above the session's level offers the step-up of the Postfach message
page (DESIGN §4): the authenticator app's code for `substantial`, back to the document, which
then opens; the Online-Ausweis for `high`. Download and share asked for below the level lead
to that page and leave nothing behind."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts import means
from servicekonto.accounts.levels import TrustLevel
from servicekonto.clock import FixedClock
from servicekonto.db.models import SafeShare
from servicekonto.oidc.provider import Provider
from servicekonto.safe import documents
from servicekonto.safe.views import DocumentView
from servicekonto.security import totp
from servicekonto.settings import Settings
from tests.postfach.conftest import PDF, Postfach, attachment, message
from tests.postfach.test_pages import sealer, sign_in
from tests.support import Browser, account_id_of, make_account


@pytest.fixture
def pf(sessions: sessionmaker[Session], clock: FixedClock, settings: Settings) -> Postfach:
    return Postfach(sessions, clock, settings)


@pytest.fixture
def client_id(pf: Postfach) -> str:
    return pf.client()


def kept_attachment(pf: Postfach, account_id: str, client_id: str, level: str) -> DocumentView:
    """The attachment of a message at `level`, kept in the safe in a session that reached it."""
    sub = pf.subject(account_id, client_id)
    pf.consent(account_id, client_id)
    sent = pf.deposit(client_id, message(sub, min_level=level, attachments=[attachment(PDF)]))
    with pf.sessions() as db:
        view = documents.copy_from_postfach(
            db, account_id=account_id, message_id=sent.message_id,
            attachment_id=sent.attachment_ids[0], session_level=TrustLevel.HIGH, folder="",
            store=pf.store(db), quota_bytes=10**8, now=pf.now,
        )
        db.commit()
        return view


def test_a_substantial_document_offers_the_app_code_and_opens_after_it(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str
) -> None:
    provider: Provider = app_client.app.state.provider  # type: ignore[attr-defined]
    account_id = account_id_of(provider, make_account(provider, level=TrustLevel.SUBSTANTIAL))
    with pf.sessions() as db:
        secret = means.set_up_bound_totp(db, account_id=account_id, sealer=sealer(app_client),
                                         now=pf.now)
        db.commit()
    document = kept_attachment(pf, account_id, client_id, "substantial")
    sign_in(app_client, pf, account_id, TrustLevel.LOW)
    url = f"/safe/documents/{document.id}"

    refused = browser.get(f"{url}/download")
    assert refused.status_code == 303 and refused.headers["location"] == url
    page = browser.get(url)
    assert page.status_code == 200 and "Bescheid.pdf" in page.text
    assert "Zum Öffnen ist eine stärkere Anmeldung nötig" in page.text
    step_up = re.search(r'<a class="button" href="(/login/otp\?next=[^"]+)">Mit Authenticator-App '
                        r'bestätigen und öffnen</a>', page.text)
    assert step_up, page.text
    assert step_up.group(1) == f"/login/otp?next=%2Fsafe%2Fdocuments%2F{document.id}"
    shared = browser.post_form(f"{url}/share", {"client_id": client_id,
                                                "application_id": "A-1"}, page)
    assert shared.status_code == 303 and shared.headers["location"] == url
    assert pf.count(SafeShare) == 0

    prompt = browser.get(step_up.group(1))
    pf.clock.advance(seconds=30)
    done = browser.post_form(step_up.group(1),
                             {"otp": totp.code_at(secret, totp.time_step(pf.now))}, prompt)
    assert done.status_code == 303 and done.headers["location"] == url  # back to the document
    opened = browser.get(url)
    assert f'href="{url}/download"' in opened.text
    assert "stärkere Anmeldung" not in opened.text
    download = browser.get(f"{url}/download")
    assert download.status_code == 200 and download.content == PDF


def test_a_high_document_offers_the_online_ausweis_not_the_app(
    app_client: TestClient, browser: Browser, pf: Postfach, client_id: str
) -> None:
    account_id = pf.person()
    document = kept_attachment(pf, account_id, client_id, "high")
    sign_in(app_client, pf, account_id, TrustLevel.SUBSTANTIAL)
    page = browser.get(f"/safe/documents/{document.id}")
    assert "„hoch“ zu öffnen" in page.text
    assert "/login/otp" not in page.text
    assert 'name="purpose" value="step_up"' in page.text
    assert f'name="next" value="/safe/documents/{document.id}"' in page.text
    assert "Mit Online-Ausweis bestätigen und öffnen" in page.text
    sign_in(app_client, pf, account_id, TrustLevel.HIGH)
    assert browser.get(f"/safe/documents/{document.id}/download").content == PDF
