"""Choosing the Befugnis at the demo portal in Chromium, with the keyboard alone (issue 12 item 6
and its browser journey): the demo company's member signs in "für Weinhaus Cochem GmbH", the
consent page lists the organisation's claims, and the portal shows what it received. Every page
on the way has no axe-core WCAG 2.1 AA violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.axe import report, violations
from tests.browser.test_keyboard_only import Keyboard, _skip_to_main
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

JONAS = "jonas.mueller@demo.servicekonto.example"


def _no_violations(page: Any, where: str) -> None:
    found = violations(page)
    assert not found, report(where, found)


def test_a_member_chooses_the_befugnis_at_the_demo_portal_by_keyboard(
    server: ServerProcess, demo: dict[str, Any], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    keys = Keyboard(page)
    password = next(a["password"] for a in demo["accounts"] if a["username"] == JONAS)

    page.goto(f"{base}/demo-portal")
    _skip_to_main(keys)
    keys.tab_until("Für eine Organisation anmelden (Befugnis wählen)")
    page.keyboard.press("Enter")

    # the login (prompt=select_account asks for it even with a session)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anmeldung für")
    _skip_to_main(keys)
    assert keys.press("Tab") == "E-Mail-Adresse"
    page.keyboard.type(JONAS)
    assert keys.press("Tab") == "Passwort"
    page.keyboard.type(password)
    assert keys.press("Tab") == "Anmelden"
    page.keyboard.press("Enter")

    # the Befugnis: one radio group; the arrow key moves the choice to the company
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Persönlich oder für eine Organisation handeln"
    )
    _no_violations(page, "Befugnis")
    _skip_to_main(keys)
    assert keys.press("Tab") == "persönlich, als Privatperson"
    page.keyboard.press("ArrowDown")
    company = page.get_by_role("radio", name="für Weinhaus Cochem GmbH")
    expect(company).to_be_checked()
    assert keys.check_focus_visible() == "für Weinhaus Cochem GmbH"
    keys.tab_until("Weiter")
    page.keyboard.press("Enter")

    # consent: the organisation's claims with their values
    expect(page.get_by_role("heading", level=1)).to_have_text("Einwilligung zur Datenübermittlung")
    organisation = page.locator("section[aria-labelledby=organisation-title]")
    expect(organisation).to_contain_text("Weinhaus Cochem GmbH")
    expect(organisation).to_contain_text("HRB 21034")
    expect(organisation).to_contain_text("Mitglied")
    _no_violations(page, "consent with organisation")
    _skip_to_main(keys)
    keys.tab_until("Zustimmen")
    page.keyboard.press("Enter")

    # the portal: what it received for the organisation
    page.wait_for_url(f"{base}/demo-portal")
    expect(page.get_by_role("heading", name="Sie handeln für eine Organisation")).to_be_visible()
    body = page.locator("main").inner_text()
    assert "Weinhaus Cochem GmbH" in body
    assert "organization_role" in body and "member" in body
    assert "Geprüft von: Verbandsgemeinde Cochem" in body
    _no_violations(page, "demo portal acting for an organisation")
