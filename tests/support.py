"""Test helpers: an OIDC relying party driven through our pages, and data builders."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import create_account
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.oidc.provider import Provider

PASSWORD = "Korrekt-Pferd-Batterie-42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str | None
    redirect_uri: str
    sector: str
    extra: dict[str, Any] = field(default_factory=dict)


def make_client(provider: Provider, **overrides: Any) -> RegisteredClient:
    spec: dict[str, Any] = {
        "name": "Testportal",
        "redirect_uris": ["https://rp.example/cb"],
        "post_logout_redirect_uris": ["https://rp.example/logged-out"],
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile", "email", "address", "offline_access"],
    }
    spec.update(overrides)
    with provider.sessions() as db:
        created = create_client(
            db,
            spec=ClientCreate(**spec),
            now=provider.clock.now(),
            allow_internal_targets=provider.settings.dev_mode,
        )
        db.commit()
    return RegisteredClient(
        created.client_id,
        created.client_secret,
        created.redirect_uris[0] if created.redirect_uris else "",
        created.sector,
    )


def make_account(
    provider: Provider,
    email: str | None = None,
    *,
    password: str = PASSWORD,
    level: TrustLevel = TrustLevel.BASIC,
) -> str:
    email = email or f"person-{secrets.token_hex(4)}@example.org"
    with provider.sessions() as db:
        create_account(
            db,
            hashing=provider.hashing,
            now=provider.clock.now(),
            email=email,
            password=password,
            level=level,
            email_verified=True,
            attributes={
                "given_name": "Erika",
                "family_name": "Mustermann",
                "birthdate": "1964-08-12",
                "address": {
                    "street_address": "Heidestraße 17",
                    "postal_code": "51147",
                    "locality": "Köln",
                    "country": "DE",
                },
            },
        )
        db.commit()
    return email


class Browser:
    """A user agent on the in-process app: follows our redirects, fills our forms."""

    def __init__(self, http: TestClient, origin: str = "http://testserver") -> None:
        self.http = http
        self.origin = origin

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.http.get(url, follow_redirects=False, **kw)

    def post_form(
        self,
        url: str,
        data: dict[str, Any] | list[tuple[str, str]],
        page: httpx.Response | None = None,
    ) -> httpx.Response:
        if page is not None:
            token = CSRF.search(page.text)
            assert token, "page has no csrf_token"
            if isinstance(data, dict):
                data = {**data, "csrf_token": token.group(1)}
            else:
                data = [*data, ("csrf_token", token.group(1))]
        body = urlencode(list(data.items()) if isinstance(data, dict) else data)
        return self.http.post(
            url,
            content=body,
            follow_redirects=False,
            headers={"Origin": self.origin, "Content-Type": "application/x-www-form-urlencoded"},
        )

    def follow(self, response: httpx.Response, limit: int = 10) -> httpx.Response:
        """Follow redirects that stay on our server; stop at a redirect to a client."""
        for _ in range(limit):
            if response.status_code not in (302, 303):
                return response
            location = response.headers["location"]
            if location.startswith("http") and not location.startswith(self.origin):
                return response
            response = self.get(location)
        raise AssertionError("redirect loop")


@dataclass
class Rp:
    """A relying party: builds authorization requests and talks to the token endpoint."""

    http: TestClient
    client: RegisteredClient
    verifier: str = ""
    state: str = ""
    nonce: str = ""

    def authorize_url(self, scope: str = "openid profile email", **extra: str) -> str:
        self.verifier, challenge = pkce_pair()
        self.state, self.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        params = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.client.redirect_uri,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return "/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})

    def token(self, **form: str) -> httpx.Response:
        auth = (self.client.client_id, self.client.client_secret or "")
        return self.http.post("/token", data=form, auth=auth)

    def redeem(self, code: str) -> httpx.Response:
        return self.token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=self.client.redirect_uri,
            code_verifier=self.verifier,
        )


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text[:500]
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


def login_through_pages(
    browser: Browser, start: httpx.Response, email: str, password: str = PASSWORD
) -> httpx.Response:
    """From a response that leads to the login page: log in, return the next response."""
    page = browser.follow(start)
    assert page.status_code == 200 and 'name="password"' in page.text, page.text[:300]
    action = FORM_ACTION.search(page.text)
    assert action
    return browser.post_form(action.group(1), {"username": email, "password": password}, page)


def consent_through_page(
    browser: Browser,
    page: httpx.Response,
    *,
    claims: list[str] | None = None,
    decision: str = "allow",
) -> httpx.Response:
    assert 'name="decision"' in page.text, page.text[:300]
    action = re.search(r'<form[^>]*action="(/interaction/[^"]+/consent)"', page.text)
    assert action
    if claims is None:
        claims = re.findall(r'name="claims"[^>]*value="([^"]+)"', page.text) + re.findall(
            r'value="([^"]+)"[^>]*name="claims"', page.text
        )
    data = [("decision", decision)] + [("claims", c) for c in claims]
    return browser.post_form(action.group(1), data, page)


def full_login(
    browser: Browser, rp: Rp, email: str, *, scope: str = "openid profile email", **extra: str
) -> dict[str, str]:
    """Authorize → login → consent (if asked) → the callback parameters."""
    response = browser.get(rp.authorize_url(scope=scope, **extra))
    page = browser.follow(response)
    if 'name="password"' in page.text:
        page = browser.follow(login_through_pages(browser, page, email))
    if page.status_code == 200 and 'name="decision"' in page.text:
        page = consent_through_page(browser, page)
    return callback_params(page)


def decode_jwt(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    decoded = jwt.decode(
        token,
        KeySet.import_key_set(jwks),  # type: ignore[arg-type]
        algorithms=["ES256", "RS256", "PS256"],
    )
    return dict(decoded.header), dict(decoded.claims)
