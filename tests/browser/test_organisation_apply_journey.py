"""Issue 12 item 2 in a real browser, keyboard only, with axe on every page: Anna registers the
"Moselweingut Beispiel GmbH" (HRB at the Amtsgericht Koblenz, business address in Cochem) with a
Handelsregisterauszug as PDF. A mistyped postal code comes back as an error next to its field,
announced by the error summary (`role="alert"`), whose link takes the keyboard to the field;
corrected, the application lands on its page, which names the Verbandsgemeinde Cochem.

The file is chosen through the file chooser the focused input opens on Space (Playwright stands
in for the operating system's dialog). No clamd here: the server accepts uploads with the scan
recorded as skipped (`SERVICEKONTO_UPLOAD_SCAN_REQUIRED=false`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
NAME = "Moselweingut Beispiel GmbH"
MISTYPED = "56182"  # two digits swapped: no administration of the Kreis is responsible


@pytest.fixture
def server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """The demo server, accepting uploads without a malware scanner (module doc)."""
    return make_server(UPLOAD_SCAN_REQUIRED="false")


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    """A small valid one-page PDF, as a Handelsregisterauszug would be."""
    from tests.uploads import corpus

    path = tmp_path / "Handelsregisterauszug HRB 31415.pdf"
    path.write_bytes(corpus.pdf(b"Handelsregister B des Amtsgerichts Koblenz HRB 31415"))
    return path


def _focused(page: Any) -> dict[str, str]:
    """The focused element's id and the name a person hears: its label, else its text."""
    found: dict[str, str] = page.evaluate(
        "() => { const el = document.activeElement; if (!el) return {id: '', name: ''};"
        " const t = el.labels && el.labels.length ? el.labels[0].textContent"
        " : el.textContent; return {id: el.id || '',"
        " name: (t || '').replace(/\\s+/g, ' ').trim()}; }"
    )
    return found


def _tab_to(page: Any, name: str, limit: int = 120) -> None:
    """Press Tab until the focused element's accessible text starts with `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page)["name"].startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}")


def _type_into(page: Any, label: str, value: str) -> None:
    _tab_to(page, label)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def _choose(page: Any, label: str, option: str, limit: int = 30) -> None:
    """Arrow keys through a closed <select> from its first option until `option` is chosen
    (not type-ahead: its one-second buffer breaks on a busy machine)."""
    _tab_to(page, label)
    page.keyboard.press("Home")
    for _ in range(limit):
        chosen = page.evaluate(
            "() => { const el = document.activeElement; return el.options[el.selectedIndex].text; }"
        )
        if chosen.strip() == option:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label!r} has no option {option!r}")


def _submit(page: Any) -> None:
    """Tab to the submit button and press Enter; return once the answer page has loaded."""
    _tab_to(page, "Antrag einreichen")
    with page.expect_navigation(timeout=60_000):
        page.keyboard.press("Enter")


def _attach(page: Any, label: str, path: Path) -> None:
    """Space on the focused file input opens the chooser. On a busy machine Chromium may drop
    the first key press before the input is ready, so the same key is pressed once more."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    _tab_to(page, label)
    for attempt in range(2):
        try:
            with page.expect_file_chooser(timeout=15_000) as chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeout:
            if attempt:
                raise
            assert _focused(page)["name"].startswith(label), _focused(page)
            continue
        chooser.value.set_files(str(path))
        return


def _no_violations(page: Any, where: str) -> None:
    from tests.browser.axe import report, violations

    found = violations(page)
    assert not found, report(where, found)


def _fill_in(page: Any, postal_code: str) -> None:
    _type_into(page, "Name der Organisation", NAME)
    _choose(page, "Art der Organisation", "Unternehmen")
    _choose(page, "Rechtsform", "GmbH")
    _choose(page, "Registerart", "HRB")
    _type_into(page, "Registernummer", "31415")
    _choose(page, "Registergericht", "Amtsgericht Koblenz")
    _type_into(page, "Straße", "Moselweinstraße")
    _type_into(page, "Hausnummer", "12a")
    _type_into(page, "Postleitzahl", postal_code)
    _type_into(page, "Ort", "Cochem")


def test_anna_registers_her_wine_estate_with_a_handelsregisterauszug(
    server: ServerProcess, demo: dict[str, Any], page: Any, extract: Path
) -> None:
    from playwright.sync_api import expect

    base = server.base_url
    page.goto(f"{base}/login?next=/organizations/new")
    _no_violations(page, "login")
    _type_into(page, "E-Mail-Adresse", ANNA)
    _type_into(page, "Passwort", ANNA_PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(f"{base}/organizations/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unternehmen registrieren")
    _no_violations(page, "form")
    _fill_in(page, MISTYPED)
    for field, value in (("kind", "company"), ("legal_form", "gmbh"), ("register_type", "HRB"),
                         ("register_court", "koblenz")):
        expect(page.locator(f"#{field}")).to_have_value(value)
    _choose(page, "Art des Dokuments 1", "Handelsregisterauszug")
    _attach(page, "Datei(en) zu Dokument 1", extract)
    _submit(page)

    # the error: announced by the summary, next to the field, the typed values kept
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_contain_text("Es wurde nichts gespeichert.")
    error = page.locator("#postal_code-error")
    expect(error).to_be_visible()
    postal_code = page.locator("#postal_code")
    expect(postal_code).to_have_attribute("aria-invalid", "true")
    expect(postal_code).to_have_attribute("aria-describedby", "postal_code-error")
    expect(postal_code).to_have_value(MISTYPED)
    expect(page.locator("#name")).to_have_value(NAME)
    _no_violations(page, "error")
    message = error.inner_text().replace("Fehler:", "").strip()
    assert message.startswith("Die Geschäftsadresse liegt außerhalb des Landkreises Cochem-Zell.")
    _tab_to(page, "Postleitzahl:")  # the summary's link comes first, before the field itself
    assert message in _focused(page)["name"]
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "postal_code", _focused(page)

    page.keyboard.press("Control+A")
    page.keyboard.type("56812")
    _attach(page, "Datei(en) zu Dokument 1", extract)  # files are chosen again
    _submit(page)

    page.wait_for_url(f"{base}/organizations/applications/*?notice=submitted")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator("[role=status]")).to_contain_text("Ihr Antrag ist eingereicht.")
    expect(page.locator("main")).to_contain_text("Verbandsgemeinde Cochem")
    expect(page.locator("main")).to_contain_text(extract.name)
    _no_violations(page, "application")
