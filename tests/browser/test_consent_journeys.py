"""Consent at the demo portal in a real browser: a deselected optional claim is not released, and
revoking the consent on the account page ends the portal's session by back-channel logout
(DESIGN §5 "Consent management"), after which a new login asks for consent again."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
PORTAL = "Demo-Portal Landkreis Cochem-Zell"
LOGGED_IN = "Sie sind im Demo-Portal angemeldet."


def _log_in_at_the_portal(page: Any, base: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    page.get_by_label("E-Mail-Adresse").fill(ANNA)
    page.get_by_label("Passwort").fill(ANNA_PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Einwilligung zur Datenübermittlung")


def _released_claim_names(page: Any) -> set[str]:
    """Every claim name the portal shows, in userinfo, ID token and nested verified_claims."""
    return set(page.locator("dl.claims dt code").all_inner_texts())


def test_a_deselected_optional_claim_is_not_released(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    _log_in_at_the_portal(page, base)
    birthdate = page.get_by_role("checkbox", name="Geburtsdatum")
    expect(birthdate).to_be_checked()
    expect(birthdate).to_be_enabled()  # optional, so the person may deselect it
    birthdate.uncheck()
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")

    expect(page.locator("main")).to_contain_text(LOGGED_IN)
    names = _released_claim_names(page)
    assert "birthdate" not in names, names
    assert "1984-03-12" not in page.locator("main").inner_text()
    assert {"given_name", "family_name", "email", "address"} <= names, names

    # the account page lists the consent without the deselected claim
    page.goto(f"{base}/account")
    card = page.locator(".card", has=page.get_by_role("heading", name=PORTAL))
    expect(card).to_contain_text("Vorname")
    expect(card).not_to_contain_text("Geburtsdatum")


def _portal_logged_in(page: Any, base: str) -> bool:
    page.goto(f"{base}/demo-portal")
    return LOGGED_IN in page.locator("main").inner_text()


def test_revoking_the_consent_logs_the_portal_out_and_the_next_login_asks_again(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    _log_in_at_the_portal(page, base)
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    # Logged in whichever of the server's two workers answers: the browser keeps its connection
    # (and so its worker), so fresh connections ask. With the portal's state in one worker's
    # memory, about half of them saw a logged-out portal, and the logout token could miss it.
    cookie = {c["name"]: c["value"] for c in page.context.cookies() if c["name"] == "sk_demo"}
    for _ in range(8):
        with httpx.Client(cookies=cookie) as fresh:
            assert LOGGED_IN in fresh.get(f"{base}/demo-portal").text

    page.goto(f"{base}/account")
    revoke = page.get_by_role("button", name=f"Einwilligung widerrufen – {PORTAL}")
    revoke.click()
    expect(page.get_by_role("status")).to_have_text("Die Einwilligung wurde widerrufen.")
    expect(page.get_by_role("heading", name=PORTAL)).to_have_count(0)

    # the back-channel logout goes out through the outbox (about once a second): poll the portal
    deadline = time.monotonic() + 20
    while _portal_logged_in(page, base):
        assert time.monotonic() < deadline, "the portal still shows the person as logged in"
        page.wait_for_timeout(250)
    expect(page.get_by_role("link", name="Abmelden")).to_have_count(0)
    expect(page.locator(".acr-box")).to_have_count(0)

    # still logged in at ServiceKonto, so no password: but consent is asked for again
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Einwilligung zur Datenübermittlung")
    assert re.fullmatch(re.escape(f"{base}/interaction/") + r"[^/]+", page.url), page.url
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    expect(page.locator("main")).to_contain_text(LOGGED_IN)
