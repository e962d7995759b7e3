"""Apache httpd with mod_auth_openidc (Debian's package) as a real relying party, in Chromium.

mod_auth_openidc is one of the most widely deployed OIDC relying parties in front of
Fachverfahren. Here it discovers us, runs the code flow with PKCE and a client secret, shows the
claims it received, and takes part in logout: RP-initiated through its own logout URL, and
back-channel when the logout starts at ServiceKonto (Back-Channel Logout 1.0 §2.5), where only
our logout token can end its session.

The Befugnis (issue 12 items 6 and 7): asking for `organization`, it receives the organisation
claims of a member who chose the organisation; asking without it, none; the organisation's
suspension ends its session by back-channel logout, and the next login there no longer acts for
the organisation.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from servicekonto.accounts.service import normalise_email
from servicekonto.companies import review
from servicekonto.db.models import Account, OutboxMessage
from servicekonto.oidc.minting import subject_for
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import REGISTRATION_SUPERVISOR
from tests.companies.factories import activated, seed_region, staff
from tests.conftest import ServerProcess, free_port, wait_until_up
from tests.support import PASSWORD, RegisteredClient, account_id_of, make_account, make_client
from tests.tools import missing_tool, require_executable

pytestmark = [pytest.mark.server, pytest.mark.timeout(90)]

APACHE = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
INSTALL_HINT = "apt-get install apache2 libapache2-mod-auth-openidc"
TEMPLATE = Path(__file__).parent / "apache" / "httpd.conf.template"
PLACEHOLDER = re.compile(r"@[A-Z_]+@")
CLIENT_NAME = "Apache-Testportal"
LOW = "http://eidas.europa.eu/LoA/low"

# The protected page: mod_include prints what mod_auth_openidc put into the environment.
CLAIMS_PAGE = """<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>Geschützte Seite</title></head>
<body><main>
<h1>Geschützte Seite</h1>
<dl>
  <dt>given_name</dt><dd id="given_name"><!--#echo var="OIDC_CLAIM_given_name" --></dd>
  <dt>family_name</dt><dd id="family_name"><!--#echo var="OIDC_CLAIM_family_name" --></dd>
  <dt>sub</dt><dd id="sub"><!--#echo var="OIDC_CLAIM_sub" --></dd>
  <dt>acr</dt><dd id="acr"><!--#echo var="OIDC_CLAIM_acr" --></dd>
  <dt>REMOTE_USER</dt><dd id="remote_user"><!--#echo var="REMOTE_USER" --></dd>
  <dt>organization</dt><dd id="organization"><!--#echo var="OIDC_CLAIM_organization" --></dd>
  <dt>organization_name</dt>
  <dd id="organization_name"><!--#echo var="OIDC_CLAIM_organization_name" --></dd>
  <dt>organization_role</dt>
  <dd id="organization_role"><!--#echo var="OIDC_CLAIM_organization_role" --></dd>
</dl>
</main></body>
</html>
"""
LOGGED_OUT_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Abgemeldet</title></head>
<body><main><h1>Beim Apache-Testportal abgemeldet</h1></main></body></html>
"""


@dataclass
class ApacheRp:
    origin: str
    client: RegisteredClient

    @property
    def protected(self) -> str:
        return f"{self.origin}/protected/claims.html"

    @property
    def logged_out(self) -> str:
        return f"{self.origin}/logged-out.html"

    def logout_url(self) -> str:
        """mod_auth_openidc's own logout: ends its session, then RP-initiated logout at the OP."""
        return f"{self.origin}/protected/redirect_uri?logout={quote(self.logged_out, safe='')}"


def _run_as() -> tuple[str, str]:
    """User and group for Apache's children: it refuses to serve as root, so use nobody then."""
    if os.geteuid() == 0:
        return "nobody", "nogroup"
    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


def _render(values: dict[str, str]) -> str:
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    leftover = PLACEHOLDER.findall(text)
    assert not leftover, f"unfilled placeholders in the Apache template: {leftover}"
    return text


