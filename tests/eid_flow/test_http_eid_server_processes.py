"""The eID login across real processes (DESIGN §5, BSI TR-03130 §3): `servicekonto serve` talks
to a separate `servicekonto eid-mock serve` over the JSON eID-Interface (`SERVICEKONTO_EID_URL`,
`HttpEidServer`), and the browser (an httpx client keeping cookies) goes through the standalone
AusweisApp simulator on the other port and back. When the eID-Server is gone, starting an eID
login fails closed with a 503 page and stores nothing.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from servicekonto.db.models import Account, BrowserSession, EidTransaction, LoginMeans
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest
from tests.conftest import ROOT, ServerProcess, clean_environment, free_port, wait_until_up
from tests.support import connect_to_every_worker, workers_of

pytestmark = [pytest.mark.server, pytest.mark.timeout(120)]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
EID_FORM = re.compile(r'<form[^>]*action="/eid/start".*?</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
CHECKED_RELEASE = re.compile(r'name="release" value="([^"]+)" checked')


class EidMockProcess:
    """`servicekonto eid-mock serve` on a free port with its own data directory."""

    def __init__(self, data_dir: Path, port: int, service_provider: str) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.service_provider = service_provider
        self.log = data_dir / f"eid-mock-{port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = clean_environment(
            SERVICEKONTO_DEV_MODE="1",
            SERVICEKONTO_DATA_DIR=str(self.data_dir),
            SERVICEKONTO_LOG_LEVEL="WARNING",
        )
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "servicekonto.cli",
                    "eid-mock",
                    "serve",
                    "--port",
                    str(self.port),
                    "--public-url",
                    self.base_url,
                    "--service-provider",
                    self.service_provider,
                ],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        wait_until_up(f"{self.base_url}/healthz", self.proc, self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def server_port() -> int:
    return free_port()


@pytest.fixture
def eid_mock(tmp_path: Path, server_port: int) -> Iterator[EidMockProcess]:
    """The standalone eID mock; its service provider is ServiceKonto's issuer, so pseudonyms
    are the same as the embedded mock would derive."""
    process = EidMockProcess(tmp_path / "eid-mock", free_port(), f"http://127.0.0.1:{server_port}")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def server(
    database_url: str, tmp_path: Path, server_port: int, eid_mock: EidMockProcess
) -> Iterator[ServerProcess]:
    """As conftest's `server` (two workers), but with SERVICEKONTO_EID_URL → the eid-mock.

    Overriding `server` here also makes conftest's `server_provider` use this process."""
    env = clean_environment(
        SERVICEKONTO_DEV_MODE="1",
        SERVICEKONTO_ISSUER=f"http://127.0.0.1:{server_port}",
        SERVICEKONTO_DATA_DIR=str(tmp_path),
        SERVICEKONTO_DATABASE_URL=database_url,
        SERVICEKONTO_ARGON2_MEMORY_KIB="1024",
        SERVICEKONTO_ARGON2_TIME_COST="1",
        SERVICEKONTO_LOGIN_RATE_PER_MINUTE="1000",
        SERVICEKONTO_EID_START_RATE_PER_MINUTE="1000",
        SERVICEKONTO_REGISTRATION_RATE_PER_HOUR="1000",
        SERVICEKONTO_LOG_LEVEL="WARNING",
        SERVICEKONTO_EID_URL=eid_mock.base_url,
    )
    process = ServerProcess(env, server_port, workers=2)
    process.start()
    yield process
    process.stop()


