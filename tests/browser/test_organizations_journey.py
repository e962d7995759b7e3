"""Issue 12, the applicant's pages of a company account in a real browser, axe and reflow at
320 px on every page in its real states (DESIGN §11, BITV 2.0): Anna sees her applications, opens
the registration form and sends it empty, answers the Registrierungsstelle's request without an
answer, enters a wrong activation code for her approved winery, and someone holding a letter
tries to block a company account with a wrong revocation code.

The states are reached through the domain where another journey owns the step: the bakery's
request for information (the officer's pages: test_review_journey.py) and the winery's approval.
The keyboard journey of the registration form is another file's; this one is about the audit.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from servicekonto.companies import review
from servicekonto.db.models import Account
from servicekonto.oidc.provider import Provider
from tests.browser.test_accessibility import ANNA, ANNA_PASSWORD, ORGANIZATIONS_PAGES, Audit
from tests.companies.factories import decided, submitted
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

BAKERY = "Bäckerei Zeller e. K."  # the demo's application waiting at VG Zell
WINERY = "Moselweingut Beispiel GmbH"  # tests.companies.factories.GMBH, in Cochem
REQUEST = "Bitte reichen Sie die Gewerbeanmeldung in lesbarer Form nach."


def _account(provider: Provider, email: str) -> str:
    with provider.sessions() as db:
        found = db.scalar(select(Account.id).where(Account.email == email))
    assert found is not None, email
    return found


def _seed(provider: Provider, demo: dict[str, Any]) -> None:
    """VG Zell asks Anna about the bakery; VG Cochem approves her winery (letter on its way)."""
    now = provider.clock.now()
    anna = _account(provider, ANNA)
    bakery = next(entry["id"] for entry in demo["organizations"] if entry["name"] == BAKERY)
    zell = _account(provider, "registrierung.zell@demo.servicekonto.example")
    with provider.sessions() as db:
        review.start_review(db, staff_id=zell, organisation_id=bakery, now=now)
        db.commit()
    decided(provider.sessions, now, zell, bakery, "request_info", REQUEST)
    winery = submitted(provider.sessions, now, anna)
    cochem = _account(provider, "registrierung.cochem@demo.servicekonto.example")
    assert decided(provider.sessions, now, cochem, winery, "approve") == "approved"


def test_the_applicants_pages_have_no_accessibility_violations(
    server: ServerProcess, server_provider: Provider, demo: dict[str, Any], page: Any,
) -> None:
    from playwright.sync_api import expect

    _seed(server_provider, demo)
    base = server.base_url
    audit = Audit(page)

    page.goto(f"{base}/login?next=/organizations")
    page.get_by_label("E-Mail-Adresse").fill(ANNA)
    page.get_by_label("Passwort", exact=True).fill(ANNA_PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(f"{base}/organizations")
    table = page.get_by_role("table", name="Ihre Anträge und Organisationen")
    expect(table.get_by_role("row")).to_have_count(4)  # the head, the bakery, the two wineries
    audit("organizations/overview.html", "waiting, asked, approved and active")

    page.get_by_role("link", name="Unternehmen registrieren").click()
    audit("organizations/new.html", "empty")
    page.get_by_role("button", name="Antrag einreichen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Name der Organisation")
    audit("organizations/new.html", "every required field missing")
    # each line of the error summary leads to its field
    for link in summary.get_by_role("link").all():
        target = (link.get_attribute("href") or "").removeprefix("#")
        assert page.locator(f"[id='{target}']").count() == 1, f"no field for #{target}"

    page.get_by_role("link", name="Zurück zu Meine Organisationen").click()
    page.get_by_role("link", name=BAKERY).click()
    expect(page.get_by_text(REQUEST).first).to_be_visible()
    audit("organizations/application.html", "information requested")
    page.get_by_role("button", name="Antwort senden").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("organizations/application.html", "neither answer nor document")

    page.get_by_role("link", name="Zurück zu Meine Organisationen").click()
    page.get_by_role("link", name=WINERY, exact=True).click()
    audit("organizations/application.html", "approved, letter on its way")
    page.get_by_role("link", name="Aktivierungscode eingeben").click()
    audit("organizations/activate.html", "one approved organisation")
    page.get_by_label("Aktivierungscode").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Aktivieren").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Aktivierungscode")).to_have_attribute("aria-invalid", "true")
    audit("organizations/activate.html", "wrong code")

    # whoever holds a letter blocks the account without signing in
    page.context.clear_cookies()
    page.goto(f"{base}/organizations/revoke")
    audit("organizations/revoke.html", "empty")
    page.get_by_label("Aktenzeichen").fill("ORG-0000-0000")
    page.get_by_label("Widerrufscode").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Unternehmenskonto sperren").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("organizations/revoke.html", "reference and code do not match")
    audit.finish(ORGANIZATIONS_PAGES)