@pytest.fixture
def apache(
    server: ServerProcess,
    server_provider: Provider,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[ApacheRp]:
    """Apache in the foreground on a free port, registered with the server as a client; asking
    for the scopes of the test's indirect parameter (default `openid profile`)."""
    apache2 = require_executable(APACHE, INSTALL_HINT)
    if not (MODULES / "mod_auth_openidc.so").is_file():
        missing_tool("mod_auth_openidc", INSTALL_HINT)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    scope = str(getattr(request, "param", "openid profile"))
    client = make_client(
        server_provider,
        name=CLIENT_NAME,
        redirect_uris=[f"{origin}/protected/redirect_uri"],
        post_logout_redirect_uris=[f"{origin}/logged-out.html"],
        backchannel_logout_uri=f"{origin}/protected/redirect_uri?logout=backchannel",
        scopes=scope.split(),
    )
    # Not pytest's tmp_path: that lies in a 0700 folder the unprivileged children could not read.
    root = Path(tempfile.mkdtemp(prefix="sk-apache-"))
    failed_before = request.session.testsfailed
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = _start_apache(apache2, root, port, server.base_url, client, scope)
        yield ApacheRp(origin, client)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if request.session.testsfailed > failed_before:
            # Teardown output is not part of the failure report, so write it past the capture.
            with capsys.disabled():
                for log in (root / "console.log", root / "error.log"):
                    if log.exists():
                        print(f"\n--- {log.name} of Apache ---\n{log.read_text()[-6000:]}")
        shutil.rmtree(root, ignore_errors=True)


def _start_apache(
    apache2: str, root: Path, port: int, issuer: str, client: RegisteredClient, scope: str
) -> subprocess.Popen[bytes]:
    """Write the pages and the config into `root`, start Apache, wait until it answers."""
    assert client.client_secret
    root.chmod(0o755)
    (root / "htdocs" / "protected").mkdir(parents=True)
    (root / "htdocs" / "protected" / "claims.html").write_text(CLAIMS_PAGE)
    (root / "htdocs" / "logged-out.html").write_text(LOGGED_OUT_PAGE)
    user, group = _run_as()
    conf = root / "httpd.conf"
    conf.write_text(
        _render(
            {
                "ROOT": str(root),
                "PORT": str(port),
                "MODULES": str(MODULES),
                "ISSUER": issuer,
                "CLIENT_ID": client.client_id,
                "CLIENT_SECRET": client.client_secret,
                "PASSPHRASE": secrets.token_urlsafe(32),
                "USER": user,
                "GROUP": group,
                "SCOPE": scope,
            }
        )
    )
    console = (root / "console.log").open("wb")
    # Its own session: on stop the prefork parent signals its whole process group, which
    # would otherwise include pytest.
    proc = subprocess.Popen(
        [apache2, "-f", str(conf), "-DFOREGROUND"],
        stdout=console,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    console.close()  # the child keeps its own descriptor
    try:
        wait_until_up(f"http://127.0.0.1:{port}/logged-out.html", proc, root / "console.log")
    except BaseException:
        proc.kill()
        proc.wait(5)
        raise
    return proc


def _expected_sub(provider: Provider, client_id: str, email: str) -> str:
    with provider.sessions() as db:
        account_id = db.scalar(select(Account.id).where(Account.email == normalise_email(email)))
        client = provider.clients.get(db, client_id)
    assert account_id is not None and client is not None
    return subject_for(provider, client, account_id)


def _log_in_through_apache(page: Any, server: ServerProcess, apache: ApacheRp, email: str) -> None:
    """Protected page → our login form → consent → back on the protected page."""
    from playwright.sync_api import expect

    page.goto(apache.protected)
    expect(page.get_by_label("Passwort")).to_be_visible()
    assert page.url.startswith(f"{server.base_url}/"), page.url
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    consent = page.get_by_role("button", name="Zustimmen")
    expect(consent.or_(page.locator("#given_name"))).to_be_visible()
    if consent.is_visible():
        consent.click()
    page.wait_for_url(apache.protected)


def _assert_claims_page(page: Any, provider: Provider, apache: ApacheRp, email: str) -> None:
    from playwright.sync_api import expect

    sub = _expected_sub(provider, apache.client.client_id, email)
    expect(page.locator("#given_name")).to_have_text("Erika")
    expect(page.locator("#family_name")).to_have_text("Mustermann")
    expect(page.locator("#acr")).to_have_text(LOW)
    expect(page.locator("#sub")).to_have_text(sub)
    expect(page.locator("#remote_user")).to_have_text(sub)


def _assert_back_at_login(page: Any, server: ServerProcess, apache: ApacheRp) -> None:
    """Reloading the protected page sends the browser to our login form, not the claims."""
    from playwright.sync_api import expect

    page.goto(apache.protected)
    expect(page.get_by_label("Passwort")).to_be_visible()
    assert page.url.startswith(f"{server.base_url}/"), page.url
    assert page.locator("#given_name").count() == 0


def _wait_for_backchannel_logouts(provider: Provider, client_id: str) -> list[OutboxMessage]:
    """Poll the outbox until every back-channel logout to `client_id` was attempted.

    The server's outbox worker delivers them asynchronously, about once a second per worker.
    """
    deadline = time.monotonic() + 20
    while True:
        with provider.sessions() as db:
            messages = [
                message
                for message in db.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == "backchannel_logout")
                )
                if message.payload.get("client_id") == client_id
            ]
        if messages and all(m.delivered_at or m.last_error for m in messages):
            return messages
        assert time.monotonic() < deadline, f"back-channel logout not delivered: {messages}"
        time.sleep(0.2)


