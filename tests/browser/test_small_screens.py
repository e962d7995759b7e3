"""Issue 10 item 19: on a 375 px phone no word in a table is split across lines ("Passwor t",
"Sta tus"), the dispatch view gives each letter its own readable block, and the demo portal's
nested `verified_claims` keep their values whole (also at 700 px, where two columns per nesting
level left the innermost values a column one letter wide)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_registration_journey import totp_now
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]

PHONE = 375
ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
STAFF = "druckerei@demo.servicekonto.example"
STAFF_PASSWORD = "Briefversand-Cochem-2026"
TABLE_CELLS = ".table th, .table td, .table caption"

#: Words (split at spaces and hyphens) whose characters land on more than one line. Tokens that
#: may not fit a line at all (e-mail addresses, identifiers) are left out.
_SPLIT_WORDS = """
(selector) => {
  const split = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s-]+/g)) {
        if (m[0].length > 24 || m[0].includes("@")) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}
"""


def split_words(page: Any, selector: str) -> list[str]:
    found: list[str] = page.evaluate(_SPLIT_WORDS, selector)
    assert page.locator(selector).count() > 0, f"nothing matches {selector} on {page.url}"
    return found


def _log_in(
    page: Any, base: str, username: str, password: str, *, after: str = "/account"
) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("E-Mail-Adresse").fill(username)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(f"{base}{after}")


def _register_juergen(page: Any, base: str) -> None:
    """Register person 2 of the civil register: a PIN letter waits for dispatch."""
    page.goto(f"{base}/register")
    for field, value in {
        "email": "juergen@example.org", "password": "Moselschleife-Bremm-2026",
        "given_name": "Juergen", "family_name": "Weissmueller", "birth_date": "1958-07-23",
        "street": "Balduinstr.", "house_number": "5", "postal_code": "56856", "locality": "Zell",
    }.items():
        page.locator(f"#{field}").fill(value)
    page.locator("#privacy_consent").check()
    page.get_by_role("button", name="Konto anlegen").click()
    page.wait_for_url(f"{base}/register/done")


def test_tables_keep_words_whole_at_375_px(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    page.set_viewport_size({"width": PHONE, "height": 800})
    _register_juergen(page, base)

    _log_in(page, base, ANNA, ANNA_PASSWORD)
    assert split_words(page, TABLE_CELLS) == []  # the identity table of /account
    page.goto(f"{base}/account/security")
    assert split_words(page, TABLE_CELLS) == []

    _log_in(page, base, STAFF, STAFF_PASSWORD, after="/login/otp")
    # the dispatch view needs the print shop's (bound) app code too (issue 15 item 5)
    staff = demo["staff"]
    assert isinstance(staff, list)
    page.get_by_label("Code", exact=True).fill(totp_now(staff[0]["totp_secret"]))
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{base}/account")
    page.goto(f"{base}/staff/letters")
    expect(page.locator("input[name=letter_ids]")).to_have_count(1)
    assert split_words(page, TABLE_CELLS) == []
    # each letter is one block as wide as the page, not a row of narrow columns
    recipient = page.locator("td", has_text="Weißmüller").bounding_box()
    assert recipient is not None and recipient["width"] > PHONE * 0.8


@pytest.mark.parametrize("width", [PHONE, 700])
def test_demo_portal_nested_claims_keep_values_whole(
    server: ServerProcess, demo: dict[str, object], page: object, width: int
) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    base = server.base_url
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    page.get_by_label("E-Mail-Adresse").fill(ANNA)
    page.get_by_label("Passwort", exact=True).fill(ANNA_PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    assert page.locator("dl.claims--nested dl.claims--nested").count() > 0  # verified_claims
    assert split_words(page, "dl.claims dt, dl.claims dd") == []
