"""Fixtures of the protocol tests: one registered client (`https://rp.example/cb`), one account.

`shared_*` fixtures are one app per test module, for the many parametrised cases that only
validate a request and change no state that another case could observe (the app start costs
more than such a case). Anything that logs in anew, consents or moves the clock uses the
per-test `app_client`.

Every protocol test runs on SQLite and, when SERVICEKONTO_TEST_DATABASE_URL is set (as in CI), on
PostgreSQL as well (issue 14 #9): the per-test apps through the `backend` fixture, the shared ones
through their own parameter. A test that proves something of one backend pins it with
`@pytest.mark.parametrize("backend", [...], indirect=True)`.
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
from tests.conftest import FAST_ARGON2, PG_URL, drop_postgres, fresh_postgres_schema
from tests.support import Browser, Rp, full_login, make_account, make_client

BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each backend for every per-test app; tests marked `postgres` are parametrised by
    tests/conftest.py already, and a test may pin its backend itself."""
    if (
        len(BACKENDS) > 1
        and "backend" in metafunc.fixturenames
        and not metafunc.definition.get_closest_marker("postgres")
        and not _backend_pinned(metafunc)
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def _backend_pinned(metafunc: pytest.Metafunc) -> bool:
    markers = metafunc.definition.iter_markers("parametrize")
    return any("backend" in str(marker.args[0]) for marker in markers)


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


@pytest.fixture(scope="module", params=BACKENDS if len(BACKENDS) > 1 else None)
def shared_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("shared")
    backend = str(getattr(request, "param", "sqlite"))
    if backend == "sqlite":
        shutil.copy(sqlite_template, directory / "servicekonto.sqlite3")
        database_url = f"sqlite:///{directory / 'servicekonto.sqlite3'}"
    else:
        template = request.getfixturevalue("postgres_template")
        database_url = fresh_postgres_schema(PG_URL, template=template)
    settings = Settings(
        dev_mode=True,
        issuer="http://testserver",
        data_dir=directory,
        database_url=database_url,
        outbox_interval_seconds=0,
        **FAST_ARGON2,
    )
    app = create_app(settings, clock=FixedClock())
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    if backend != "sqlite":
        drop_postgres(database_url, PG_URL)


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
