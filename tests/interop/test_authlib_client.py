"""authlib's Starlette client as a Python portal uses it (DESIGN §11 "real relying parties"),
against a real `servicekonto serve --workers 2`.

The portal (tests/interop/authlib_portal.py) runs as its own uvicorn process and knows
ServiceKonto only through discovery. The test plays the browser: one cookie jar for both sites,
redirects followed across them, our login and consent forms submitted with their CSRF field.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import select

from servicekonto.db.models import Account
from servicekonto.oidc.provider import Provider
from tests.conftest import ServerProcess, free_port, wait_until_up
from tests.support import CSRF, PASSWORD, RegisteredClient, make_account, make_client

pytestmark = [pytest.mark.server, pytest.mark.timeout(90)]

HERE = Path(__file__).resolve().parent
STORK_LOW = "STORK-QAA-Level-1"
BSI_LOW = "http://bsi.bund.de/eID/LoA/normal"
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
ACTION = re.compile(r'action="([^"]+)"')
CLAIM_BOX = re.compile(r'<input\b[^>]*name="claims"[^>]*>')
VALUE = re.compile(r'value="([^"]+)"')


@dataclass
class Portal:
    url: str
    server: ServerProcess
    client: RegisteredClient
    email: str
    expected_sub: str

    @property
    def callback(self) -> str:
        return f"{self.url}/callback"


@pytest.fixture
def portal(server: ServerProcess, server_provider: Provider, tmp_path: Path) -> Iterator[Portal]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = make_client(
        server_provider,
        name="Bürgerportal (authlib)",
        redirect_uris=[f"{url}/callback"],
        post_logout_redirect_uris=[f"{url}/logged-out"],
        scopes=["openid", "profile", "email", "offline_access"],
    )
    email = make_account(server_provider)
    with server_provider.sessions() as db:
        account_id = db.scalars(select(Account.id).where(Account.email == email)).one()
    # Pairwise by default (OIDC Core §8.1): the `sub` this portal must see for this account.
    expected_sub = server_provider.subjects.subject(account_id=account_id, sector=client.sector)
    env = {
        **os.environ,
        "PORTAL_ISSUER": server.base_url,
        "PORTAL_CLIENT_ID": client.client_id,
        "PORTAL_CLIENT_SECRET": client.client_secret or "",
        "PORTAL_PORT": str(port),
        "PORTAL_SESSION_SECRET": secrets.token_urlsafe(32),
    }
    log = tmp_path / "portal.log"
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(HERE),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "authlib_portal:app",
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"{url}/", proc, log)
        yield Portal(url, server, client, email, expected_sub)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class UserAgent:
    """A browser without JavaScript: one cookie jar for both sites, `Origin` on form posts."""

    def __init__(self) -> None:
        self.http = httpx.Client(follow_redirects=False, timeout=15)

    def close(self) -> None:
        self.http.close()

    def get(self, url: str) -> httpx.Response:
        return self.http.get(url)

    def follow(self, response: httpx.Response, *, stop_at: str | None = None) -> httpx.Response:
        """Follow redirects on any origin; return the redirect to `stop_at` unfollowed."""
        for _ in range(15):
            if not response.is_redirect:
                return response
            location = urljoin(str(response.url), response.headers["location"])
            if stop_at and location.startswith(stop_at):
                return response
            response = self.get(location)
        raise AssertionError("redirect loop")

    def submit(
        self, page: httpx.Response, form_html: str, data: list[tuple[str, str]]
    ) -> httpx.Response:
        """Post a form of `page` as a browser would: its action, its CSRF field, our Origin."""
        action = ACTION.search(form_html)
        token = CSRF.search(form_html)
        assert action and token, form_html[:300]
        parts = urlsplit(str(page.url))
        return self.http.post(
            urljoin(str(page.url), action.group(1)),
            content=urlencode([*data, ("csrf_token", token.group(1))]),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"{parts.scheme}://{parts.netloc}",
            },
        )


@pytest.fixture
def ua() -> Iterator[UserAgent]:
    agent = UserAgent()
    yield agent
    agent.close()


# -- the browser's part of the flow --------------------------------------------------------------


def form_with(page: httpx.Response, marker: str) -> str:
    """The page's form that contains `marker` (the login page has more than one form)."""
    for match in FORM.finditer(page.text):
        if marker in match.group(0):
            return match.group(0)
    raise AssertionError(f"no form with {marker} on {page.url}: {page.text[:300]}")


