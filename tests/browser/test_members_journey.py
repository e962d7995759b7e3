"""Issue 12 item 5 in a real browser, keyboard only, axe and reflow at 320 px on every page in
its real states (`tests.browser.test_accessibility.MEMBERS_PAGES`, `ADMINISTRATION_PAGES`): the
admin of an activated organisation invites a colleague (first without an address), the colleague
follows the link from the mail, logs in and accepts (a form on a `no-referrer` page, which
Chromium posts with `Origin: null`), the admin limits the colleague to one online service, the
colleague leaves and finds the used link invalid; the administration admin gives roles."""

from __future__ import annotations

import re
import time
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
from sqlalchemy import select

from servicekonto.companies import members
from servicekonto.db.models import OutboxMessage
from servicekonto.oidc.provider import Provider
from tests.browser.test_accessibility import ADMINISTRATION_PAGES, MEMBERS_PAGES, Audit
from tests.companies.factories import activated, seed_region, staff
from tests.conftest import ServerProcess
from tests.support import PASSWORD, account_id_of, make_account, make_client

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

ADMIN = "chefin@weingut.example"
COLLEAGUE = "kollege@weingut.example"

#: The name a person hears for the focused element: its label, or its text.
_FOCUSED_NAME = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
  return label.replace(/\\s+/g, " ").trim();
}
"""


def tab_to(page: Any, name: str, limit: int = 120) -> None:
    """Press Tab until the element named `name` has focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED_NAME)
        if focused == name:
            return
        seen.append(focused)
    raise AssertionError(f"Tab never reached {name!r}; passed {seen}")


