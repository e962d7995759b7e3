"""Fixtures of the protocol tests: one registered client (`https://rp.example/cb`), one account.

`shared_*` fixtures are one app per test module, for the many parametrised cases that only
validate a request and change no state that another case could observe (the app start costs
more than such a case). Anything that logs in anew, consents or moves the clock uses the
per-test `app_client`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.conftest import FAST_ARGON2
from tests.support import Browser, Rp, full_login, make_account, make_client


@pytest.fixture
def rp(app_client: TestClient, provider: Provider) -> Rp:
    return Rp(app_client, make_client(provider))


@pytest.fixture
def email(provider: Provider) -> str:
    return make_account(provider)


@pytest.fixture
def signed_in(browser: Browser, rp: Rp, email: str) -> Rp:
    """The browser holds a password session and the account consented to `rp` (profile, email)."""
    params = full_login(browser, rp, email)
    assert params.get("code"), params
    return rp


@pytest.fixture(scope="module")
def shared_app(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("shared")
    shutil.copy(sqlite_template, directory / "servicekonto.sqlite3")
    settings = Settings(
        dev_mode=True,
        issuer="http://testserver",
        data_dir=directory,
        database_url=f"sqlite:///{directory / 'servicekonto.sqlite3'}",
        outbox_interval_seconds=0,
        **FAST_ARGON2,
    )
    app = create_app(settings, clock=FixedClock())
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def shared_browser(shared_app: TestClient) -> Browser:
    return Browser(shared_app)


@pytest.fixture(scope="module")
def shared_rp(shared_app: TestClient) -> Rp:
    provider: Provider = shared_app.app.state.provider  # type: ignore[attr-defined]
    return Rp(shared_app, make_client(provider))


@pytest.fixture(scope="module")
def shared_signed_in(shared_app: TestClient, shared_browser: Browser, shared_rp: Rp) -> Rp:
    """`shared_rp` with a logged-in, consented browser on the shared app (the clock never moves)."""
    provider: Provider = shared_app.app.state.provider  # type: ignore[attr-defined]
    params = full_login(shared_browser, shared_rp, make_account(provider))
    assert params.get("code"), params
    return shared_rp


@pytest.fixture(scope="module")
def shared_jwks(shared_app: TestClient) -> dict[str, object]:
    data: dict[str, object] = shared_app.get("/jwks").json()
    return data
