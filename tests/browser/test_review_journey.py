"""Issue 12, browser journey of the Registrierungsstelle, keyboard only, 0 axe violations: an
officer of Verbandsgemeinde Ulmen logs in with password and app code, opens the demo's waiting
application of "Sportverein Ulmen e. V.", asks for more information, and — after the applicant
answered (through the domain: the applicant's pages are another journey) — approves it. The
activation letter then waits in the dispatch view of the print shop.

Keyboard only: fields are typed into, radio buttons chosen with Space, links and buttons
pressed with Enter after focus reached them (`focus()`, never a click)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from servicekonto.security import totp
from tests.browser.test_accessibility import REVIEW_PAGES, Audit, _totp_at
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

OFFICER = "registrierung.ulmen@demo.servicekonto.example"
DISPATCHER = "druckerei@demo.servicekonto.example"
CLUB = "Sportverein Ulmen e. V."


def _staff(demo: dict[str, Any], username: str) -> dict[str, Any]:
    return next(entry for entry in demo["staff"] if entry["username"] == username)


def _press(page: Any, locator: Any, key: str = "Enter") -> None:
    locator.focus()
    page.keyboard.press(key)


def _type(page: Any, locator: Any, text: str) -> None:
    locator.focus()
    page.keyboard.type(text)


def _log_in(page: Any, base: str, path: str, account: dict[str, Any]) -> None:
    """Password, then the app's code (a fresh step for each account: no replay)."""
    page.goto(f"{base}{path}")
    _type(page, page.get_by_label("E-Mail-Adresse"), account["username"])
    _type(page, page.get_by_label("Passwort", exact=True), account["password"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/login/otp"))
    code = _totp_at(account["totp_secret"], totp.time_step(datetime.now(UTC)))
    _type(page, page.get_by_label("Code", exact=True), code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def _supplement(server: ServerProcess, organisation_id: str) -> None:
    from servicekonto.app import build_provider, dispose_provider
    from servicekonto.clock import SystemClock
    from servicekonto.companies import service
    from servicekonto.db.models import Organisation

    provider = build_provider(server.settings(), SystemClock())
    try:
        with provider.sessions() as db:
            applicant = db.scalar(select(Organisation.applicant_account_id)
                                  .where(Organisation.id == organisation_id))
            assert applicant
            service.supplement(db, applicant_id=applicant, organisation_id=organisation_id,
                               answer="Die Satzung liegt bei.", now=provider.clock.now())
            db.commit()
    finally:
        dispose_provider(provider)


def test_an_officer_asks_for_more_then_approves_and_the_letter_waits_for_dispatch(
    server: ServerProcess, demo: dict[str, Any], page: Any,
) -> None:
    from playwright.sync_api import expect

    base = server.base_url
    audit = Audit(page)

    _log_in(page, base, "/staff/organizations", _staff(demo, OFFICER))
    audit("staff/organizations.html", "the queue of VG Ulmen")
    expect(page.get_by_role("link", name="Bäckerei Zeller e. K.")).to_have_count(0)
    _press(page, page.get_by_role("link", name=CLUB))
    page.wait_for_url(re.compile(r"/staff/organizations/[0-9a-f]+$"))
    organisation_id = page.url.rsplit("/", 1)[1]
    audit("staff/organization.html", "submitted")

    _press(page, page.get_by_role("button", name="Prüfung beginnen"))
    expect(page.get_by_role("status")).to_contain_text("Sie haben die Prüfung begonnen.")

    _press(page, page.get_by_label("Weitere Informationen anfordern"), "Space")
    _press(page, page.get_by_role("button", name="Entscheidung speichern"))
    expect(page.get_by_role("alert")).to_be_visible()  # the reason is required
    audit("staff/organization.html", "reason missing")
    _press(page, page.get_by_label("Weitere Informationen anfordern"), "Space")
    _type(page, page.get_by_label("Begründung", exact=True),
          "Bitte reichen Sie die Satzung des Vereins nach.")
    _press(page, page.get_by_role("button", name="Entscheidung speichern"))
    expect(page.get_by_role("status")).to_contain_text("Ihre Rückfrage ist verschickt.")
    audit("staff/organization.html", "information requested")

    _supplement(server, organisation_id)
    page.reload()
    expect(page.get_by_text("Die Satzung liegt bei.")).to_be_visible()
    _press(page, page.get_by_label("Genehmigen"), "Space")
    _type(page, page.get_by_label("Begründung", exact=True),
          "Vereinsregisterauszug und Satzung liegen vor.")
    _press(page, page.get_by_role("button", name="Entscheidung speichern"))
    expect(page.get_by_role("status")).to_contain_text("Der Antrag ist genehmigt.")
    expect(page.locator("dl.summary")).to_contain_text("genehmigt")

    printer = page.context.browser.new_context(locale="de-DE").new_page()
    try:
        _log_in(printer, base, "/staff/letters", _staff(demo, DISPATCHER))
        row = printer.get_by_role("row").filter(has_text=CLUB)
        expect(row).to_contain_text("Aktivierung Unternehmen")
        expect(row).to_contain_text("Verbandsgemeinde Ulmen")
    finally:
        printer.context.close()
    audit.finish(REVIEW_PAGES)
