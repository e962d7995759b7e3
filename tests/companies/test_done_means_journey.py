"""Issue 12 "Done means", end to end through HTTP against a real `servicekonto serve` set up as
`make run` sets it up (dev mode, SQLite, `servicekonto demo` seeded, uploads accepted with the
scan recorded as skipped): Anna Schmitz registers "Moselweingut Beispiel GmbH" with a
Handelsregisterauszug; the officer of Verbandsgemeinde Cochem (password and app code from
`demo --json`) asks for the Gewerbeanmeldung; Anna supplements it; the officer approves alone
(four-eyes is on at VG Zell, not at Cochem); the print shop finds the activation letter in
/staff/letters and exports it; Anna activates with the code printed in that PDF and is the
organisation's administrator; she invites Jonas Müller, who accepts from the mail's link; at the
demo portal whoever acts for the organisation receives its verified claims, and whoever chooses
"persönlich" receives none of them.

Every step is a form post a browser would send (CSRF token, Origin); nothing is seeded behind the
server's back except what `servicekonto demo` seeds."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from servicekonto.security import totp
from servicekonto.sim.demo_documents import sample_pdf
from tests.browser.test_accessibility import _totp_at
from tests.companies.factories import GMBH
from tests.conftest import ROOT, ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.timeout(240)]

APPLICANT = "anna.schmitz@demo.servicekonto.example"
COLLEAGUE = "jonas.mueller@demo.servicekonto.example"
OFFICER = "registrierung.cochem@demo.servicekonto.example"
DISPATCHER = "druckerei@demo.servicekonto.example"
COMPANY = GMBH["name"]  # "Moselweingut Beispiel GmbH", postal code 56812 (Cochem)

HR_EXTRACT = sample_pdf("Handelsregisterauszug", [("Firma", COMPANY), ("Nummer", "HRB 1234 B")])
TRADE_REGISTRATION = sample_pdf("Gewerbeanmeldung", [("Betrieb", COMPANY)])

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ORGANISATION_CLAIMS = {"organization", "organization_name", "organization_role"}


class Agent:
    """One person's user agent on the real server: cookies, CSRF tokens, Origin headers, and
    redirects followed on our own origin only (the demo portal lives there too)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=30)

    def get(self, url: str) -> httpx.Response:
        return self.follow(self.http.get(url))

    def post(self, url: str, page: httpx.Response, data: list[tuple[str, str]],
             files: list[tuple[str, tuple[str, bytes, str]]] | None = None) -> httpx.Response:
        token = CSRF.search(page.text)
        assert token, f"no csrf_token on {page.url}: {page.text[:300]}"
        pairs = [*data, ("csrf_token", token.group(1))]
        headers = {"Origin": self.base}
        if files is None:
            response = self.http.post(url, data=_grouped(pairs), headers=headers)
        else:
            response = self.http.post(url, data=_grouped(pairs), files=files, headers=headers)
        return self.follow(response)

    def follow(self, response: httpx.Response) -> httpx.Response:
        for _ in range(15):
            if response.status_code not in (302, 303):
                return response
            location = response.headers["location"]
            if location.startswith("http") and not location.startswith(self.base):
                return response
            response = self.http.get(location)
        raise AssertionError("redirect loop")

    def log_in(self, username: str, password: str, totp_secret: str | None = None,
               path: str = "/account") -> httpx.Response:
        page = self.get(f"/login?next={path}")
        page = self.post(f"/login?next={path}", page,
                         [("username", username), ("password", password)])
        if totp_secret is not None:
            assert "/login/otp" in str(page.url), page.text[:300]
            code = _totp_at(totp_secret, totp.time_step(datetime.now(UTC)))
            page = self.post(_form_action(page, "/login/otp"), page, [("otp", code)])
        assert page.status_code == 200 and str(page.url).endswith(path), (page.url, page.text[:300])
        return page

    def close(self) -> None:
        self.http.close()


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    grouped: dict[str, Any] = {}
    for name, value in pairs:
        if name in grouped:
            existing = grouped[name]
            grouped[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            grouped[name] = value
    return grouped


def _form_action(page: httpx.Response, starts_with: str) -> str:
    for action in re.findall(r'<form[^>]*action="([^"]+)"', page.text):
        if unescape(action).startswith(starts_with):
            return unescape(action)
    raise AssertionError(f"no form posting to {starts_with} on {page.url}")


def _text(page: httpx.Response) -> str:
    """The page's visible text, roughly: tags dropped, entities resolved, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _mail_link(mail_dir: Path, pattern: re.Pattern[str], timeout: float = 30.0) -> str:
    """The first match of `pattern` in a mail the server's outbox worker wrote (dev mode: .eml
    files under the data directory)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = mail.get_body(preferencelist=("plain",))
            match = pattern.search(body.get_content() if body else "")  # type: ignore[attr-defined]
            if match:
                return match.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no mail matching {pattern.pattern} in {mail_dir}")


