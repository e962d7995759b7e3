"""Every page we render has no WCAG 2.1 A/AA violation that axe-core finds (DESIGN §11, BITV 2.0),
and reflows at 320 CSS px without sideways scrolling (SC 1.4.10, which axe does not test).

Pages are reached the way a person reaches them, in their real states (empty form, form with
errors, signed in, after a step), in three journeys here so that only three servers and browsers
start, and in the journeys of the areas that have their own (test_review_journey.py,
test_organizations_journey.py, test_members_journey.py, test_postfach_journey.py), each auditing
the set of pages declared here.
`TITLES` names every page template; `test_every_template_is_audited` fails when a template is
added without a journey auditing it, and each journey checks it audited exactly the templates it
declares, so the coverage cannot silently rot.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from servicekonto.security import totp
from tests.browser.axe import Violation, report, violations
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "servicekonto"
#: The main app's template root and the AusweisApp simulator's (its loader is rooted in its folder).
TEMPLATE_ROOTS = (PACKAGE / "web" / "templates", PACKAGE / "sim" / "templates")
SIMULATOR = "eid_simulator/"


#: Page template → the titles it may render with (its `<title>` is "<title> – ServiceKonto",
#: the simulator's "<title> – AusweisApp-Simulator"); the title proves which template we audit.
TITLES: dict[str, tuple[str, ...]] = {
    "index.html": ("Willkommen bei ServiceKonto",),
    "legal/impressum.de.html": ("Impressum",),
    "legal/datenschutz.de.html": ("Datenschutzerklärung",),
    "legal/barrierefreiheit.de.html": ("Erklärung zur Barrierefreiheit",),
    "legal/impressum.en.html": ("Legal notice",),
    "legal/datenschutz.en.html": ("Privacy policy",),
    "legal/barrierefreiheit.en.html": ("Accessibility statement",),
    "signin/login.html": ("Anmelden",),
    "account/account.html": ("Mein Konto",),
    "account/account_delete.html": ("Konto löschen",),
    "account/account_deleted.html": ("Ihr Konto wurde gelöscht",),
    "interaction/consent.html": ("Einwilligung zur Datenübermittlung",),
    "interaction/acting_as.html": ("Persönlich oder für eine Organisation handeln",),
    "demo/demo_portal.html": ("Demo-Portal",),
    "demo/demo_fachverfahren.html": ("Demo-Fachverfahren: Ereignisse aus dem Postfach",),
    "registration/email_verified.html": (
        "E-Mail-Adresse bestätigen",
        "E-Mail-Adresse bestätigt",
        "Der Link ist ungültig oder abgelaufen",
    ),
    "account/password_change.html": ("Passwort ändern",),
    "account/email_change.html": ("E-Mail-Adresse ändern",),
    "error.html": (
        "Es ist ein Fehler aufgetreten",
        "Anmeldung mit dem Online-Ausweis nicht möglich",
    ),
    "registration/identity.html": ("Identität bestätigen",),
    "staff/letters_dispatch.html": ("Briefversand",),
    "staff/organizations.html": ("Registrierungsstelle: Anträge",),
    # the case page is titled by the organisation (the demo's club in tests/browser/
    # test_review_journey.py)
    "staff/organization.html": ("Sportverein Ulmen e. V. – Registrierungsstelle",),
    "signin/logged_out.html": ("Abgemeldet",),
    "signin/logout_confirm.html": ("Abmelden",),
    "signin/otp.html": ("Zweiter Faktor",),
    "recovery/password_forgot.html": ("Passwort vergessen",),
    "recovery/password_forgot_sent.html": ("Bitte sehen Sie in Ihr Postfach",),
    "recovery/password_reset.html": ("Neues Passwort festlegen",),
    "recovery/password_reset_invalid.html": ("Der Link ist ungültig oder abgelaufen",),
    "security/recovery_codes.html": ("Ihre Wiederherstellungscodes",),
    "registration/register.html": ("ServiceKonto anlegen",),
    "registration/register_done.html": ("Bitte bestätigen Sie Ihre E-Mail-Adresse",),
    "security/security.html": ("Anmeldemittel",),
    "signin/step_up.html": ("Höheres Vertrauensniveau erforderlich",),
    "security/totp_enrol.html": ("Authenticator-App einrichten",),
    "eid_simulator/simulator.html": ("Online-Ausweis: Daten freigeben",),
    "eid_simulator/message.html": ("Anfrage nicht gefunden",),
    "safe/safe.html": ("Dokumentensafe",),
    "safe/document.html": ("Dokument im Safe",),
    "safe/services.html": ("Online-Dienste",),
    # the applicant's pages (tests/browser/test_organizations_journey.py); an application is
    # titled by its organisation: the demo's bakery and the winery the journey seeds
    "organizations/overview.html": ("Meine Organisationen",),
    "organizations/new.html": ("Unternehmen registrieren",),
    "organizations/application.html": ("Bäckerei Zeller e. K.", "Moselweingut Beispiel GmbH"),
    "organizations/activate.html": ("Unternehmenskonto aktivieren",),
    "organizations/revoke.html": ("Unternehmenskonto sperren",),
    # members and the administration admin (tests/browser/test_members_journey.py)
    "organizations/organization.html": ("Moselweingut Beispiel GmbH",),
    "organizations/invitation.html": ("Einladung",),
    "organizations/invitation_invalid.html": ("Einladung nicht gültig",),
    "organizations/left.html": ("Organisation verlassen",),
    "staff/administration.html": ("Beschäftigte der Verwaltung",),
    # the Postfach (tests/browser/test_postfach_journey.py): a message is titled by its subject
    "postfach/list.html": ("Postfach", "Postfach der Organisation"),
    "postfach/message.html": (
        "Eingangsbestätigung Hundeanmeldung",
        "Bescheid Hundesteuer 2026",
        "Gewerbesteuerbescheid 2026",
    ),
    "postfach/locked.html": ("Bescheid Hundesteuer 2026",),
    "postfach/delete.html": ("Nachricht löschen",),
    "postfach/reads.html": ("Wer hat was gelesen?",),
    "postfach/timeline.html": ("Bearbeitungsstand",),
}

#: Not pages of their own: each is extended, included or imported by the pages above.
PARTIALS = {
    "base.html",
    "_macros.html",
    "_eid_button.html",
    "_step_up.html",
    "legal/_legal.html",
    "eid_simulator/layout.html",
    "safe/_shares.html",
    "organizations/_select.html",
    "postfach/_meta.html",
    "postfach/_nav.html",
}

PUBLIC_PAGES = {
    "index.html",
    "account/account.html",
    "staff/letters_dispatch.html",
    "signin/logged_out.html",
    "signin/login.html",
    "registration/register.html",
    "registration/register_done.html",
    "registration/email_verified.html",
    "registration/identity.html",
    "account/account_delete.html",
    "account/account_deleted.html",
    "recovery/password_forgot.html",
    "recovery/password_forgot_sent.html",
    "recovery/password_reset.html",
    "recovery/password_reset_invalid.html",
    "error.html",
    "eid_simulator/message.html",
    "legal/impressum.de.html",
    "legal/datenschutz.de.html",
    "legal/barrierefreiheit.de.html",
    "legal/impressum.en.html",
    "legal/datenschutz.en.html",
    "legal/barrierefreiheit.en.html",
}
PORTAL_PAGES = {
    "demo/demo_portal.html",
    "signin/login.html",
    "interaction/consent.html",
    "account/account.html",
    "registration/identity.html",
    "security/security.html",
    "security/totp_enrol.html",
    "security/recovery_codes.html",
    "signin/logout_confirm.html",
    "signin/logged_out.html",
    "signin/otp.html",
    "account/password_change.html",
    "account/email_change.html",
}
#: Audited by tests/browser/test_postfach_keep_journey.py (issue 13 "Done means").
DEMO_FACHVERFAHREN_PAGES = {"demo/demo_fachverfahren.html"}
#: Audited by tests/browser/test_review_journey.py (the Registrierungsstelle).
REVIEW_PAGES = {"staff/organizations.html", "staff/organization.html"}
#: Audited by the keyboard journey of tests/browser/test_safe_journey.py.
SAFE_PAGES = {
    "signin/login.html",
    "account/account.html",
    "safe/safe.html",
    "safe/document.html",
    "safe/services.html",
}
#: Audited by the Befugnis journey below (test_befugnis_pages).
BEFUGNIS_PAGES = {
    "demo/demo_portal.html",
    "signin/login.html",
    "interaction/acting_as.html",
    "interaction/consent.html",
}
#: Audited by tests/browser/test_organizations_journey.py (the applicant of a company account).
ORGANIZATIONS_PAGES = {
    "organizations/overview.html",
    "organizations/new.html",
    "organizations/application.html",
    "organizations/activate.html",
    "organizations/revoke.html",
}
#: Audited by tests/browser/test_members_journey.py: an organisation's members ...
MEMBERS_PAGES = {
    "organizations/organization.html",
    "organizations/invitation.html",
    "organizations/invitation_invalid.html",
    "organizations/left.html",
}
#: ... and the administration admin's page.
ADMINISTRATION_PAGES = {"staff/administration.html"}
#: Audited by tests/browser/test_postfach_journey.py (a person's and an organisation's Postfach).
POSTFACH_PAGES = {
    "postfach/list.html",
    "postfach/message.html",
    "postfach/locked.html",
    "postfach/delete.html",
    "postfach/timeline.html",
    "postfach/reads.html",
}
STEP_UP_PAGES = {
    "demo/demo_portal.html",
    "signin/login.html",
    "signin/step_up.html",
    "eid_simulator/simulator.html",
    "error.html",
}

ANNA = "anna.schmitz@demo.servicekonto.example"
ANNA_PASSWORD = "Moselblick-Cochem-2026"
JONAS = "jonas.mueller@demo.servicekonto.example"
JONAS_PASSWORD = "Reichsburg-Kaisersesch-26"
STAFF = "druckerei@demo.servicekonto.example"
STAFF_PASSWORD = "Briefversand-Cochem-2026"
JUERGEN = "juergen@example.org"
JUERGEN_PASSWORD = "Moselschleife-Bremm-2026"


@pytest.fixture(autouse=True)
def _embedded_eid_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server must use the embedded eID mock at /mock/eid, whatever the shell says
    (autouse: runs before `server` copies os.environ)."""
    monkeypatch.delenv("SERVICEKONTO_EID_URL", raising=False)
    monkeypatch.delenv("SERVICEKONTO_EID_ENABLED", raising=False)


