"""The privacy page (Datenschutz) names every cookie this origin sets, and nothing else: the names
are collected from a real browser across a whole journey, not from a list kept beside the page.

The journey: the privacy page with a language choice, the demo portal (same origin), password
login, the step-up to level high through the Online-Ausweis simulator, consent, and the
RP-initiated logout.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
#: A cookie named on the privacy page: `<li><code>sk_…</code>: what it is for</li>`.
NAMED_COOKIE = re.compile(r"<li><code>([A-Za-z0-9_-]+)</code>:")


def test_privacy_page_names_exactly_the_cookies_a_whole_journey_sets(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    seen: set[str] = set()

    def collect() -> None:
        seen.update(c["name"] for c in page.context.cookies(base))

    page.goto(f"{base}/datenschutz?lang=de")
    collect()

    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau hoch").click()
    page.get_by_label("E-Mail-Adresse").fill(ANNA)
    page.get_by_label("Passwort").fill(ANNA_PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    collect()
    page.get_by_role("button", name="Mit Online-Ausweis fortfahren").click()
    page.wait_for_url(re.compile(re.escape(f"{base}/mock/eid/simulator/")))
    collect()
    page.get_by_label("Testausweis").select_option("anna-schmitz")
    page.get_by_label("PIN (6 Ziffern)").fill("111111")
    page.get_by_role("button", name="Ausweisen").click()
    expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
    collect()
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    expect(page.locator(".acr-box__value")).to_have_text("http://eidas.europa.eu/LoA/high")
    collect()
    page.get_by_role("link", name="Abmelden").click()
    page.wait_for_url(f"{base}/demo-portal")
    collect()

    # every step above set what it needs: the journey is not shorter than it claims
    assert {"sk_csrf", "sk_lang", "sk_session", "sk_eid", "sk_demo"} <= seen, seen
    page.goto(f"{base}/datenschutz")
    named = set(NAMED_COOKIE.findall(page.content()))
    assert named == seen
