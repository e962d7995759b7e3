"""Errors as each audience meets them: people get the German error page, machines keep JSON
(issue 10 #6); an exception no handler takes is a 500 that is logged, counted in /metrics and
still carries the security headers (issue 10 #7, issue 15 #12; checklist V-03, W-02)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from servicekonto.logging_setup import JsonFormatter
from servicekonto.oidc.provider import Provider
from servicekonto.web.routes import legal
from tests.support import PASSWORD, Browser, Rp, make_account, make_client

TRY_LATER = "Bitte versuchen Sie es später erneut"
CANARY = "canary-personal-7f3a@example.org"
REGISTRATION = {
    "email": "juergen@example.org", "password": "Moselschleife-Bremm-2026",
    "given_name": "Juergen", "family_name": "Weissmueller", "birth_date": "1958-07-23",
    "street": "Balduinstr.", "house_number": "5", "postal_code": "56856", "locality": "Zell",
    "privacy_consent": "yes",
}


@contextmanager
def database_down(provider: Provider, tmp_path: Path) -> Iterator[None]:
    """Every new session fails to connect, as when the database server is gone."""
    dead = create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'db.sqlite3'}")
    factories = [provider.sessions, provider.reading]
    binds = [f.kw["bind"] for f in factories]  # type: ignore[attr-defined]
    for factory in factories:
        factory.configure(bind=dead)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for factory, bind in zip(factories, binds, strict=True):
            factory.configure(bind=bind)  # type: ignore[attr-defined]
        dead.dispose()


def _assert_german_unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert TRY_LATER in response.text
    assert "temporarily_unavailable" not in response.text
    assert response.headers["retry-after"] == "5"


# -- issue 10 #6: a database outage as people and machines meet it ------------------------------


def test_database_outage_pages_show_the_german_error_page(
    app_client: TestClient, provider: Provider, browser: Browser, tmp_path: Path
) -> None:
    rp = Rp(app_client, make_client(provider))
    email = make_account(provider)
    login_page = browser.get("/login")
    register_page = browser.get("/register")
    with database_down(provider, tmp_path):
        _assert_german_unavailable_page(browser.get(rp.authorize_url()))
        _assert_german_unavailable_page(
            browser.post_form("/login", {"username": email, "password": PASSWORD}, login_page)
        )
        _assert_german_unavailable_page(browser.post_form("/register", REGISTRATION, register_page))


def test_database_outage_oauth_endpoints_and_api_keep_json(
    app_client: TestClient, provider: Provider, tmp_path: Path
) -> None:
    client = make_client(provider)
    auth = (client.client_id, client.client_secret or "")
    with database_down(provider, tmp_path):
        token = app_client.post(
            "/token", data={"grant_type": "authorization_code", "code": "x"}, auth=auth
        )
        assert token.status_code == 503
        assert token.json()["error"] == "temporarily_unavailable"
        api = app_client.post("/api/v1/registrations/confirmations", json={"token": "abc"})
        assert api.status_code == 503
        assert api.headers["content-type"] == "application/problem+json"
        assert api.json()["title"] == "temporarily_unavailable"


# -- an unhandled exception: a 500 that is logged, counted and hardened ---------------------------


def _count(app_client: TestClient, route: str, status: str) -> float:
    metrics = app_client.get("/metrics").text
    pattern = re.compile(
        r'^servicekonto_http_requests_total\{method="GET",route="'
        + re.escape(route)
        + r'",status="'
        + status
        + r'"\} ([0-9.e+]+)$',
        re.MULTILINE,
    )
    found = pattern.search(metrics)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
def broken_imprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The imprint page fails with an exception whose message holds personal data."""

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"lookup failed for {CANARY}")

    monkeypatch.setattr(legal, "render", explode)