#: WCAG 2.1 SC 1.4.10 (Reflow), which axe does not check: at 320 CSS px (1280 px zoomed to 400 %)
#: nothing but data tables in their own scroll region may need sideways scrolling.
REFLOW_WIDTH = 320
_SIDEWAYS = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const wide = [...document.body.querySelectorAll("*")].filter((el) => {
    const style = getComputedStyle(el);
    const clips = style.overflowX !== "visible";
    return !clips && (el.getBoundingClientRect().right > width + 1
                      || el.scrollWidth > el.clientWidth + 1);
  });
  // the innermost culprits: their ancestors are only wide because of them
  return wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
         + [...el.classList].map((c) => "." + c).join("")
         + " «" + el.textContent.trim().slice(0, 40) + "»");
}
"""


def reflow_problems(page: Any) -> list[Violation]:
    """Elements that make the page scroll sideways at `REFLOW_WIDTH` (none, or one finding)."""
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
    try:
        culprits: list[str] = page.evaluate(_SIDEWAYS)
    finally:
        page.set_viewport_size(size)
    if not culprits:
        return []
    return [
        Violation(
            rule="reflow",
            impact="serious",
            help=f"Content must not scroll sideways at {REFLOW_WIDTH} CSS px (WCAG 2.1 SC 1.4.10)",
            targets=tuple(culprits),
            details=("",) * len(culprits),
        )
    ]


class Audit:
    """Runs axe on page after page of one journey and collects what it finds, so that one run
    reports every violation of every page instead of stopping at the first."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.visited: set[str] = set()
        self.findings: list[tuple[str, list[Violation]]] = []

    def __call__(self, template: str, state: str) -> None:
        from playwright.sync_api import expect

        assert template in TITLES, f"{template} is not declared in TITLES"
        suffix = "AusweisApp-Simulator" if template.startswith(SIMULATOR) else "ServiceKonto"
        titles = "|".join(re.escape(title) for title in TITLES[template])
        # Waits for the navigation that brought us here, and proves which template rendered.
        expect(self.page).to_have_title(re.compile(rf"^(Fehler: )?({titles}) – {suffix}$"))
        self.visited.add(template)
        found = violations(self.page) + reflow_problems(self.page)
        if found:
            self.findings.append((f"{template} [{state}] {self.page.url}", found))

    def finish(self, expected: set[str]) -> None:
        assert self.visited == expected, (
            f"audited {sorted(self.visited)}, declared {sorted(expected)}"
        )
        if self.findings:
            pytest.fail("\n\n".join(report(where, found) for where, found in self.findings))