@pytest.fixture
def run_like_make_run(
    make_server: Callable[..., ServerProcess],
) -> Iterator[tuple[ServerProcess, dict[str, Any]]]:
    """`make run`: dev mode, SQLite, uploads without clamd accepted (scan recorded as skipped),
    `servicekonto demo` seeded (here by the CLI too, after the server is up: the seed is
    idempotent and the server reads everything from the database)."""
    server = make_server(UPLOAD_SCAN_REQUIRED="false")
    seeded = subprocess.run(
        [sys.executable, "-m", "servicekonto.cli", "demo", "--json"],
        env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    yield server, json.loads(seeded.stdout)


def _staff(demo: dict[str, Any], username: str) -> dict[str, Any]:
    return next(entry for entry in demo["staff"] if entry["username"] == username)


def _citizen(demo: dict[str, Any], username: str) -> dict[str, Any]:
    return next(entry for entry in demo["accounts"] if entry["username"] == username)


def _portal_login(agent: Agent, username: str, password: str, acting_as: str) -> httpx.Response:
    """The demo portal's "für eine Organisation" login: the password again (the portal sends
    `prompt=select_account`, DESIGN §5), choose the Befugnis, allow what the consent page
    offers, back at the portal."""
    page = agent.get("/demo-portal/login?level=low&organization=1")
    assert 'name="password"' in page.text, _text(page)[:500]
    page = agent.post(_form_action(page, "/interaction/"), page,
                      [("username", username), ("password", password)])
    assert 'name="acting_as"' in page.text, _text(page)[:500]
    page = agent.post(_form_action(page, "/interaction/"), page, [("acting_as", acting_as)])
    if 'name="decision"' in page.text:
        claims = re.findall(r'name="claims" value="([^"]+)"', page.text) + re.findall(
            r'name="claims"[^>]*value="([^"]+)"', page.text)
        page = agent.post(_form_action(page, "/interaction/"), page,
                          [("decision", "allow"), *[("claims", c) for c in sorted(set(claims))]])
    assert str(page.url).endswith("/demo-portal") and page.status_code == 200, _text(page)[-2500:]
    return page


def test_done_means_registration_review_letter_activation_invitation_and_befugnis(
    run_like_make_run: tuple[ServerProcess, dict[str, Any]],
) -> None:
    server, demo = run_like_make_run
    base = server.base_url
    assert demo["four_eyes"] == ["vg-zell"]  # Cochem's officer approves alone
    anna, officer, printer, jonas = (Agent(base) for _ in range(4))
    try:
        # -- Anna registers the company with a Handelsregisterauszug -------------------------
        applicant = _citizen(demo, APPLICANT)
        anna.log_in(APPLICANT, applicant["password"])
        page = anna.get("/organizations/new")
        assert page.status_code == 200
        page = anna.post(
            "/organizations/new", page,
            [*GMBH.items(), ("doc_type", "handelsregisterauszug")],
            files=[("documents", ("HR-Auszug Moselweingut.pdf", HR_EXTRACT,
                                  "application/pdf"))],
        )
        assert page.status_code == 200, _text(page)[:800]
        match = re.search(r"/organizations/applications/([0-9a-f]+)\?notice=submitted",
                          str(page.url))
        assert match, page.url
        organisation_id = match.group(1)
        assert "Verbandsgemeinde Cochem" in _text(page)

        # -- the officer of VG Cochem asks for the Gewerbeanmeldung --------------------------
        officer_entry = _staff(demo, OFFICER)
        queue = officer.log_in(OFFICER, officer_entry["password"], officer_entry["totp_secret"],
                               path="/staff/organizations")
        assert COMPANY in _text(queue)
        assert "Sportverein Ulmen e. V." not in _text(queue)  # the demo's case at VG Ulmen
        case_path = f"/staff/organizations/{organisation_id}"
        case = officer.get(case_path)
        assert case.status_code == 200 and "Handelsregisterauszug" in _text(case)
        case = officer.post(f"{case_path}/review", case, [])
        assert "Sie haben die Prüfung begonnen." in _text(case)
        case = officer.post(f"{case_path}/decision", case, [
            ("decision", "request_info"),
            ("reason", "Bitte reichen Sie die Gewerbeanmeldung nach."),
            ("version", _version(case)),
        ])
        assert "Ihre Rückfrage ist verschickt." in _text(case)

        # -- Anna reads the question and supplements the Gewerbeanmeldung ---------------------
        application = anna.get(f"/organizations/applications/{organisation_id}")
        assert "Bitte reichen Sie die Gewerbeanmeldung nach." in _text(application)
        mail_dir = Path(server.env["SERVICEKONTO_DATA_DIR"]) / "mail"
        _mail_link(mail_dir, re.compile(r"Bitte reichen Sie die Gewerbeanmeldung nach\."))
        application = anna.post(
            f"/organizations/applications/{organisation_id}/supplement", application,
            [("answer", "Die Gewerbeanmeldung liegt bei."), ("doc_type", "gewerbeanmeldung")],
            files=[("documents", ("Gewerbeanmeldung.pdf", TRADE_REGISTRATION,
                                  "application/pdf"))],
        )
        assert application.status_code == 200, _text(application)[:800]
        assert str(application.url).endswith("?notice=supplemented")

        # -- the officer approves, alone: no four-eyes at Cochem ------------------------------
        case = officer.get(case_path)
        assert "Die Gewerbeanmeldung liegt bei." in _text(case)
        assert "Gewerbeanmeldung" in _text(case)
        case = officer.post(f"{case_path}/decision", case, [
            ("decision", "approve"),
            ("reason", "Handelsregisterauszug und Gewerbeanmeldung liegen vor."),
            ("version", _version(case)),
        ])
        assert "Der Antrag ist genehmigt." in _text(case), _text(case)[:800]

        # -- the activation letter waits in the dispatch view; the print shop exports it -----
        dispatcher = _staff(demo, DISPATCHER)
        letters = printer.log_in(DISPATCHER, dispatcher["password"], dispatcher["totp_secret"],
                                 path="/staff/letters")
        row = next((r for r in re.findall(r"<tr.*?</tr>", letters.text, re.S) if COMPANY in r),
                   None)
        assert row is not None, _text(letters)[:1500]
        assert "Aktivierung Unternehmen" in row and "Verbandsgemeinde Cochem" in row
        letter_id = re.search(r'name="letter_ids" value="([^"]+)"', row)
        assert letter_id
        exported = printer.http.post(
            "/staff/letters/export",
            data={"letter_ids": letter_id.group(1), "csrf_token": CSRF.search(letters.text)
                  .group(1)},  # type: ignore[union-attr]
            headers={"Origin": base},
        )
        assert exported.status_code == 200, exported.text[:500]
        assert exported.headers["content-type"] == "application/pdf"
        printed = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(exported.content)).pages)
        assert COMPANY in printed and "Moselweinstraße 12a" in printed
        code_pattern = r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}"
        activation = re.search(r"Aktivierungscode\s+(" + code_pattern + ")", printed)
        revocation = re.search(r"Widerrufscode\s+(" + code_pattern + ")", printed)
        assert activation and revocation, printed
        activation_code = activation.group(1)
        assert activation_code != revocation.group(1)

        # -- Anna activates with the letter's code and becomes the administrator -------------
        activate = anna.get(f"/organizations/activate?organisation={organisation_id}")
        activated = anna.post("/organizations/activate", activate, [
            ("organisation", organisation_id), ("activation_code", activation_code),
        ])
        assert activated.status_code == 200, _text(activated)[:800]
        assert str(activated.url).endswith("?notice=activated")
        organisation_page = anna.get(f"/organizations/{organisation_id}")
        assert organisation_page.status_code == 200
        assert "Ihre Rolle Administrator/in" in _text(organisation_page)

        # -- she invites Jonas, who accepts from the mail's link -----------------------------
        invited = anna.post(f"/organizations/{organisation_id}/invitations", organisation_page,
                            [("email", COLLEAGUE), ("role", "member")])
        assert invited.status_code == 200 and "notice=invited" in str(invited.url)
        link = _mail_link(mail_dir, re.compile(r"http\S+/organizations/invitations/[A-Za-z0-9_-]+"))
        colleague = _citizen(demo, COLLEAGUE)
        jonas.log_in(COLLEAGUE, colleague["password"])
        invitation = jonas.get(link)
        assert invitation.status_code == 200 and COMPANY in _text(invitation)
        joined = jonas.post(link, invitation, [])
        assert joined.status_code == 200 and str(joined.url).endswith("?notice=joined")

        # a member acts for the organisation only at the services an admin allowed
        # (Berechtigungssteuerung): Anna allows the demo portal for Jonas
        organisation_page = anna.get(f"/organizations/{organisation_id}")
        services = re.search(
            r'action="(/organizations/[0-9a-f]+/members/[0-9a-f]+/services)"(.*?)</form>',
            organisation_page.text, re.S)
        assert services, "the admin sees the member's services form"
        portal_id = re.search(r'name="client_ids" value="([^"]+)"[^>]*>\s*<label[^>]*>'
                              r"Demo-Portal", services.group(2))
        assert portal_id, services.group(2)
        allowed = anna.post(services.group(1), organisation_page,
                            [("client_ids", portal_id.group(1))])
        assert allowed.status_code == 200 and "notice=services" in str(allowed.url)

        # -- the demo portal: the organisation's verified claims for whoever acts for it ------
        org_choice = f"org:{organisation_id}"
        portal = _portal_login(anna, APPLICANT, applicant["password"], org_choice)
        shown = _text(portal)
        assert "Sie handeln für eine Organisation" in shown
        assert COMPANY in shown and "Amtsgericht Koblenz" in shown
        assert "Geprüft von: Verbandsgemeinde Cochem" in shown, shown[:2000]

        portal = _portal_login(jonas, COLLEAGUE, colleague["password"], org_choice)
        shown = _text(portal)
        assert "Sie handeln für eine Organisation" in shown
        assert "Geprüft von: Verbandsgemeinde Cochem" in shown

        # ... and none for someone who chose "persönlich"
        portal = _portal_login(jonas, COLLEAGUE, colleague["password"], "self")
        shown = _text(portal)
        assert "Sie handeln für eine Organisation" not in shown
        assert COMPANY not in shown
        for claim in ORGANISATION_CLAIMS:
            assert claim not in shown
    finally:
        for agent in (anna, officer, printer, jonas):
            agent.close()


def _version(page: httpx.Response) -> str:
    match = re.search(r'name="version" value="([^"]+)"', page.text)
    assert match, "the decision form carries the case's version"
    return match.group(1)
