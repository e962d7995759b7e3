"""Issue 4 in a real browser: step-up at the demo portal through the AusweisApp simulator (level
high), a `substantial` step-up that offers only what works (no enrolment from a password
session, issue 15 item 2) with a way back, and the simulator's PIN retry counter.

Each test gets its own `servicekonto serve` on its own data directory (the `server` fixture is
function-scoped), so the embedded eID mock's PIN counters (<data_dir>/eid-mock.sqlite3) and the
demo accounts never leak from one journey into the next.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
STEP_UP_TITLE = "Höheres Vertrauensniveau erforderlich"


@pytest.fixture(autouse=True)
def _embedded_eid_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server must use the embedded mock at /mock/eid, whatever the developer's shell says
    (autouse: runs before `server` copies os.environ)."""
    monkeypatch.delenv("SERVICEKONTO_EID_URL", raising=False)
    monkeypatch.delenv("SERVICEKONTO_EID_ENABLED", raising=False)


def _log_in_as_anna_from_portal(tab: object, base: str, level_link: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(tab, Page)
    tab.goto(f"{base}/demo-portal")
    tab.get_by_role("link", name=level_link).click()
    expect(tab.get_by_label("Passwort")).to_be_visible()
    tab.get_by_label("E-Mail-Adresse").fill(ANNA)
    tab.get_by_label("Passwort").fill(ANNA_PASSWORD)
    # exact: the login page also has "Mit Online-Ausweis anmelden"
    tab.get_by_role("button", name="Anmelden", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(STEP_UP_TITLE)


def _claim(tab: object, name: str) -> str:
    """The value the demo portal renders next to the claim `name` (first occurrence)."""
    from playwright.sync_api import Page

    assert isinstance(tab, Page)
    cell = tab.locator(f'dl.claims div:has(> dt > code:text-is("{name}")) > dd').first
    return cell.inner_text().strip()


def test_done_means_demo_portal_high_through_the_ausweisapp_simulator(
    server: ServerProcess,
    demo: dict[str, object],
    page: object,
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    _log_in_as_anna_from_portal(page, base, "Anmelden – Vertrauensniveau hoch")
    # essential `high`: no way around the step-up, and TOTP cannot reach `high`
    skip = page.get_by_role("button", name="Ohne höheres Vertrauensniveau fortfahren")
    expect(skip).to_have_count(0)
    expect(page.get_by_role("link", name="Authenticator-App einrichten")).to_have_count(0)
    page.get_by_role("button", name="Mit Online-Ausweis fortfahren").click()

    # the AusweisApp simulator (embedded mock, same origin)
    page.wait_for_url(re.compile(re.escape(f"{base}/mock/eid/simulator/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Online-Ausweis: Daten freigeben")
    expect(page.locator("main")).to_contain_text("Angefragte Daten")
    page.get_by_label("Testausweis").select_option("anna-schmitz")
    page.get_by_label("PIN (6 Ziffern)").fill("111111")
    page.get_by_role("button", name="Ausweisen").click()

    # back at ServiceKonto: the consent page of the demo portal
    expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
    assert page.url.startswith(f"{base}/interaction/")
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")

    body = page.locator("main").inner_text()
    assert "Fehlercode" not in body, body
    acr = page.locator(".acr-box__value").inner_text().strip()
    assert acr == "http://eidas.europa.eu/LoA/high"
    assert "verified_claims" in body
    assert _claim(page, "assurance_level") == "high"
    assert _claim(page, "family_name") == "Schmitz"
    assert _claim(page, "given_name") == "Anna Maria"


def test_demo_portal_substantial_offers_the_eid_and_a_way_back(
    server: ServerProcess,
    demo: dict[str, object],
    page: object,
) -> None:
    """Issue 10 item 10 / issue 15 item 2: an authenticator enrolled from the password session
    would count only as `low`, so the step-up offers the Online-Ausweis and no enrolment, and
    "Zurück zum Dienst" returns to the portal with an error instead of a dead end."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    _log_in_as_anna_from_portal(page, base, "Anmelden – Vertrauensniveau substantiell")
    expect(page.get_by_role("link", name="Authenticator-App einrichten")).to_have_count(0)
    expect(page.get_by_role("button", name="Mit Online-Ausweis fortfahren")).to_be_visible()
    page.get_by_role("button", name="Zurück zum Dienst").click()
    page.wait_for_url(re.compile(re.escape(f"{base}/demo-portal?error=")))
    assert "access_denied" in page.url


def test_simulator_counts_wrong_pins_and_blocks_the_card(
    server: ServerProcess,
    page: object,
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    page.goto(f"{base}/login")
    page.get_by_role("button", name="Mit Online-Ausweis anmelden").click()
    page.wait_for_url(re.compile(re.escape(f"{base}/mock/eid/simulator/")))
    simulator_url = page.url

    card = page.get_by_label("Testausweis")
    pin = page.get_by_label("PIN (6 Ziffern)")
    for left in ("noch 2 Versuche", "noch 1 Versuch"):
        card.select_option("erika-mustermann")
        pin.fill("000000")
        page.get_by_role("button", name="Ausweisen").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(f"PIN falsch – {left}.")
        assert page.url == simulator_url  # still in the simulator, nothing sent back
        expect(pin).to_have_attribute("aria-invalid", "true")
        # the card keeps being selected and shows the remaining tries
        expect(card.locator("option:checked")).to_contain_text(left)

    card.select_option("erika-mustermann")
    pin.fill("000000")
    page.get_by_role("button", name="Ausweisen").click()
    expect(page.get_by_role("alert")).to_contain_text("nach drei falschen Eingaben gesperrt")
    expect(card.locator("option:checked")).to_contain_text("PIN gesperrt")

    # blocked means blocked: even the right PIN does not get through now
    card.select_option("erika-mustermann")
    pin.fill("123456")
    page.get_by_role("button", name="Ausweisen").click()
    expect(page.get_by_role("alert")).to_contain_text("gesperrt")
    assert page.url == simulator_url