def _log_in(page: Any, username: str, password: str) -> None:
    page.get_by_label("E-Mail-Adresse").fill(username)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden", exact=True).click()


def _staff_log_in(page: Any, demo: dict[str, Any], used_steps: set[int]) -> None:
    """Password, then the app code the print shop needs (issue 15 item 5). A code is good once
    and never after a later one (RFC 6238 §5.2), so a second login within the same 30-second
    step sends the next step's code, as an app whose clock runs a little ahead would (the
    server accepts ±WINDOW steps), instead of waiting up to 30 s for that step to come."""
    _log_in(page, STAFF, STAFF_PASSWORD)
    while True:
        current = totp.time_step(datetime.now(UTC))
        step = max([current, *(used + 1 for used in used_steps)])
        if step <= current + totp.WINDOW:
            break
        time.sleep(0.5)
    used_steps.add(step)
    page.get_by_label("Code", exact=True).fill(_totp_at(demo["staff"][0]["totp_secret"], step))
    page.get_by_role("button", name="Bestätigen").click()


def _wait_for_mail(mail_dir: Path, pattern: re.Pattern[str], seen: set[Path]) -> re.Match[str]:
    """The first match of `pattern` in a new .eml (the outbox worker writes one a second)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml")):
            if path in seen:
                continue
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = mail.get_body(preferencelist=("plain",))
            match = pattern.search(body.get_content() if body else "")
            if match:
                seen.add(path)
                return match
        time.sleep(0.2)
    raise AssertionError(f"no mail matching {pattern.pattern} in {mail_dir}")


def _another_code(code: str) -> str:
    """A six-digit code that is certainly not `code`."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _totp_at(secret_text: str, step: int) -> str:
    text = secret_text.replace(" ", "").strip()
    secret = base64.b32decode(text + "=" * (-len(text) % 8))
    return totp.code_at(secret, step)


