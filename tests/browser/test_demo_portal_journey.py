"""A real browser (Debian's Chromium through Playwright) logs in at the demo portal.

This is the journey a person takes after `make run`; it caught what HTTP-level tests cannot, such
as a Referrer-Policy that made Chromium send `Origin: null` on our own form POSTs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekonto.app import build_provider
from servicekonto.clock import SystemClock
from servicekonto.demo_seed import seed
from servicekonto.settings import Settings
from tests.conftest import IN_CI, ServerProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]


@pytest.fixture
def page(server: ServerProcess) -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("CI=true but Chromium is missing (.ci/run installs Debian's chromium)")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def demo(server: ServerProcess) -> dict[str, object]:
    settings = Settings(
        dev_mode=True,
        issuer=server.base_url,
        database_url=server.env["SERVICEKONTO_DATABASE_URL"],
        data_dir=Path(server.env["SERVICEKONTO_DATA_DIR"]),
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )
    provider = build_provider(settings, SystemClock())
    with provider.sessions() as db:
        result = seed(db, settings=settings, hashing=provider.hashing, now=provider.clock.now())
        db.commit()
        engine = db.get_bind()
    engine.dispose()  # type: ignore[union-attr]
    return result


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
