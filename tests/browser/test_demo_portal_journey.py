"""A real browser (Debian's Chromium through Playwright) logs in at the demo portal.

This is the journey a person takes after `make run`; it caught what HTTP-level tests cannot, such
as a Referrer-Policy that made Chromium send `Origin: null` on our own form POSTs.
"""

from __future__ import annotations

import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]


def test_demo_portal_login_consent_and_logout_in_chromium(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    citizen = demo["accounts"][0]  # type: ignore[index]
    page.goto(f"{server.base_url}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("E-Mail-Adresse").fill(citizen["username"])
    page.get_by_label("Passwort").fill(citizen["password"])
    page.get_by_role("button", name="Anmelden", exact=True).click()
    # consent: keep everything but the e-mail address
    expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
    page.get_by_label("E-Mail-Adresse").uncheck()
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{server.base_url}/demo-portal")
    body = page.locator("main").inner_text()
    assert "http://eidas.europa.eu/LoA/low" in body
    assert citizen["given_name"] in body
    assert citizen["username"] not in body  # the deselected e-mail was not released
    # RP-initiated logout with id_token_hint returns to the portal, logged out everywhere
    page.get_by_role("link", name="Abmelden").click()
    page.wait_for_url(f"{server.base_url}/demo-portal")
    page.goto(f"{server.base_url}/account")
    expect(page.get_by_label("Passwort")).to_be_visible()