def test_login_shows_claims_and_rp_initiated_logout_ends_both_sessions(
    server: ServerProcess, server_provider: Provider, apache: ApacheRp, page: Any
) -> None:
    from playwright.sync_api import expect

    email = make_account(server_provider)
    _log_in_through_apache(page, server, apache, email)
    _assert_claims_page(page, server_provider, apache, email)

    # Apache ends its session and sends the browser to our end_session_endpoint with its
    # id_token_hint; we end ours and return to the registered post-logout URL.
    page.goto(apache.logout_url())
    page.wait_for_url(apache.logged_out)
    expect(page.get_by_role("heading", level=1)).to_have_text("Beim Apache-Testportal abgemeldet")
    _assert_back_at_login(page, server, apache)


def test_logout_at_servicekonto_reaches_apache_by_back_channel(
    server: ServerProcess, server_provider: Provider, apache: ApacheRp, page: Any
) -> None:
    from playwright.sync_api import expect

    email = make_account(server_provider)
    _log_in_through_apache(page, server, apache, email)
    # The Apache session lives on its own: the protected page opens without a login.
    page.goto(apache.protected)
    _assert_claims_page(page, server_provider, apache, email)

    page.goto(f"{server.base_url}/account")
    page.get_by_role("button", name="Abmelden", exact=True).click()
    page.wait_for_url(f"{server.base_url}/logged-out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sie sind abgemeldet.")

    delivered = _wait_for_backchannel_logouts(server_provider, apache.client.client_id)
    assert [(m.payload["reason"], m.last_error) for m in delivered] == [("logout", "")]
    assert delivered[0].payload["sid"]
    _assert_back_at_login(page, server, apache)