def sign_in(ua: UserAgent, portal: Portal, **login_params: str) -> str:
    """Click "log in" at the portal, log in and consent at ServiceKonto where it asks, and return
    the provider's redirect back to the portal's callback, not yet followed."""
    login_url = f"{portal.url}/login?{urlencode(login_params)}"
    response = ua.follow(ua.get(login_url), stop_at=portal.callback)
    if response.status_code == 200 and 'name="password"' in response.text:
        form = form_with(response, 'name="password"')
        credentials = [("username", portal.email), ("password", PASSWORD)]
        response = ua.follow(ua.submit(response, form, credentials), stop_at=portal.callback)
    if response.status_code == 200 and 'name="decision"' in response.text:
        form = form_with(response, 'name="decision"')
        claims = [("claims", VALUE.findall(box)[0]) for box in CLAIM_BOX.findall(form)]
        response = ua.follow(
            ua.submit(response, form, [("decision", "allow"), *claims]), stop_at=portal.callback
        )
    assert response.is_redirect, f"{response.url} {response.status_code}: {response.text[:300]}"
    location = urljoin(str(response.url), response.headers["location"])
    assert location.startswith(f"{portal.callback}?"), location
    return location


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**query_of(url), **changes})))


def jose_header(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    header: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return header


def userinfo_at_provider(portal: Portal, access_token: str) -> httpx.Response:
    return httpx.get(
        f"{portal.server.base_url}/userinfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def portal_state(ua: UserAgent, portal: Portal) -> dict[str, Any]:
    response = ua.get(f"{portal.url}/")
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


def portal_tokens(ua: UserAgent, portal: Portal) -> dict[str, Any]:
    response = ua.get(f"{portal.url}/tokens")
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


# -- the tests -----------------------------------------------------------------------------------


def test_authlib_portal_login_with_acr_values_refresh_and_rp_initiated_logout(
    portal: Portal, ua: UserAgent
) -> None:
    callback = sign_in(ua, portal, acr_values=STORK_LOW)
    assert query_of(callback)["iss"] == portal.server.base_url  # RFC 9207 §2

    home = ua.follow(ua.get(callback))
    assert str(home.url) == f"{portal.url}/", home.text[:300]
    state = home.json()
    assert state["logged_in"] is True
    # What authlib validated and handed to the portal (OIDC Core §3.1.3.7).
    id_claims = state["id_token_claims"]
    assert id_claims["sub"] == portal.expected_sub
    assert id_claims["iss"] == portal.server.base_url
    assert portal.client.client_id in (
        id_claims["aud"] if isinstance(id_claims["aud"], list) else [id_claims["aud"]]
    )
    # DESIGN §4: answered in the vocabulary asked in, at the level a password session reaches.
    assert id_claims["acr"] == STORK_LOW
    assert id_claims["amr"] == ["pwd"]
    expected_userinfo = {
        "sub": portal.expected_sub,
        "given_name": "Erika",
        "family_name": "Mustermann",
        "birthdate": "1964-08-12",
        "email": portal.email,
        "email_verified": True,
    }
    userinfo = state["userinfo"]
    assert {k: userinfo.get(k) for k in expected_userinfo} == expected_userinfo
    assert "address" not in userinfo  # the portal did not ask for the address scope

    tokens = portal_tokens(ua, portal)
    header = jose_header(tokens["id_token"])
    assert header["alg"] == "ES256"
    jwks = httpx.get(f"{portal.server.base_url}/jwks", timeout=10).json()
    assert header["kid"] in {key["kid"] for key in jwks["keys"] if key.get("crv") == "P-256"}
    assert "offline_access" in tokens["scope"].split()
    assert tokens["refresh_token"]

    refreshed = ua.get(f"{portal.url}/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["userinfo"]["sub"] == portal.expected_sub
    after = portal_tokens(ua, portal)
    assert after["access_token"] != tokens["access_token"]
    assert after["refresh_token"] != tokens["refresh_token"]  # rotation, RFC 9700 §4.14.2
    direct = userinfo_at_provider(portal, after["access_token"])
    assert direct.status_code == 200, direct.text
    assert direct.json()["sub"] == portal.expected_sub

    discovery = httpx.get(
        f"{portal.server.base_url}/.well-known/openid-configuration", timeout=10
    ).json()
    to_provider = ua.get(f"{portal.url}/logout")
    assert to_provider.is_redirect
    end_session = to_provider.headers["location"]
    assert end_session.startswith(f"{discovery['end_session_endpoint']}?")
    assert query_of(end_session)["id_token_hint"] == after["id_token"]
    back = ua.follow(to_provider)
    # The provider sent the browser to the registered URI with authlib's `state` (RP-Initiated
    # Logout §3), which authlib's validate_logout_response accepted.
    assert urlsplit(str(back.url)).path == "/logged-out", back.text[:300]
    assert back.json() == {"logged_out": True}
    assert portal_state(ua, portal) == {"logged_in": False}
    # The session at ServiceKonto ended too: the next login asks for the password again.
    again = ua.follow(ua.get(f"{portal.url}/login"), stop_at=portal.callback)
    assert again.status_code == 200 and 'name="password"' in again.text, again.url


def test_authlib_portal_claims_request_tampered_state_and_replayed_code(
    portal: Portal, ua: UserAgent
) -> None:
    claims = json.dumps(
        {"id_token": {"acr": {"essential": True, "values": [BSI_LOW]}, "given_name": None}}
    )
    callback = sign_in(ua, portal, claims=claims)
    code, state = query_of(callback)["code"], query_of(callback)["state"]

    # A callback whose state this browser never sent: authlib refuses before redeeming the code.
    tampered = ua.get(with_query(callback, state=state[::-1]))
    assert tampered.status_code == 400
    assert tampered.json()["error"] == "mismatching_state"
    assert portal_state(ua, portal) == {"logged_in": False}

    # The refusal spent neither the state nor the code: the genuine callback still succeeds.
    home = ua.follow(ua.get(callback))
    assert str(home.url) == f"{portal.url}/", home.text[:300]
    id_claims = home.json()["id_token_claims"]
    assert id_claims["sub"] == portal.expected_sub
    assert id_claims["acr"] == BSI_LOW  # OIDC Core §5.5.1.1, in the BSI vocabulary asked in
    assert id_claims["given_name"] == "Erika"  # asked for in the ID token by the claims request
    first = portal_tokens(ua, portal)
    assert userinfo_at_provider(portal, first["access_token"]).status_code == 200

    # The same callback again: authlib's state is single use.
    replayed = ua.get(callback)
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "mismatching_state"

    # The used code injected into a fresh flow of this browser (RFC 9700 §4.5): the state is
    # genuine now, so the code reaches our token endpoint, which refuses it.
    fresh = sign_in(ua, portal, claims=claims)
    injected = ua.get(with_query(fresh, code=code))
    assert injected.status_code == 400, injected.text
    assert injected.json()["error"] == "invalid_grant"
    assert "already used" in injected.json()["error_description"]
    # RFC 6749 §4.1.2: the tokens issued for that code are revoked.
    revoked = userinfo_at_provider(portal, first["access_token"])
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "invalid_token"
    dead_refresh = ua.get(f"{portal.url}/refresh")
    assert dead_refresh.status_code == 400
    assert dead_refresh.json()["error"] == "invalid_grant"
