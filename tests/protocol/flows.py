"""Helpers shared by the protocol tests: building authorization requests (including broken ones)
and asserting the exact shape of authorization responses (RFC 6749 §4.1.2, RFC 9207)."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient

from tests.support import (
    Browser,
    RegisteredClient,
    Rp,
    callback_params,
    consent_through_page,
    full_login,
    login_through_pages,
    pkce_pair,
)

ISSUER = "http://testserver"
REGISTERED = "https://rp.example/cb"
CANCEL_ACTION = re.compile(r'<form[^>]*action="(/interaction/[^"]+/cancel)"')
OFFLINE = "openid profile email offline_access"


def authorize_url(
    rp: Rp,
    *,
    scope: str | None = "openid profile email",
    extra_pairs: tuple[tuple[str, str], ...] = (),
    **params: str | None,
) -> str:
    """An authorization request; a parameter set to None is left out, `extra_pairs` are appended
    as they are (to repeat a parameter)."""
    rp.verifier, challenge = pkce_pair()
    rp.state, rp.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    base: dict[str, str | None] = {
        "response_type": "code",
        "client_id": rp.client.client_id,
        "redirect_uri": rp.client.redirect_uri,
        "scope": scope,
        "state": rp.state,
        "nonce": rp.nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    base.update(params)
    pairs = [(k, v) for k, v in base.items() if v is not None] + list(extra_pairs)
    return "/authorize?" + urlencode(pairs)


def _callback(response: httpx.Response, rp: Rp, status: int) -> dict[str, str]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    location = response.headers["location"]
    parts = urlsplit(location)
    # the response goes to exactly the registered URI, nothing else
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == rp.client.redirect_uri, location
    assert not parts.fragment
    repeated = [k for k, v in parse_qs(parts.query).items() if len(v) > 1]
    assert not repeated, location
    params = callback_params(response)
    assert params.get("iss") == ISSUER, location  # RFC 9207 §2, on every response
    assert params.get("state") == rp.state, location  # RFC 6749 §4.1.2 / §4.1.2.1
    return params


def assert_error_redirect(
    response: httpx.Response, rp: Rp, error: str, *, status: int = 302
) -> dict[str, str]:
    """An RFC 6749 §4.1.2.1 error response with exactly `error`, `state` and RFC 9207 `iss`."""
    params = _callback(response, rp, status)
    assert params.get("error") == error, params
    assert "code" not in params
    assert params.get("error_description", "").isascii()
    return params


def assert_code_redirect(response: httpx.Response, rp: Rp, *, status: int = 302) -> str:
    """An RFC 6749 §4.1.2 success response: `code`, `state`, `iss`; returns the code."""
    params = _callback(response, rp, status)
    assert "error" not in params, params
    assert params.get("code")
    return params["code"]


def assert_error_page(response: httpx.Response) -> None:
    """RFC 6749 §4.1.2.1: an untrusted redirect URI or client gets a page, never a redirect."""
    assert response.status_code == 400, (response.status_code, response.headers)
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text


def login_page(browser: Browser, response: httpx.Response) -> httpx.Response:
    page = browser.follow(response)
    assert page.status_code == 200, page.text[:300]
    assert 'name="password"' in page.text, page.text[:300]
    return page


def is_login_page(page: httpx.Response) -> bool:
    return page.status_code == 200 and 'name="password"' in page.text


def is_consent_page(page: httpx.Response) -> bool:
    return page.status_code == 200 and 'name="decision"' in page.text


def log_in(browser: Browser, start: httpx.Response, email: str) -> httpx.Response:
    """Log in from a response leading to the login page; asserts the POST answers 303 (RFC 9700
    §4.12) and returns the page or redirect that follows."""
    posted = login_through_pages(browser, start, email)
    assert posted.status_code == 303, posted.status_code
    return browser.follow(posted)


def consent(
    browser: Browser,
    page: httpx.Response,
    *,
    claims: list[str] | None = None,
    decision: str = "allow",
) -> httpx.Response:
    assert is_consent_page(page), page.text[:300]
    posted = consent_through_page(browser, page, claims=claims, decision=decision)
    assert posted.status_code == 303, posted.status_code
    return posted


def offered_claims(page: httpx.Response) -> list[str]:
    return re.findall(r'name="claims"[^>]*value="([^"]+)"', page.text)


def cancel_action(page: httpx.Response) -> str:
    match = CANCEL_ACTION.search(page.text)
    assert match, page.text[:300]
    return match.group(1)


def token_body(rp: Rp, code: str) -> dict[str, Any]:
    response = rp.redeem(code)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in_code(
    http: TestClient,
    browser: Browser,
    client: RegisteredClient,
    email: str,
    scope: str = OFFLINE,
) -> tuple[Rp, str]:
    """Log `email` in through the pages (consenting if asked): the client's code."""
    rp = Rp(http, client)
    params = full_login(browser, rp, email, scope=scope)
    assert "code" in params, params
    return rp, params["code"]


def tokens_for(
    http: TestClient,
    browser: Browser,
    client: RegisteredClient,
    email: str,
    scope: str = OFFLINE,
) -> tuple[Rp, dict[str, Any]]:
    """`signed_in_code`, redeemed: the token response of a user grant."""
    rp, code = signed_in_code(http, browser, client, email, scope)
    return rp, token_body(rp, code)


def refresh(rp: Rp, refresh_token: str, **extra: str) -> httpx.Response:
    return rp.token(grant_type="refresh_token", refresh_token=refresh_token, **extra)
