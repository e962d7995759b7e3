"""Issue 13's "Done means" in a real browser, keyboard only, with axe on every page (the pages
themselves are audited in their states by test_postfach_journey.py; this journey audits the demo
Fachverfahren's receiver page): Anna reads a notice, steps
up with her authenticator app to read a protected one, downloads its attachment, keeps the
notice in her Dokumentensafe and deletes a message keeping a copy first; then she opens the
demo Fachverfahren's Bescheid and its receiver page (`/demo-fachverfahren`) lists the signed
"read" event, which the server's outbox worker delivered (issue 13 "Done means").

The messages are deposited through the domain into the server's database (the deposit API is
another package's); Anna gets an authenticator app with a known secret, bound as the operator
would set it up, so the journey can type its codes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import DEMO_FACHVERFAHREN_PAGES, Audit

# Anna's seed, app code and keyboard helper are the audit journey's (the same server set-up)
from tests.browser.test_postfach_journey import ANNA, ANNA_PASSWORD, _code, _seed, _tab_to
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]


def _no_violations(page: Any, where: str) -> None:
    from tests.browser.axe import report, violations

    found = violations(page)
    assert not found, report(where, found)


def test_keep_in_safe_delete_with_a_copy_and_the_signed_read_event_arrives(
    server: ServerProcess, demo: dict[str, Any], page: Any
) -> None:
    from playwright.sync_api import expect

    seeded = _seed(server, demo)
    base = server.base_url
    page.goto(f"{base}/login?next=/postfach")
    page.keyboard.press("Tab")  # the skip link, then into the form
    _tab_to(page, "E-Mail-Adresse")
    page.keyboard.type(ANNA)
    _tab_to(page, "Passwort")
    page.keyboard.type(ANNA_PASSWORD)
    page.keyboard.press("Enter")
    # the code prompt: Anna continues without it (a `low` session)
    expect(page.get_by_role("heading", level=1)).to_have_text("Zweiter Faktor")
    _tab_to(page, "Ohne zweiten Faktor fortfahren")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Postfach")
    # the two of this test and the demo Fachverfahren's Bescheid (`servicekonto demo`)
    expect(page.locator("#unread-count")).to_have_text("Sie haben 3 ungelesene Nachrichten.")
    _no_violations(page, "list")

    _tab_to(page, "Eingangsbestätigung Hundeanmeldung")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Ihr Antrag ist eingegangen.")
    _no_violations(page, "notice")

    _tab_to(page, "Zurück zum Postfach")
    page.keyboard.press("Enter")
    expect(page.locator("#unread-count")).to_have_text("Sie haben 2 ungelesene Nachrichten.")
    _tab_to(page, "Bescheid Hundesteuer 2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bescheid Hundesteuer 2026")
    expect(page.locator("main")).not_to_contain_text("96 Euro")
    expect(page.locator("main")).to_contain_text("Zum Lesen ist eine stärkere Anmeldung nötig")
    _no_violations(page, "locked")

    _tab_to(page, "Mit Authenticator-App bestätigen und lesen")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zweiter Faktor")
    _tab_to(page, "Code")
    page.keyboard.type(_code())
    page.keyboard.press("Enter")

    page.wait_for_url(f"{base}/postfach/{seeded['bescheid']}")
    expect(page.locator("main")).to_contain_text("Festgesetzt werden 96 Euro.")
    _no_violations(page, "opened")

    with page.expect_download() as download_info:
        _tab_to(page, "Bescheid.pdf")
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename == "Bescheid.pdf"
    path = download.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read().hex() == seeded["pdf"]

    # keep the notice in the Dokumentensafe, from the message page
    _tab_to(page, "Nachricht in den Safe kopieren")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Eine Kopie liegt jetzt in Ihrem Dokumentensafe.")
    _no_violations(page, "kept")
    _tab_to(page, "Zum Dokumentensafe")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dokumentensafe")
    expect(page.locator("main")).to_contain_text("Bescheid Hundesteuer 2026.txt")

    # delete the notice read first, keeping a copy with all its attachments
    page.goto(f"{base}/postfach/{seeded['notice']}/delete")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachricht löschen")
    _no_violations(page, "delete")
    _tab_to(page, "Vorher eine Kopie in den Dokumentensafe legen")
    page.keyboard.press("Space")
    _tab_to(page, "Endgültig löschen")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(
        "Eine Kopie mit allen Anhängen liegt in Ihrem Dokumentensafe.")

    # the demo Fachverfahren's Bescheid (substantial: Anna's session reached it above) …
    bescheid = demo["postfach"]["message_id"]
    page.goto(f"{base}/postfach/{bescheid}")
    expect(page.locator("main")).to_contain_text("Ihre Gewerbeanmeldung ist vollständig")
    # … and the signed "read" event at the Fachverfahren, sent by the server's outbox worker
    for _ in range(60):
        page.goto(f"{base}/demo-fachverfahren")
        if "Nachricht gelesen" in page.locator("main").inner_text():
            break
        page.wait_for_timeout(500)
    row = page.get_by_role("row").filter(has_text="Nachricht gelesen")
    expect(row).to_contain_text("geprüft")
    expect(row).to_contain_text(bescheid)
    audit = Audit(page)
    audit("demo/demo_fachverfahren.html", "a verified read event")
    audit.finish(DEMO_FACHVERFAHREN_PAGES)