def test_v03_unhandled_exception_is_a_logged_counted_500_without_personal_data(
    app_client: TestClient, broken_imprint: None, caplog: pytest.LogCaptureFixture
) -> None:
    before = _count(app_client, "/impressum", "500")
    with caplog.at_level(logging.INFO):
        response = app_client.get("/impressum", headers={"X-Request-ID": "trace-500-abcdef"})
    assert response.status_code == 500
    assert "Technischer Fehler" in response.text
    assert _count(app_client, "/impressum", "500") == before + 1

    formatted = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    access = [e for e in formatted if e["logger"] == "servicekonto.access"]
    assert access[-1]["level"] == "error"
    assert access[-1]["http"]["status"] == 500
    assert access[-1]["http"]["request_id"] == "trace-500-abcdef"
    error = next(e for e in formatted if e["logger"] == "servicekonto.errors")
    assert error["msg"] == "unhandled RuntimeError"
    assert error["http"]["route"] == "/impressum"
    assert "explode" in error["stack"]  # where it happened, for the operator
    assert CANARY not in json.dumps(formatted)


def test_w02_a_500_carries_the_security_headers(
    app_client: TestClient, broken_imprint: None
) -> None:
    response = app_client.get("/impressum")
    assert response.status_code == 500
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]


def test_unhandled_exception_on_an_oauth_endpoint_is_json_server_error(
    app_client: TestClient, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servicekonto.oidc import routes

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(routes.revocation, "revoke", explode)
    client = make_client(provider)
    response = app_client.post(
        "/revoke", data={"token": "x"}, auth=(client.client_id, client.client_secret or "")
    )
    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
    assert response.headers["cache-control"] == "no-store"
    assert "content-security-policy" in response.headers


# -- issue 10 #13: which check failed before a redirect, said on the page and in the log ----------

UNKNOWN_PORTAL = "ist bei ServiceKonto nicht bekannt"
UNREGISTERED_RETURN = "Die Rücksprungadresse des Portals ist bei ServiceKonto nicht registriert"


def test_rfc6749_4_1_2_1_unknown_client_and_wrong_redirect_uri_get_different_pages(
    app_client: TestClient, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    rp = Rp(app_client, make_client(provider))
    wrong_uri = "https://attacker.example/steal-7f3a"
    with caplog.at_level(logging.INFO):
        wrong = app_client.get(rp.authorize_url(redirect_uri=wrong_uri), follow_redirects=False)
        unknown = app_client.get(rp.authorize_url(client_id="no-such-client"))
    assert wrong.status_code == 400 and unknown.status_code == 400
    assert UNREGISTERED_RETURN in wrong.text and UNKNOWN_PORTAL not in wrong.text
    assert UNKNOWN_PORTAL in unknown.text and UNREGISTERED_RETURN not in unknown.text
    assert "attacker.example" not in wrong.text  # the submitted URI is not echoed
    ours = [r for r in caplog.records if r.name.startswith("servicekonto")]  # not the test client
    reasons = [r.getMessage() for r in ours if "refused before redirect" in r.getMessage()]
    assert reasons == [
        "authorization request refused before redirect: redirect_uri_not_registered",
        "authorization request refused before redirect: unknown_client",
    ]
    logged = json.dumps([JsonFormatter().format(r) for r in ours])
    assert "attacker.example" not in logged and "no-such-client" not in logged


def test_repeated_client_id_is_an_invalid_request_page_not_unknown_client(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider)
    response = app_client.get(
        f"/authorize?client_id={client.client_id}&client_id={client.client_id}"
        f"&redirect_uri={client.redirect_uri}&response_type=code&scope=openid"
    )
    assert response.status_code == 400
    assert "Die Anfrage des Portals ist ungültig oder unvollständig" in response.text


def test_w02_a_500_whose_error_page_fails_too_is_still_answered_and_hardened(
    app_client: TestClient, broken_imprint: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servicekonto.web import errors as error_pages

    def no_page(*args: object, **kwargs: object) -> None:
        raise RuntimeError("templates gone")

    monkeypatch.setattr(error_pages, "error_page", no_page)
    before = _count(app_client, "/impressum", "500")
    response = app_client.get("/impressum")
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert _count(app_client, "/impressum", "500") == before + 1