class UserAgent:
    """A browser over httpx: one cookie jar for both ports, Origin on POSTs, no auto-redirects."""

    def __init__(self, origin: str, http: httpx.Client | None = None) -> None:
        self.origin = origin
        self.http = http or httpx.Client(timeout=httpx.Timeout(30.0), follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url)

    def post_form(
        self, url: str, fields: list[tuple[str, str]], page: httpx.Response
    ) -> httpx.Response:
        token = CSRF.search(page.text)
        assert token, f"no csrf_token on {page.url}"
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        return self.http.post(
            url,
            content=urlencode([*fields, ("csrf_token", html.unescape(token.group(1)))]),
            headers={"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
        )


@pytest.fixture
def agent(server: ServerProcess) -> Iterator[UserAgent]:
    ua = UserAgent(server.base_url)
    yield ua
    ua.close()


def _eid_button_fields(page: httpx.Response) -> list[tuple[str, str]]:
    form = EID_FORM.search(page.text)
    assert form, "no Online-Ausweis button on the page"
    return [(k, html.unescape(v)) for k, v in HIDDEN.findall(form.group(0)) if k != "csrf_token"]


def _count(provider: Provider, model: type) -> int:
    with provider.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_eid_login_through_the_standalone_eid_mock_process(
    server: ServerProcess,
    eid_mock: EidMockProcess,
    agent: UserAgent,
    server_provider: Provider,
) -> None:
    base = server.base_url
    login = agent.get(f"{base}/login")
    assert login.status_code == 200
    fields = _eid_button_fields(login)
    assert ("purpose", "login") in fields

    started = agent.post_form(f"{base}/eid/start", fields, login)
    assert started.status_code == 303, started.text[:500]
    simulator_url = started.headers["location"]
    # the browser leaves ServiceKonto for the other process's simulator
    assert simulator_url.startswith(f"{eid_mock.base_url}/simulator/"), simulator_url
    assert "sk_eid" in started.headers.get("set-cookie", "")
    assert _count(server_provider, EidTransaction) == 1

    simulator = agent.get(simulator_url)
    assert simulator.status_code == 200
    assert simulator.headers["cache-control"] == "no-store"
    # "Wer fragt?": the eService as named by X-Service-Provider, i.e. ServiceKonto's issuer
    assert f"<dd>{base}</dd>" in simulator.text
    released = CHECKED_RELEASE.findall(simulator.text)
    assert "PlaceOfResidence" in released  # optional data are offered ticked

    done = agent.post_form(
        simulator_url,
        [("card", "erika-mustermann"), ("pin", "123456"), ("action", "authenticate")]
        + [("release", r) for r in released],
        simulator,
    )
    assert done.status_code == 303, done.text[:500]
    return_url = done.headers["location"]
    assert return_url.startswith(f"{base}/eid/return/"), return_url

    back = agent.get(return_url)
    assert back.status_code == 303, back.text[:500]
    assert back.headers["location"] == "/account?notice=eid_registered"
    session_cookie = agent.http.cookies.get("sk_session")
    assert session_cookie

    account_page = agent.get(f"{base}{back.headers['location']}")
    assert account_page.status_code == 200
    assert "mit Ihrem Online-Ausweis angelegt" in account_page.text
    assert re.search(r"<dt>Vertrauensniveau</dt><dd>hoch</dd>", account_page.text)
    assert "ERIKA" in account_page.text or "Erika" in account_page.text

    with server_provider.sessions() as db:
        session = db.get(BrowserSession, digest(session_cookie))
        assert session is not None and session.level == "high"
        account = db.get(Account, session.account_id)
        assert account is not None
        assert account.email is None and account.password_hash is None
        assert {a.level for a in account.attributes} == {"high"}
        means = db.scalars(select(LoginMeans).where(LoginMeans.account_id == account.id)).all()
        assert [m.kind for m in means] == ["eid"]
        assert db.scalar(select(func.count()).select_from(EidTransaction)) == 0

    # the return link is single-use
    replay = agent.get(return_url)
    assert replay.status_code == 400


def test_eid_start_fails_closed_when_the_eid_mock_process_is_gone(
    server: ServerProcess,
    eid_mock: EidMockProcess,
    agent: UserAgent,
    server_provider: Provider,
) -> None:
    base = server.base_url
    login = agent.get(f"{base}/login")
    fields = _eid_button_fields(login)
    # it works while the eID-Server is up …
    first = agent.post_form(f"{base}/eid/start", fields, login)
    assert first.status_code == 303
    assert first.headers["location"].startswith(f"{eid_mock.base_url}/simulator/")
    transactions_before = _count(server_provider, EidTransaction)
    accounts_before = _count(server_provider, Account)
    assert transactions_before == 1

    eid_mock.stop()
    assert not eid_mock.running()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{eid_mock.base_url}/healthz", timeout=2)

    # … and with it gone, every worker answers 503 with the German page, storing nothing
    agent.http.cookies.delete("sk_eid")
    refusals = []
    # the same browser over connections to both workers of `serve --workers 2`, two each
    clients = connect_to_every_worker(base, 4, cookies=agent.http.cookies)
    try:
        for http in clients:
            browser = UserAgent(base, http)
            login = browser.get(f"{base}/login")
            assert login.status_code == 200
            started = time.monotonic()
            refused = browser.post_form(f"{base}/eid/start", _eid_button_fields(login), login)
            assert time.monotonic() - started < 10  # fails fast (connect refused, no hanging)
            assert refused.status_code == 503, refused.text[:500]
            assert "location" not in refused.headers
            assert "text/html" in refused.headers["content-type"]
            assert "nicht erreichbar" in refused.text
            assert 'lang="de"' in refused.text
            assert "sk_eid" not in refused.headers.get("set-cookie", "")
            assert http.cookies.get("sk_eid") is None
            refusals.append(refused)
    finally:
        for http in clients:
            http.close()
    assert len(workers_of(refusals)) == 2
    assert _count(server_provider, EidTransaction) == transactions_before
    assert _count(server_provider, Account) == accounts_before
