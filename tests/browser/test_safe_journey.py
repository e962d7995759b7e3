"""The Dokumentensafe and favourites in Chromium with the keyboard alone, axe on every page
(issue 13: "Browser journeys with axe and keyboard: … copy to the safe, upload, share,
favourites"; WCAG 2.1.1, BITV 2.0).

Anna (demo tenant) has a notice of the demo Fachverfahren in her Postfach and consented to it.
She signs in, opens the safe from the account page, copies the notice, uploads a PDF with the
file chooser opened by the keyboard, opens the document, shares it with the Fachverfahren for
an application, and marks a service as favourite; the account page lists it. Every step is a
key press: Tab until the named element has focus, then Enter, Space or typing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from servicekonto.app import build_provider
from servicekonto.blobs.stores import open_store
from servicekonto.clients.subjects import remember_subject
from servicekonto.clock import SystemClock
from servicekonto.consent.service import grant
from servicekonto.db.models import Account, SafeShare
from servicekonto.postfach import deposit as deposit_service
from servicekonto.postfach.schemas import DepositRequest
from servicekonto.sim.demo_seed import seed
from tests.browser.test_accessibility import ANNA, ANNA_PASSWORD, SAFE_PAGES, Audit
from tests.conftest import ServerProcess
from tests.postfach.conftest import message
from tests.uploads import corpus

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

FACHVERFAHREN = "demo-fachverfahren"
TITLE = "Ihr Bescheid über die Hundesteuer"

#: The name a person hears for the focused element: its label, or its text.
_NAME = """
() => {
  const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
  return (label || "").replace(/\\s+/g, " ").trim();
}
"""


def tab_to(page: Any, name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element's name starts with `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(_NAME).startswith(name):
            return
    raise AssertionError(f"no element named {name!r} reached with Tab on {page.url}")


def _prepare(server: ServerProcess) -> None:
    """The demo tenant, and a notice of the Fachverfahren for Anna, who consented to it."""
    settings = server.settings()
    provider = build_provider(settings, SystemClock())
    with provider.sessions() as db:
        seed(db, settings=settings, hashing=provider.hashing, now=provider.clock.now())
        anna = db.scalar(select(Account.id).where(Account.email == ANNA))
        assert anna is not None
        remember_subject(db, account_id=anna, client_id=FACHVERFAHREN, subject="anna-sub")
        grant(db, account_id=anna, client_id=FACHVERFAHREN, scopes={"openid", "postfach"},
              claims=set(), now=provider.clock.now())
        deposit_service.deposit(
            db, client_id=FACHVERFAHREN,
            request=DepositRequest.model_validate(message("anna-sub", title=TITLE,
                                                          min_level="low")),
            idempotency_key=None, blobs=open_store(settings, db), scanner=None,
            scan_required=False, issuer=settings.issuer, now=provider.clock.now())
        db.commit()
        engine = db.get_bind()
    engine.dispose()


def test_keep_upload_share_and_mark_a_favourite_with_the_keyboard(
    make_server: Any, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server: ServerProcess = make_server(UPLOAD_SCAN_REQUIRED="false")
    _prepare(server)
    base = server.base_url
    audit = Audit(page)
    pdf = tmp_path / "Bauantrag.pdf"
    pdf.write_bytes(corpus.pdf(b"Bauantrag"))

    page.goto(f"{base}/login?next=/account")
    audit("signin/login.html", "empty")
    tab_to(page, "E-Mail-Adresse")
    page.keyboard.type(ANNA)
    tab_to(page, "Passwort")
    page.keyboard.type(ANNA_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/account")
    audit("account/account.html", "signed in")

    tab_to(page, "Zum Dokumentensafe")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/safe")
    audit("safe/safe.html", "empty, one notice to keep")

    tab_to(page, f"Nachricht in den Safe kopieren – {TITLE}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/safe?notice=copied")
    expect(page.get_by_role("link", name=f"{TITLE}.txt")).to_be_visible()
    audit("safe/safe.html", "notice kept")

    tab_to(page, "Datei")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(pdf))
    tab_to(page, "Ordner (optional)")
    page.keyboard.type("Bauen")
    tab_to(page, "Hochladen")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/safe?notice=uploaded")
    audit("safe/safe.html", "uploaded")

    tab_to(page, "Bauantrag.pdf")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/safe/documents/*")
    audit("safe/document.html", "share form")
    tab_to(page, "Online-Dienst")  # the one consented client is chosen already
    tab_to(page, "Antragsnummer")
    page.keyboard.type("BA-2026-0815")
    page.keyboard.press("Enter")
    page.wait_for_url("**/safe/documents/*?notice=shared")
    expect(page.get_by_text("offen bis").first).to_be_visible()
    audit("safe/document.html", "shared")

    page.goto(f"{base}/services")
    audit("safe/services.html", "catalogue")
    tab_to(page, "Als Favorit merken – Hundeanmeldung, Verbandsgemeinde Cochem")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/services?notice=marked*")
    audit("safe/services.html", "favourite marked")

    page.goto(f"{base}/account")
    expect(page.get_by_role("link", name="Hundeanmeldung")).to_be_visible()
    audit("account/account.html", "with favourites")
    audit.finish(SAFE_PAGES)

    provider = build_provider(server.settings(), SystemClock())
    with provider.sessions() as db:
        shares = list(db.scalars(select(SafeShare)))
        engine = db.get_bind()
    engine.dispose()
    assert [(s.client_id, s.application_id) for s in shares] == [
        (FACHVERFAHREN, "BA-2026-0815")]
