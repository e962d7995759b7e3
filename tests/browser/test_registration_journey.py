"""Issue 3 in a real browser: register as a resident, the print shop downloads the letter from
the dispatch view, the person activates the code, and the demo portal shows verified claims."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from servicekonto.security import totp
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(180)]
CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


def totp_now(secret_text: str) -> str:
    """The demo print shop's current app code (its secret is printed by `servicekonto demo`)."""
    secret = base64.b32decode(secret_text + "=" * (-len(secret_text) % 8))
    return totp.code_at(secret, totp.time_step(datetime.now(UTC)))


def test_register_dispatch_activate_and_see_verified_claims(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    page.goto(f"{base}/register")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    for field, value in {"email": "juergen@example.org", "password": "Moselschleife-Bremm-2026",
                         "given_name": "Juergen", "family_name": "Weissmueller",
                         "birth_date": "1958-07-23", "street": "Balduinstr.",
                         "house_number": "5", "postal_code": "56856",
                         "locality": "Zell"}.items():
        page.locator(f"#{field}").fill(value)
    page.locator("#privacy_consent").check()
    page.get_by_role("button", name="Konto anlegen").click()
    page.wait_for_url(f"{base}/register/done")

    # the print shop's dispatch view: download the letter, addressed from the register. Staff
    # log in from the view with password and app code, and return to it (issue 15 item 5).
    staff = demo["staff"][0]  # type: ignore[index]
    page.context.clear_cookies()
    page.goto(f"{base}/staff/letters")
    page.wait_for_url(f"{base}/login?next=/staff/letters")
    page.get_by_label("E-Mail-Adresse").fill(staff["username"])
    page.get_by_label("Passwort").fill(staff["password"])
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(f"{base}/login/otp?next=/staff/letters")
    page.get_by_label("Code", exact=True).fill(totp_now(staff["totp_secret"]))
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{base}/staff/letters")
    page.locator("input[name=letter_ids]").first.check()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("PDF")).click()
    pdf = PdfReader(Path(download.value.path()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Jürgen Weißmüller" in text and "Balduinstraße 5" in text
    assert "Balduinstr." not in text
    code = CODE.search(text)
    assert code

    # the person enters the code
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("E-Mail-Adresse").fill("juergen@example.org")
    page.get_by_label("Passwort").fill("Moselschleife-Bremm-2026")
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.goto(f"{base}/account/identity")
    page.get_by_role("textbox", name="Aktivierungscode").fill(code.group(0))
    page.get_by_role("button", name="Identität bestätigen").click()
    expect(page.locator("main")).to_contain_text("bestätigt")

    # the demo portal asks for verified_claims and shows them
    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    body = page.locator("main").inner_text()
    assert "verified_claims" in body
    assert "de_bsi_tr_03160" in body and "population_register" in body
    assert "Weißmüller" in body