def log_in_by_keyboard(page: Any, email: str) -> None:
    tab_to(page, "E-Mail-Adresse")
    page.keyboard.type(email)
    tab_to(page, "Passwort")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def invitation_link(provider: Provider, timeout: float = 15.0) -> str:
    """The link in the invitation mail: in the outbox, or (once the server's outbox worker has
    delivered it) in the `.eml` files of its data directory."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with provider.sessions() as db:
            bodies = [str(m.payload.get("body", "")) for m in db.scalars(select(OutboxMessage))]
        for eml in sorted((provider.settings.data_dir / "mail").glob("*.eml")):
            message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
            part = message.get_body(preferencelist=("plain",))
            bodies.append(part.get_content() if part is not None else "")
        for body in bodies:
            found = re.search(r"http\S+/organizations/invitations/[A-Za-z0-9_-]+", body)
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError("no invitation mail")


def test_admin_invites_colleague_who_accepts_and_is_limited_to_one_service(
    server: ServerProcess, server_provider: Provider, page: Any
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    provider, base = server_provider, server.base_url
    seed_region(provider.sessions)
    now = provider.clock.now()
    admin_id = account_id_of(provider, make_account(provider, ADMIN))
    organisation = activated(provider.sessions, now, admin_id, staff(provider.sessions, now,
                                                                     "vg-cochem"))
    make_account(provider, COLLEAGUE, attributes={})
    portal = make_client(provider, name="Gewerbeportal", scopes=["openid", "organization"])
    other = make_client(provider, name="Bauportal", scopes=["openid", "organization"])
    path = f"/organizations/{organisation}"

    audit = Audit(page)
    # the admin logs in from the organisation's page and invites the colleague
    page.goto(f"{base}/login?next={path}")
    log_in_by_keyboard(page, ADMIN)
    page.wait_for_url(f"{base}{path}")
    audit("organizations/organization.html", "admin, the only member")
    tab_to(page, "Einladung senden")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{path}/invitations")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_title(re.compile(r"^Fehler: "))  # the first thing a reader hears
    audit("organizations/organization.html", "invitation without an address")
    tab_to(page, "E-Mail-Adresse")
    page.keyboard.type(COLLEAGUE)
    tab_to(page, "Einladung senden")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{path}?notice=invited#invitations")
    assert page.get_by_text("Die Einladung ist unterwegs.").is_visible()
    audit("organizations/organization.html", "an open invitation")

    # the colleague opens the link from the mail, logs in from there and comes back to accept
    page.context.clear_cookies()
    link = invitation_link(provider)
    shown = page.goto(link)
    assert shown is not None and shown.headers["referrer-policy"] == "no-referrer"
    assert page.get_by_text("Moselweingut Beispiel GmbH").first.is_visible()
    audit("organizations/invitation.html", "signed out")
    tab_to(page, "Anmelden und Einladung annehmen")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    log_in_by_keyboard(page, COLLEAGUE)
    page.wait_for_url(link)
    audit("organizations/invitation.html", "signed in with the invited address")
    tab_to(page, "Einladung annehmen")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{path}?notice=joined")
    assert page.get_by_text("Sie gehören jetzt zu dieser Organisation").is_visible()
    audit("organizations/organization.html", "a member who just joined")

    # the admin allows the colleague one of the two online services
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={path}")
    log_in_by_keyboard(page, ADMIN)
    page.wait_for_url(f"{base}{path}")
    tab_to(page, "Gewerbeportal")  # the colleague's checkbox (an admin's card has none)
    page.keyboard.press("Space")
    tab_to(page, "Online-Dienste speichern")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{path}?notice=services#members")
    audit("organizations/organization.html", "two members, one limited, the activity table")

    colleague = account_id_of(provider, COLLEAGUE)
    with provider.sessions() as db:
        assert members.may_act_for(db, account_id=colleague, organisation_id=organisation,
                                   client_id=portal.client_id)
        assert not members.may_act_for(db, account_id=colleague, organisation_id=organisation,
                                       client_id=other.client_id)

    # the colleague leaves, and the used link is invalid now
    page.context.clear_cookies()
    page.goto(f"{base}/login?next={path}")
    log_in_by_keyboard(page, COLLEAGUE)
    page.wait_for_url(f"{base}{path}")
    tab_to(page, "Organisation verlassen")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/organizations/left")
    audit("organizations/left.html", "after leaving")
    with provider.sessions() as db:
        assert not members.may_act_for(db, account_id=colleague, organisation_id=organisation,
                                       client_id=portal.client_id)
    page.goto(link)
    audit("organizations/invitation_invalid.html", "the link was used")
    audit.finish(MEMBERS_PAGES)


def test_the_administration_admin_gives_a_role_by_keyboard(
    server: ServerProcess, server_provider: Provider, page: Any
) -> None:
    """`/staff/administration` with password and app code: axe on the page, a role given."""
    from playwright.sync_api import Page, expect

    from servicekonto.accounts.means import TOTP_SEALING_PURPOSE
    from servicekonto.companies.staffing import add_staff
    from servicekonto.security.sealing import Sealer
    from servicekonto.staff.service import ADMINISTRATION_ADMIN, STAFF_ROLES, roles_of
    from tests.browser.test_registration_journey import totp_now

    assert isinstance(page, Page)
    provider, base = server_provider, server.base_url
    seed_region(provider.sessions)
    with provider.sessions() as db:
        admin = add_staff(
            db, email="admin@vg-cochem.example", administration_slug="vg-cochem",
            role=ADMINISTRATION_ADMIN, hashing=provider.hashing, password=PASSWORD,
            sealer=Sealer(provider.settings.secret_key, TOTP_SEALING_PURPOSE),
            now=provider.clock.now(), actor="system:test",
        )
        db.commit()
    assert admin.totp_secret
    colleague = account_id_of(provider, make_account(provider, "amt@vg-cochem.example"))

    page.goto(f"{base}/staff/administration")
    page.wait_for_url(f"{base}/login?next=/staff/administration")
    log_in_by_keyboard(page, admin.email)
    page.wait_for_url(re.compile(r".*/login/otp.*"))
    tab_to(page, "Code")
    page.keyboard.type(totp_now(admin.totp_secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/staff/administration")
    audit = Audit(page)
    audit("staff/administration.html", "the admin alone")

    tab_to(page, "Rolle vergeben")  # no address yet
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/staff/administration/staff")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Fehler: "))
    audit("staff/administration.html", "no address")
    tab_to(page, "E-Mail-Adresse")
    page.keyboard.type("neu@vg-cochem.example")
    tab_to(page, "Rolle vergeben")
    page.keyboard.press("Enter")
    created = page.get_by_role("heading", name="Neues Konto für neu@vg-cochem.example")
    expect(created).to_be_visible()
    audit("staff/administration.html", "a new account's one-time password and app key")
    page.goto(f"{base}/staff/administration")

    tab_to(page, "E-Mail-Adresse")
    page.keyboard.type("amt@vg-cochem.example")
    tab_to(page, "Rolle")
    page.keyboard.press("Home")  # the first role of the list
    tab_to(page, "Rolle vergeben")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/staff/administration?notice=added")
    audit("staff/administration.html", "after giving a role")
    audit.finish(ADMINISTRATION_PAGES)
    with provider.sessions() as db:
        assert roles_of(db, account_id=colleague) == [("vg-cochem", STAFF_ROLES[0])]
