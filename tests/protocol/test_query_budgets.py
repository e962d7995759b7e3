"""Query budgets of the hot endpoints (DESIGN §10, issue 11 #8): how many SQL statements one
request of each sends to the database, counted on the provider's engine. Each budget is exactly
today's count, so a change that adds a query fails here, and one that saves a query fails too,
until its author lowers the budget on purpose.

Counted is every statement through the cursor (SQLite's explicit `BEGIN`/`BEGIN IMMEDIATE`
included; PostgreSQL's transactions begin implicitly, which is why the backends differ). The
signing-key reload thread runs on its own schedule and is not counted. Every measured request
comes after a warm-up that filled the client and key caches, as they are in a running server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.protocol.flows import OFFLINE, assert_code_redirect, bearer, tokens_for
from tests.protocol.test_resource_endpoints import introspect
from tests.support import Browser, Rp, full_login, make_account, make_client

pytestmark = pytest.mark.postgres

#: Threads of the app that query on their own schedule, never for a request.
BACKGROUND_THREADS = frozenset({"keys", "outbox"})

#: Statements per request, by backend: today's counts. Change one only together with the change
#: that moves it, and say why in that commit.
#: On PostgreSQL (SQLite adds its `BEGIN`):
BUDGETS: dict[str, dict[str, int]] = {
    # consume the code (UPDATE), the code, the grant, the account, its attributes, refresh token
    "token_authorization_code": {"sqlite": 7, "postgresql": 6},
    # the refresh token with its grant, consume it (UPDATE), account, attributes, the new one
    "token_refresh_token": {"sqlite": 6, "postgresql": 5},
    # the client, when it is not in the client cache
    "token_client_credentials_uncached": {"sqlite": 2, "postgresql": 1},
    # a cached client: no database at all (test_hot_paths proves no session is opened)
    "token_client_credentials_cached": {"sqlite": 0, "postgresql": 0},
    # the grant, the account, its attributes
    "userinfo": {"sqlite": 4, "postgresql": 3},
    # the grant
    "introspect": {"sqlite": 2, "postgresql": 1},
    # the browser session, the consent, the new grant and code, the session's client list
    "authorize_with_session": {"sqlite": 7, "postgresql": 6},
}


@dataclass
class Statements:
    """The SQL statements sent while counting, in order."""

    sent: list[str] = field(default_factory=list)

    def assert_within(self, budget: str, backend: str) -> None:
        expected = BUDGETS[budget][backend]
        listing = "\n".join(f"  {i + 1}. {' '.join(s.split())[:160]}" for i, s in
                            enumerate(self.sent))
        assert len(self.sent) == expected, (
            f"{budget} on {backend}: {len(self.sent)} statements, budget {expected} "
            f"(update BUDGETS only on purpose):\n{listing}"
        )


def engine_of(provider: Provider) -> Engine:
    """The engine `build_provider` made: `sessions` and `reading` share it (and its events)."""
    with provider.sessions() as db:
        bind = db.get_bind()
    assert isinstance(bind, Engine)
    return bind


@contextmanager
def counting(provider: Provider) -> Iterator[Statements]:
    statements = Statements()
    engine = engine_of(provider)

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name not in BACKGROUND_THREADS:
            statements.sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The client cache outlives the test: a slow machine must not make a warm cache cold
    between warm-up and measurement."""
    return settings.model_copy(update={"client_cache_seconds": 3600.0})


@pytest.fixture
def issued(
    app_client: TestClient, provider: Provider, browser: Browser
) -> tuple[Rp, dict[str, Any]]:
    """Access, ID and refresh token of a user grant (offline_access): the warm-up of the code
    flow, the token endpoint and the caches."""
    return tokens_for(app_client, browser, make_client(provider), make_account(provider))


def test_query_budget_token_authorization_code(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    backend: str,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    rp, _ = issued
    code = full_login(browser, rp, "", scope=OFFLINE)["code"]  # session and consent: no login
    with counting(provider) as statements:
        response = rp.redeem(code)
    assert response.status_code == 200, response.text
    statements.assert_within("token_authorization_code", backend)


def test_query_budget_token_refresh_token(
    provider: Provider, backend: str, issued: tuple[Rp, dict[str, Any]]
) -> None:
    rp, tokens = issued
    with counting(provider) as statements:
        response = rp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 200, response.text
    statements.assert_within("token_refresh_token", backend)


def test_query_budget_token_client_credentials(
    app_client: TestClient, provider: Provider, backend: str
) -> None:
    machine = Rp(
        app_client,
        make_client(provider, grant_types=["client_credentials"], scopes=["postfach"]),
    )
    assert machine.token(grant_type="client_credentials").status_code == 200  # keys, warm
    provider.clients.invalidate()
    with counting(provider) as uncached:
        first = machine.token(grant_type="client_credentials", scope="postfach")
    with counting(provider) as cached:
        second = machine.token(grant_type="client_credentials", scope="postfach")
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    uncached.assert_within("token_client_credentials_uncached", backend)
    cached.assert_within("token_client_credentials_cached", backend)


def test_query_budget_userinfo(
    app_client: TestClient, provider: Provider, backend: str, issued: tuple[Rp, dict[str, Any]]
) -> None:
    _, tokens = issued
    with counting(provider) as statements:
        response = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    assert response.json()["sub"]
    statements.assert_within("userinfo", backend)


def test_query_budget_introspect(
    app_client: TestClient, provider: Provider, backend: str, issued: tuple[Rp, dict[str, Any]]
) -> None:
    rp, tokens = issued
    with counting(provider) as statements:
        body = introspect(app_client, rp.client, tokens["access_token"])
    assert body["active"] is True
    statements.assert_within("introspect", backend)


def test_query_budget_authorize_with_session_and_consent(
    provider: Provider, browser: Browser, backend: str, issued: tuple[Rp, dict[str, Any]]
) -> None:
    rp, _ = issued
    with counting(provider) as statements:
        response = browser.get(rp.authorize_url(scope=OFFLINE))
    assert_code_redirect(response, rp)
    statements.assert_within("authorize_with_session", backend)