def _totp_now(secret_text: str) -> str:
    return _totp_at(secret_text, totp.time_step(datetime.now(UTC)))


def test_public_registration_and_recovery_pages(
    server: ServerProcess, demo: dict[str, Any], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    mail_dir = Path(server.env["SERVICEKONTO_DATA_DIR"]) / "mail"
    seen_mail: set[Path] = set()
    staff_steps: set[int] = set()
    audit = Audit(page)

    page.goto(f"{base}/")
    audit("index.html", "start page")
    # the legal pages, reached the way a person does: through the footer of every page
    footer = page.get_by_role("navigation", name="Rechtliches")
    for link, page_name in (
        ("Impressum", "impressum"),
        ("Datenschutz", "datenschutz"),
        ("Barrierefreiheit", "barrierefreiheit"),
    ):
        footer.get_by_role("link", name=link, exact=True).click()
        audit(f"legal/{page_name}.de.html", "operator placeholders")
        # each legal page is a template per language: the English one too, then back to German
        page.get_by_role("navigation", name="Sprache").get_by_role("link", name="English").click()
        audit(f"legal/{page_name}.en.html", "operator placeholders, English")
        page.get_by_role("navigation", name="Language").get_by_role("link", name="Deutsch").click()
        audit(f"legal/{page_name}.de.html", "back in German")

    # the print shop before any letter: an account without identity data, an empty dispatch list
    page.goto(f"{base}/login")
    _staff_log_in(page, demo, staff_steps)
    audit("account/account.html", "no identity data, no consents")
    page.goto(f"{base}/staff/letters")
    audit("staff/letters_dispatch.html", "no letters")
    page.goto(f"{base}/account")
    page.get_by_role("button", name="Abmelden").click()
    audit("signin/logged_out.html", "after logout from the account page")

    page.goto(f"{base}/login")
    audit("signin/login.html", "empty")
    page.goto(f"{base}/login?notice=password_changed")
    expect(page.get_by_role("status")).to_be_visible()
    audit("signin/login.html", "password changed notice")
    _log_in(page, ANNA, "falsches-Passwort-123")
    expect(page.get_by_role("alert")).to_be_visible()
    audit("signin/login.html", "wrong password")

    page.goto(f"{base}/register")
    audit("registration/register.html", "empty")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("registration/register.html", "every field missing")
    for field, value in {
        "email": JUERGEN,
        "password": JUERGEN_PASSWORD,
        "given_name": "Juergen",
        "family_name": "Weissmueller",
        "birth_date": "1958-07-23",
        "street": "Balduinstr.",
        "house_number": "5",
        "postal_code": "56856",
        "locality": "Zell",
    }.items():
        page.locator(f"#{field}").fill(value)
    page.locator("#privacy_consent").check()
    page.get_by_role("button", name="Konto anlegen").click()
    audit("registration/register_done.html", "registered")

    link = _wait_for_mail(mail_dir, re.compile(r"http://\S+/register/confirm/\S+"), seen_mail)
    page.goto(link.group(0))
    audit("registration/email_verified.html", "confirm button")
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    expect(page.get_by_role("heading", name="E-Mail-Adresse bestätigt")).to_be_visible()
    audit("registration/email_verified.html", "confirmed")
    page.goto(f"{base}/register/confirm/kein-gueltiger-link")
    audit("registration/email_verified.html", "invalid link")

    page.goto(f"{base}/login")
    _staff_log_in(page, demo, staff_steps)
    page.goto(f"{base}/staff/letters")
    expect(page.locator("input[name=letter_ids]")).to_have_count(1)
    audit("staff/letters_dispatch.html", "one queued letter")
    page.context.clear_cookies()

    page.goto(f"{base}/login")
    _log_in(page, JUERGEN, JUERGEN_PASSWORD)
    page.goto(f"{base}/account/identity")
    audit("registration/identity.html", "letter on its way")
    page.get_by_role("textbox", name="Aktivierungscode").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Identität bestätigen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("registration/identity.html", "wrong code")

    page.goto(f"{base}/account/delete")
    audit("account/account_delete.html", "confirm")
    page.get_by_label("Ihr aktuelles Passwort").fill("falsches-Passwort-123")
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("account/account_delete.html", "wrong password")
    page.get_by_label("Ihr aktuelles Passwort").fill(JUERGEN_PASSWORD)
    page.get_by_role("button", name="Konto endgültig löschen").click()
    audit("account/account_deleted.html", "deleted")

    page.goto(f"{base}/password/forgot")
    audit("recovery/password_forgot.html", "empty")
    page.get_by_role("button", name="Link anfordern").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("recovery/password_forgot.html", "no address")
    page.get_by_label("E-Mail-Adresse").fill(ANNA)
    page.get_by_role("button", name="Link anfordern").click()
    audit("recovery/password_forgot_sent.html", "sent")
    link = _wait_for_mail(mail_dir, re.compile(r"http://\S+/password/reset/\S+"), seen_mail)
    page.goto(link.group(0))
    audit("recovery/password_reset.html", "empty")
    page.get_by_label("Neues Passwort", exact=True).fill("Ein-neues-Passwort-2026")
    page.get_by_label("Neues Passwort wiederholen").fill("Ein-anderes-Passwort-2026")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("recovery/password_reset.html", "passwords differ")
    page.goto(f"{base}/password/reset/kein-gueltiger-link")
    audit("recovery/password_reset_invalid.html", "invalid link")

    page.goto(
        f"{base}/authorize?client_id=unbekannt&response_type=code&scope=openid"
        "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
    )
    audit("error.html", "unknown client")
    page.goto(f"{base}/mock/eid/simulator/unbekannt")
    audit("eid_simulator/message.html", "unknown ticket")

    audit.finish(PUBLIC_PAGES)


def test_befugnis_and_organisation_consent_pages(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    """Issue 12 item 6: the Befugnis prompt, the consent listing the organisation's claims, and
    the demo portal showing them."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    audit = Audit(page)

    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Für eine Organisation anmelden (Befugnis wählen)").click()
    audit("signin/login.html", "for a client asking for organization")
    _log_in(page, JONAS, JONAS_PASSWORD)
    audit("interaction/acting_as.html", "personal or the demo company")
    # The radios are `required`; without that the server answers the empty choice itself.
    page.evaluate("document.querySelectorAll('[name=acting_as]').forEach(e => e.required = false)")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("interaction/acting_as.html", "nothing chosen")
    page.get_by_label("für Weinhaus Cochem GmbH").check()
    page.get_by_role("button", name="Weiter").click()
    audit("interaction/consent.html", "with the organisation's claims")
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    expect(page.get_by_role("heading", name="Sie handeln für eine Organisation")).to_be_visible()
    audit("demo/demo_portal.html", "acting for an organisation")

    audit.finish(BEFUGNIS_PAGES)


def test_portal_consent_account_and_security_pages(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    audit = Audit(page)

    page.goto(f"{base}/demo-portal")
    audit("demo/demo_portal.html", "logged out")
    page.goto(f"{base}/demo-portal?error=access_denied")
    audit("demo/demo_portal.html", "error from the provider")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    audit("signin/login.html", "for a client, with cancel")
    _log_in(page, JONAS, JONAS_PASSWORD)
    audit("interaction/consent.html", "optional claims")
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(f"{base}/demo-portal")
    expect(page.locator(".acr-box__value")).to_be_visible()
    audit("demo/demo_portal.html", "logged in with claims")

    page.goto(f"{base}/account")
    expect(page.get_by_role("button", name=re.compile("Einwilligung widerrufen"))).to_be_visible()
    audit("account/account.html", "identity data and a consent")
    page.goto(f"{base}/account/identity")
    audit("registration/identity.html", "no letter, may order one")

    page.goto(f"{base}/account")
    page.get_by_role("link", name="Passwort ändern").click()
    audit("account/password_change.html", "empty")
    page.get_by_role("button", name="Passwort ändern").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("account/password_change.html", "new password missing")
    page.goto(f"{base}/account")
    page.get_by_role("link", name="E-Mail-Adresse ändern").click()
    audit("account/email_change.html", "empty")
    page.get_by_role("button", name="Bestätigungslink senden").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("account/email_change.html", "no address")

    page.goto(f"{base}/account/security")
    audit("security/security.html", "password only")
    page.get_by_role("link", name="Authenticator-App einrichten").click()
    audit("security/totp_enrol.html", "QR code and secret")
    code = _totp_now(page.locator("code.secret").inner_text())
    page.get_by_label("Sechsstelliger Code aus der App").fill(_another_code(code))
    page.get_by_role("button", name="Einrichten").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("security/totp_enrol.html", "wrong code")
    code = _totp_now(page.locator("code.secret").inner_text())
    page.get_by_label("Sechsstelliger Code aus der App").fill(code)
    page.get_by_role("button", name="Einrichten").click()
    audit("security/recovery_codes.html", "ten codes")
    recovery_codes = page.locator("ul.codes li").all_inner_texts()
    assert len(recovery_codes) == 10
    page.get_by_role("link", name="Weiter").click()
    audit("security/security.html", "authenticator enrolled")
    page.get_by_label("Passwort zur Bestätigung").fill("falsches-Passwort-123")
    page.get_by_role("button", name=re.compile("^Entfernen")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("security/security.html", "removal refused")
    page.get_by_role("button", name=re.compile("^Sperren")).click()
    expect(page.get_by_role("button", name=re.compile("^Entsperren"))).to_be_visible()
    audit("security/security.html", "blocked: unblock or remove after re-authentication")
    unblock = page.locator("form[action$='/unblock']")
    unblock.get_by_label("Passwort zur Bestätigung").fill(JONAS_PASSWORD)
    unblock.get_by_role("button", name=re.compile("^Entsperren")).click()
    expect(page.get_by_role("button", name=re.compile("^Sperren"))).to_be_visible()

    page.goto(f"{base}/logout")
    audit("signin/logout_confirm.html", "no id_token_hint")
    page.get_by_role("button", name="Abmelden").click()
    audit("signin/logged_out.html", "after RP-initiated logout")

    page.goto(f"{base}/login")
    _log_in(page, JONAS, JONAS_PASSWORD)
    audit("signin/otp.html", "after the password")
    page.get_by_label("Code", exact=True).fill("000000-falsch")
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit("signin/otp.html", "wrong code")
    page.get_by_label("Code", exact=True).fill(recovery_codes[0])
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{base}/account")

    page.context.clear_cookies()
    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau niedrig").click()
    _log_in(page, JONAS, JONAS_PASSWORD)
    expect(page.get_by_role("button", name="Abbrechen")).to_be_visible()
    audit("signin/otp.html", "during an authorization request, with cancel")

    audit.finish(PORTAL_PAGES)


def test_step_up_and_ausweisapp_simulator_pages(
    server: ServerProcess, demo: dict[str, object], page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    base = server.base_url
    audit = Audit(page)

    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau substantiell").click()
    audit("signin/login.html", "for a client asking for substantial")
    _log_in(page, ANNA, ANNA_PASSWORD)
    audit("signin/step_up.html", "Online-Ausweis or skip")
    page.get_by_role("button", name="Mit Online-Ausweis fortfahren").click()
    audit("eid_simulator/simulator.html", "requested data, cards, PIN")
    page.get_by_label("Testausweis").select_option("anna-schmitz")
    page.get_by_label("PIN (6 Ziffern)").fill("000000")
    page.get_by_role("button", name="Ausweisen").click()
    expect(page.get_by_role("alert")).to_contain_text("PIN falsch")
    audit("eid_simulator/simulator.html", "wrong PIN")
    page.get_by_role("button", name="Abbrechen").click()
    audit("error.html", "Online-Ausweis cancelled")

    page.goto(f"{base}/demo-portal")
    page.get_by_role("link", name="Anmelden – Vertrauensniveau hoch").click()
    audit("signin/step_up.html", "essential high: Online-Ausweis only")
    page.get_by_role("button", name="Zurück zum Dienst").click()
    page.wait_for_url(re.compile(re.escape(f"{base}/demo-portal?error=")))
    audit("demo/demo_portal.html", "login cancelled")

    # the checks can fail: an unlabelled field and an unbreakable line are reported
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<input id="unlabelled"><pre>' + "x".repeat(120) + "</pre>")"""
    )
    assert "label" in {found.rule for found in violations(page)}
    assert [found.rule for found in reflow_problems(page)] == ["reflow"]

    audit.finish(STEP_UP_PAGES)


def _references(source: str) -> set[str]:
    return set(re.findall(r"{%-?\s*(?:extends|include|import|from)\s+\"([^\"]+)\"", source))


def test_every_template_is_audited() -> None:
    """A new template fails here until a journey audits it (or it is declared a partial)."""
    sources = {
        path.relative_to(root).as_posix(): path
        for root in TEMPLATE_ROOTS
        for path in root.rglob("*.html")
    }
    on_disk = set(sources)
    assert on_disk, f"no templates found under {TEMPLATE_ROOTS}"
    pages = on_disk - PARTIALS
    assert pages == set(TITLES), (
        f"not audited: {sorted(pages - set(TITLES))}; gone: {sorted(set(TITLES) - pages)}"
    )
    journeys = (
        PUBLIC_PAGES | PORTAL_PAGES | STEP_UP_PAGES | REVIEW_PAGES | SAFE_PAGES | BEFUGNIS_PAGES
        | ORGANIZATIONS_PAGES | MEMBERS_PAGES | ADMINISTRATION_PAGES | POSTFACH_PAGES
        | DEMO_FACHVERFAHREN_PAGES
    )
    assert journeys == set(TITLES), f"in no journey: {sorted(set(TITLES) - journeys)}"
    assert on_disk >= PARTIALS, f"declared partials missing: {sorted(PARTIALS - on_disk)}"
    used: set[str] = set()
    for name in on_disk:
        # The simulator's loader is rooted in its folder; the main app's names are absolute.
        folder = SIMULATOR if name.startswith(SIMULATOR) else ""
        source = sources[name].read_text(encoding="utf-8")
        used |= {folder + ref for ref in _references(source)}
    assert used >= PARTIALS, f"partials no page uses: {sorted(PARTIALS - used)}"
