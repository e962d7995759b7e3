"""Checklist V-03 / DESIGN §6 #12: no personal data, secret or token in logs, access logs or audit
rows. A whole flow runs with canary values under DEBUG JSON logging; then we grep everything."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.db.models import AuditEvent
from servicekonto.logging_setup import configure
from servicekonto.oidc.provider import Provider
from tests.support import (
    FORM_ACTION,
    Browser,
    Rp,
    callback_params,
    consent_through_page,
    make_account,
    make_client,
)

CANARY_EMAIL = "canary-7f3a@example.org"
CANARY_GIVEN_NAME = "Canary-Vorname-7f3a"
CANARY_FAMILY_NAME = "Canary-Nachname-7f3a"
CANARY_PASSWORD = "Canary-Passwort-7f3a-XYZ"
CANARY_STREET = "Canary-Strasse-7f3a 1"
CANARIES = (
    CANARY_EMAIL,
    "canary-7f3a",  # the e-mail's local part, e.g. lower-cased or split
    CANARY_GIVEN_NAME,
    CANARY_FAMILY_NAME,
    "Canary-Passwort-7f3a",  # also the wrong password tried first
    CANARY_STREET,
    "1977-07-07",
)


TEST_CLIENT_LOGGERS = {"httpx", "httpx2", "httpcore", "httpcore2"}


class Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _from_the_test_client(record: logging.LogRecord) -> bool:
    """httpx's own request lines of the TestClient (the browser side), not the server's logs."""
    return record.name.split(".")[0] in TEST_CLIENT_LOGGERS and "http://testserver" in str(
        record.args
    ) + record.getMessage()


@pytest.fixture
def captured_logs() -> Iterator[tuple[Collector, io.StringIO]]:
    """The service's own JSON logging at DEBUG into a buffer, plus every raw record."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    access_disabled = logging.getLogger("uvicorn.access").disabled
    configure("DEBUG")
    stream = io.StringIO()
    json_handler = root.handlers[0]
    assert isinstance(json_handler, logging.StreamHandler)
    json_handler.setStream(stream)
    json_handler.addFilter(lambda record: not _from_the_test_client(record))
    collector = Collector()
    collector.addFilter(lambda record: not _from_the_test_client(record))
    root.addHandler(collector)
    try:
        yield collector, stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger("uvicorn.access").disabled = access_disabled


def _record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write: message, args, extras, exception text."""
    fields = {k: v for k, v in vars(record).items() if k not in ("exc_info",)}
    text = json.dumps(fields, default=repr, ensure_ascii=False)
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text + record.getMessage()


def _audit_text(provider: Provider) -> str:
    with provider.sessions() as db:
        rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return "\n".join(
            json.dumps(
                [r.id, r.at.isoformat(), r.event, r.actor, r.subject, r.details, r.request_id],
                ensure_ascii=False,
            )
            for r in rows
        )


def _flow(app_client: TestClient, provider: Provider, browser: Browser) -> dict[str, str]:
    """Wrong password, login, consent, code, tokens, userinfo, refresh; returns the secrets."""
    make_account(
        provider,
        CANARY_EMAIL,
        password=CANARY_PASSWORD,
        attributes={
            "given_name": CANARY_GIVEN_NAME,
            "family_name": CANARY_FAMILY_NAME,
            "birthdate": "1977-07-07",
            "address": {
                "street_address": CANARY_STREET,
                "postal_code": "56812",
                "locality": "Cochem",
                "country": "DE",
            },
        },
    )
    client = make_client(provider)
    rp = Rp(app_client, client)
    scope = "openid profile email address offline_access"
    page = browser.follow(browser.get(rp.authorize_url(scope=scope, prompt="consent")))
    action = FORM_ACTION.search(page.text)
    assert action
    wrong = browser.post_form(
        action.group(1), {"username": CANARY_EMAIL, "password": "Canary-Passwort-7f3a-WRONG"}, page
    )
    assert wrong.status_code == 200 and 'name="password"' in wrong.text
    logged_in = browser.post_form(
        action.group(1), {"username": CANARY_EMAIL, "password": CANARY_PASSWORD}, wrong
    )
    assert logged_in.status_code == 303
    session_cookie = browser.http.cookies.get("sk_session")
    assert session_cookie
    consent_page = browser.follow(logged_in)
    params = callback_params(consent_through_page(browser, consent_page))
    code = params["code"]

    tokens = rp.redeem(code)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert "refresh_token" in body
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    assert info.json()["given_name"] == CANARY_GIVEN_NAME  # the canary really flowed through
    assert info.json()["email"] == CANARY_EMAIL
    refreshed = rp.token(grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    replay = rp.redeem(code)  # a replayed code: an error path that must not log the code either
    assert replay.status_code == 400
    assert browser.get("/account").status_code == 200
    return {
        "authorization code": code,
        "access token": body["access_token"],
        "refresh token": body["refresh_token"],
        "id token": body["id_token"],
        "refreshed access token": refreshed.json()["access_token"],
        "rotated refresh token": refreshed.json()["refresh_token"],
        "session cookie": session_cookie,
        "client secret": client.client_secret or "",
        "state": rp.state,
        "nonce": rp.nonce,
    }


def test_v03_no_personal_data_or_secret_in_logs_or_audit(
    captured_logs: tuple[Collector, io.StringIO],  # first: logging is set up before the app
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
) -> None:
    collector, stream = captured_logs
    secrets = _flow(app_client, provider, browser)
    assert collector.records, "nothing was logged; the capture is broken"

    haystacks = {
        "JSON log output": stream.getvalue(),
        "log records": "\n".join(_record_text(r) for r in collector.records),
        "audit_events": _audit_text(provider),
    }
    needles = {**{c: c for c in CANARIES}, **secrets}
    leaks = [
        f"{what} in {where}"
        for where, text in haystacks.items()
        for what, value in needles.items()
        if value and value.lower() in text.lower()
    ]
    assert not leaks, leaks


def test_v03_access_log_has_route_templates_and_no_query_strings(
    captured_logs: tuple[Collector, io.StringIO],  # first: logging is set up before the app
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
) -> None:
    collector, stream = captured_logs
    secrets = _flow(app_client, provider, browser)
    access = [r for r in collector.records if r.name == "servicekonto.access"]
    http: list[dict[str, Any]] = [r.http for r in access if hasattr(r, "http")]
    assert http, "no access log records"
    routes = {entry["route"] for entry in http}
    assert {
        "/authorize",
        "/interaction/{pending_id}",
        "/interaction/{pending_id}/login",
        "/interaction/{pending_id}/consent",
        "/token",
        "/userinfo",
    } <= routes, routes
    for entry in http:
        assert {"method", "route", "status", "request_id"} <= set(entry)
        assert "?" not in entry["route"] and "=" not in entry["route"], entry
        assert entry["route"] == "unmatched" or entry["route"].startswith("/"), entry
    # The JSON lines carry the same, and neither the state nor the pending id from the URLs.
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    access_lines = [line for line in lines if line.get("logger") == "servicekonto.access"]
    assert len(access_lines) == len(access)
    text = stream.getvalue()
    assert secrets["state"] not in text
    assert "/interaction/" not in text.replace("/interaction/{pending_id}", "")
