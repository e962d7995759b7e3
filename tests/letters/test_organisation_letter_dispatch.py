"""Organisation letters in the dispatch view and the print-shop API (issue 12 item 4): listed with
their kind, scoped to the administration like PIN letters (`restrict`), exported and marked
dispatched; the activation code then works. A PIN letter of no administration stays visible to
the print shop (its API and CLI list every queued letter)."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from servicekonto.clock import FixedClock
from servicekonto.db.models import Letter
from servicekonto.letters import service
from servicekonto.letters.store import save_pdf
from servicekonto.oidc.provider import Provider
from tests.letters.conftest import queue
from tests.letters.test_dispatch_access import (
    VIEW,
    _pdf,
    enrol_totp,
    enter_code,
    log_in,
    make_staff,
)
from tests.letters.test_organisation_letters import ORG, ORGANISATION, queue_org, try_org_code
from tests.letters.test_pdf import full_text
from tests.letters.test_staff_scope import letter_of
from tests.support import Browser, account_id_of, make_account, make_client


def test_the_view_lists_an_organisation_letter_for_its_administration_only(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider, "vg-zell")
    applicant = account_id_of(provider, make_account(provider))
    zell = queue_org(provider, applicant, slug="vg-zell")
    ulmen = queue_org(provider, applicant, organisation_id="org-ulmen", slug="vg-ulmen",
                      name="Weingut Ulmen e. K.")
    pin = letter_of(provider, "vg-zell")
    secret = enrol_totp(app_client, provider, clock, staff_id)
    log_in(browser, email)
    enter_code(browser, secret, clock)

    view = browser.get(VIEW)

    assert view.status_code == 200
    assert zell.letter_id in view.text and ulmen.letter_id not in view.text
    assert pin in view.text
    assert view.text.count("Aktivierung Unternehmen") == 1
    assert view.text.count("PIN-Brief (Identität)") == 1
    assert "Moselweingut Müller-Lüdenscheidt GmbH &amp; Co. KG" in view.text
    assert "Weingut Ulmen" not in view.text
    other = browser.post_form(f"{VIEW}/export", [("letter_ids", ulmen.letter_id)], view)
    assert other.status_code == 404
    with provider.sessions() as db:
        assert service.mark_dispatched(db, letter_ids=[ulmen.letter_id],
                                       now=clock.now(), staff=staff_id) == 0


def test_queue_dispatch_by_the_view_then_activate(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email, staff_id = make_staff(provider, "vg-zell")
    applicant = account_id_of(provider, make_account(provider))
    queued = queue_org(provider, applicant, slug="vg-zell")
    secret = enrol_totp(app_client, provider, clock, staff_id)
    log_in(browser, email)
    enter_code(browser, secret, clock)
    view = browser.get(VIEW)

    exported = browser.post_form(f"{VIEW}/export", [("letter_ids", queued.letter_id)], view)
    assert exported.status_code == 200 and exported.content.startswith(b"%PDF")
    assert queued.code in full_text(exported.content)
    assert queued.revocation_code is not None
    assert queued.revocation_code in full_text(exported.content)
    browser.post_form(f"{VIEW}/dispatch", [("letter_ids", queued.letter_id)], view)
    with provider.sessions() as db:
        letter = db.get(Letter, queued.letter_id)
        assert letter is not None and letter.status == "dispatched"
    assert queued.letter_id not in browser.get(VIEW).text

    clock.advance(days=2)
    used = try_org_code(provider, queued.code)
    assert used is not None and (used.purpose, used.applicant_account_id) == (
        "activation", applicant)


def test_the_print_shop_api_lists_both_kinds_and_letters_of_no_administration(
    app_client: TestClient, provider: Provider
) -> None:
    applicant = account_id_of(provider, make_account(provider))
    org = queue_org(provider, applicant)
    orphan = queue(provider, applicant)  # a PIN letter of no administration
    with provider.sessions() as db:
        letter = db.get(Letter, orphan.letter_id)
        assert letter is not None
        letter.administration_slug = None
        save_pdf(db, letter_id=orphan.letter_id, pdf=_pdf(), now=provider.clock.now())
        db.commit()
    shop = make_client(provider, grant_types=["client_credentials"],
                       scopes=["letters:dispatch"], redirect_uris=[])
    token = app_client.post("/token", data={"grant_type": "client_credentials"},
                            auth=(shop.client_id, shop.client_secret or "")).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    listed = {item["letter_id"]: item for item in
              app_client.get("/api/v1/letters", headers=headers).json()}

    assert listed[org.letter_id]["kind"] == "org_activation"
    assert listed[org.letter_id]["administration"] == "vg-cochem"
    assert listed[org.letter_id]["recipient_lines"][:2] == [ORGANISATION, "Geschäftsleitung"]
    assert listed[orphan.letter_id]["kind"] == "pin"
    assert listed[orphan.letter_id]["administration"] is None
    batch = app_client.post("/api/v1/letters/batch.pdf", headers=headers,
                            json={"letter_ids": [org.letter_id, orphan.letter_id]})
    assert batch.status_code == 200
    assert len(PdfReader(io.BytesIO(batch.content)).pages) == 2
    done = app_client.post("/api/v1/letters/dispatched", headers=headers,
                           json={"letter_ids": [org.letter_id, orphan.letter_id]})
    assert done.json() == {"dispatched": 2}
    with provider.sessions() as db:
        letter = db.get(Letter, org.letter_id)
        assert letter is not None
        assert (letter.status, letter.pending_organisation_id) == ("dispatched", ORG)
