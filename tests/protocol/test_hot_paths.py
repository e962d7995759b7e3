"""The hot paths of DESIGN §10 do no needless database work, and stay correct while they skip it:
userinfo and introspection only read (on SQLite they take no write lock, so they answer while a
writer holds it), and a client_credentials token for a cached client is served without a
database session at all."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.protocol.flows import bearer, tokens_for
from tests.protocol.test_resource_endpoints import introspect
from tests.support import Browser, Rp, make_account, make_client


def _hold_sqlite_write_lock(settings: Settings) -> sqlite3.Connection:
    """Another process's writer in the middle of its transaction."""
    database = settings.sqlalchemy_url.removeprefix("sqlite:///")
    assert Path(database).exists(), database
    writer = sqlite3.connect(database, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    return writer


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # SQLite's write lock is the point
def test_rfc7662_2_and_oidc_core_5_3_reads_answer_while_a_writer_holds_the_lock(
    app_client: TestClient,
    provider: Provider,
    settings: Settings,
    browser: Browser,
) -> None:
    rp, tokens = tokens_for(app_client, browser, make_client(provider), make_account(provider))
    writer = _hold_sqlite_write_lock(settings)
    try:
        started = time.monotonic()
        info = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
        body = introspect(app_client, rp.client, tokens["access_token"])
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert info.status_code == 200, info.text
    assert info.json()["sub"] and body["active"] is True
    # A write-locking reader would have waited out the 30 s busy timeout.
    assert elapsed < 10, elapsed


def test_rfc6749_4_4_client_credentials_for_a_cached_client_needs_no_database(
    app_client: TestClient, provider: Provider
) -> None:
    machine = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    rp = Rp(app_client, machine)
    first = rp.token(grant_type="client_credentials")  # loads the client into the cache
    assert first.status_code == 200, first.text

    def no_sessions() -> Any:
        raise AssertionError("the cached client_credentials path opened a database session")

    real_sessions = provider.sessions
    provider.sessions = no_sessions
    try:
        second = rp.token(grant_type="client_credentials", scope="postfach")
    finally:
        provider.sessions = real_sessions
    assert second.status_code == 200, second.text
    assert second.json()["scope"] == "postfach"


def test_rfc6749_5_2_client_credentials_for_an_unknown_client_still_looks_it_up(
    app_client: TestClient, provider: Provider
) -> None:
    machine = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    provider.clients.invalidate()
    ok = Rp(app_client, machine).token(grant_type="client_credentials")
    assert ok.status_code == 200, ok.text
    wrong = app_client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(machine.client_id, "wrong")
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client", wrong.text
