"""Issue 10 #7, checklist V-01: NUL and other control characters in any form field, query
parameter, path or JSON string are refused with a 4xx before a route runs — on PostgreSQL a NUL
used to reach the database and answer an unlogged, uncounted 500."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from tests.support import PASSWORD, Browser, Rp, make_account, make_client

GERMAN_CONTROL_TEXT = "unzulässige Steuerzeichen"


def _assert_german_control_page(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert GERMAN_CONTROL_TEXT in response.text


@pytest.mark.postgres
@pytest.mark.parametrize("value", ["a\x00b@example.org", "a\x1bb@ex.org", "a\x85b@ex.org"])
def test_v01_control_character_in_login_form_is_422_german_page(
    browser: Browser, backend: str, value: str
) -> None:
    page = browser.get("/login")
    response = browser.post_form("/login", {"username": value, "password": PASSWORD}, page)
    _assert_german_control_page(response)


@pytest.mark.postgres
def test_v01_nul_in_password_forgot_is_422_german_page(browser: Browser, backend: str) -> None:
    page = browser.get("/password/forgot")
    response = browser.post_form("/password/forgot", {"email": "anna\x00@example.org"}, page)
    _assert_german_control_page(response)


@pytest.mark.postgres
def test_v01_nul_in_json_api_field_is_422_problem(app_client: TestClient, backend: str) -> None:
    response = app_client.post(
        "/api/v1/registrations/confirmations", json={"token": "abc\x00def"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "invalid_input"


@pytest.mark.postgres
def test_v01_nul_in_token_request_is_oauth_invalid_request(
    app_client: TestClient, provider: Provider, backend: str
) -> None:
    rp = Rp(app_client, make_client(provider))
    response = rp.token(grant_type="authorization_code", code="x\x00y", redirect_uri="https://x")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.postgres
def test_v01_nul_in_authorize_query_is_refused_before_the_database(
    app_client: TestClient, provider: Provider, backend: str
) -> None:
    rp = Rp(app_client, make_client(provider))
    response = app_client.get(rp.authorize_url(state="s\x00t"), follow_redirects=False)
    _assert_german_control_page(response)


def test_v01_nul_in_path_is_refused(app_client: TestClient) -> None:
    response = app_client.get("/register/confirm/abc%00def")
    _assert_german_control_page(response)


def test_v01_german_letters_and_spaces_pass_the_guard(
    browser: Browser, provider: Provider
) -> None:
    """Umlauts, ß, non-breaking space (U+00A0, UTF-8 C2 A0 next to the C1 range) are no controls."""
    email = make_account(provider, "müller.straße@example.org")
    page = browser.get("/login")
    response = browser.post_form("/login", {"username": email, "password": PASSWORD}, page)
    assert response.status_code == 303 and response.headers["location"] == "/account"
    # Tab, LF and CR are the whitespace of a pasted value: trimmed by the field, not refused.
    page = browser.get("/login")
    pasted = f"\t{email}\r\n"
    response = browser.post_form("/login", {"username": pasted, "password": PASSWORD}, page)
    assert response.status_code == 303 and response.headers["location"] == "/account"
    page = browser.get("/password/forgot")
    response = browser.post_form("/password/forgot", {"email": "x\u00a0y@example.org"}, page)
    assert response.status_code in (200, 303) and GERMAN_CONTROL_TEXT not in response.text


def test_v01_raw_and_encoded_controls_in_a_form_body_are_refused(app_client: TestClient) -> None:
    """What a browser never sends but a script can: lower-case escapes, DEL, a C1 as UTF-8."""
    for body in ("username=a%7fb", "username=a%c2%9fb", "username=%1b", "us%00er=x", "u=%0B"):
        response = app_client.post(
            "/login",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        _assert_german_control_page(response)


def test_v01_escaped_control_in_json_key_is_refused(app_client: TestClient) -> None:
    body = json.dumps({"token\u0007": "x", "token": "y"})
    response = app_client.post(
        "/api/v1/registrations/confirmations",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "control characters" in response.json()["detail"]


def test_v01_multipart_token_request_with_nul_is_refused(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider)
    response = app_client.post(
        "/token",
        files={"grant_type": (None, "authorization_code"), "code": (None, "a\x00")},
        auth=(client.client_id, client.client_secret or ""),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_v01_percent_literal_is_not_mistaken_for_an_escape(app_client: TestClient) -> None:
    """`%2500` is the text "%00", not a NUL."""
    response = app_client.get("/login?lang=" + quote("%00"))
    assert response.status_code == 200