def test_consent_revocation_at_servicekonto_ends_the_apache_session(
    server: ServerProcess, server_provider: Provider, apache: ApacheRp, page: Any
) -> None:
    """The citizen withdraws the portal's consent on /account. mod_auth_openidc 2.4 ignores a
    logout token without `sid`, so this proves we name the session the portal holds."""
    from playwright.sync_api import expect

    email = make_account(server_provider)
    _log_in_through_apache(page, server, apache, email)
    _assert_claims_page(page, server_provider, apache, email)

    page.goto(f"{server.base_url}/account")
    page.get_by_role("button", name=re.compile(r"^Einwilligung widerrufen")).click()
    page.wait_for_url(re.compile(re.escape(f"{server.base_url}/account")))

    delivered = _wait_for_backchannel_logouts(server_provider, apache.client.client_id)
    assert [(m.payload["reason"], m.last_error) for m in delivered] == [("consent_revoked", "")]
    assert delivered[0].payload["sid"]
    # Our session lives on, so Apache's new login request comes back to the consent question,
    # never to the claims page it showed before.
    page.goto(apache.protected)
    expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
    assert page.url.startswith(f"{server.base_url}/"), page.url


# -- the Befugnis ------------------------------------------------------------------------------

ORG_SCOPE = "openid profile organization"


def _firm(provider: Provider) -> tuple[str, str]:
    """An activated GmbH whose admin can log in: (admin e-mail, organisation id)."""
    now = provider.clock.now()
    seed_region(provider.sessions)
    officer = staff(provider.sessions, now, "vg-cochem")
    email = make_account(provider)
    return email, activated(provider.sessions, now, account_id_of(provider, email), officer)


def _log_in(page: Any, apache: ApacheRp, email: str, *, befugnis: str | None) -> None:
    from playwright.sync_api import expect

    page.goto(apache.protected)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    if befugnis is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Persönlich oder für eine Organisation handeln"
        )
        page.get_by_label(befugnis).check()
        page.get_by_role("button", name="Weiter").click()
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(apache.protected)


@pytest.mark.parametrize("apache", [ORG_SCOPE], indirect=True)
def test_mod_auth_openidc_receives_the_organisation_and_suspension_ends_its_session(
    server: ServerProcess, server_provider: Provider, apache: ApacheRp, page: Any
) -> None:
    from playwright.sync_api import expect

    email, organisation_id = _firm(server_provider)
    _log_in(page, apache, email, befugnis="für Moselweingut Beispiel GmbH")

    expect(page.locator("#organization_name")).to_have_text("Moselweingut Beispiel GmbH")
    expect(page.locator("#organization_role")).to_have_text("admin")
    pairwise = page.locator("#organization").inner_text()
    assert len(pairwise) >= 32 and pairwise != organisation_id

    supervisor = staff(server_provider.sessions, server_provider.clock.now(), "vg-cochem",
                       REGISTRATION_SUPERVISOR)
    with server_provider.sessions() as db:
        review.suspend(db, staff_id=supervisor, organisation_id=organisation_id,
                       reason="Missbrauchsverdacht", now=server_provider.clock.now())
        db.commit()

    delivered = _wait_for_backchannel_logouts(server_provider, apache.client.client_id)
    assert [(m.payload["reason"], m.last_error) for m in delivered] == [
        ("organisation_suspended", "")
    ]
    # Apache's session is gone: it asks us again; our session lives, the firm is no choice any
    # more, so the person is asked to consent personally, never shown the firm's claims.
    page.goto(apache.protected)
    expect(page.get_by_role("button", name="Zustimmen")).to_be_visible()
    assert page.url.startswith(f"{server.base_url}/"), page.url
    page.get_by_role("button", name="Zustimmen").click()
    page.wait_for_url(apache.protected)
    # mod_include prints "(none)" for a variable mod_auth_openidc did not set
    expect(page.locator("#organization_name")).to_have_text("(none)")


def test_mod_auth_openidc_without_the_organization_scope_receives_none(
    server: ServerProcess, server_provider: Provider, apache: ApacheRp, page: Any
) -> None:
    from playwright.sync_api import expect

    email, _organisation_id = _firm(server_provider)
    _log_in(page, apache, email, befugnis=None)  # no Befugnis prompt for this client

    expect(page.locator("#given_name")).to_have_text("Erika")
    for claim in ("organization", "organization_name", "organization_role"):
        expect(page.locator(f"#{claim}")).to_have_text("(none)")  # not set by the module
