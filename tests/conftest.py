"""Fixtures: an app per test on a fresh database (SQLite always, PostgreSQL when
SERVICEKONTO_TEST_DATABASE_URL is set), a fixed clock, and real server processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from servicekonto.app import create_app
from servicekonto.cli import upgrade_database
from servicekonto.clock import FixedClock
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import Browser
from tests.tools import IN_CI

PG_URL = os.environ.get("SERVICEKONTO_TEST_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parents[1]
FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}


def require_postgres() -> str:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but SERVICEKONTO_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need SERVICEKONTO_TEST_DATABASE_URL")
    return PG_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied per test (migrating each time would be slow)."""
    directory = tmp_path_factory.mktemp("template")
    settings = Settings(dev_mode=True, data_dir=directory)
    upgrade_database(settings)
    # Signing keys (RSA generation is slow) are made once and copied with the file.
    from servicekonto.app import build_provider
    from servicekonto.clock import SystemClock

    build_provider(settings, SystemClock()).keys.ensure_keys()
    return directory / "servicekonto.sqlite3"


def fresh_postgres_schema(base_url: str, template: str | None = None) -> str:
    """A new database per test on the CI server: isolation without truncation logic. From
    `template` (a database URL), a copy of that migrated database with its keys."""
    name = f"skt_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated PostgreSQL database with signing keys, copied per test: migrating and
    generating keys for each test took seconds of every PostgreSQL test's setup."""
    base = require_postgres()
    url = fresh_postgres_schema(base)
    settings = Settings(dev_mode=True, database_url=url, data_dir=tmp_path_factory.mktemp("pg"))
    upgrade_database(settings)
    from servicekonto.app import build_provider
    from servicekonto.clock import SystemClock

    provider = build_provider(settings, SystemClock())
    provider.keys.ensure_keys()
    for factory in (provider.sessions, provider.reading):
        with factory() as db:
            bind = db.get_bind()
        assert isinstance(bind, Engine)
        bind.dispose()  # a template database must have no open connections
    yield url
    drop_postgres(url, base)


def drop_postgres(url: str, base_url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """SQLite; ["sqlite", "postgresql"] for tests marked `postgres` (see the hook below)."""
    return str(getattr(request, "param", "sqlite"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not metafunc.definition.get_closest_marker("postgres"):
        return
    if "backend" not in metafunc.fixturenames:
        # The marker would promise a PostgreSQL run that never happens (issue 14 #9).
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid} is marked postgres but uses no database fixture"
        )
    metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database_url(
    backend: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    if backend == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "servicekonto.sqlite3")
        yield f"sqlite:///{tmp_path / 'servicekonto.sqlite3'}"
        return
    base = require_postgres()
    url = fresh_postgres_schema(base, template=request.getfixturevalue("postgres_template"))
    yield url
    drop_postgres(url, base)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        dev_mode=True,
        issuer="http://testserver",
        data_dir=tmp_path,
        database_url=database_url,
        outbox_interval_seconds=0,
        **FAST_ARGON2,
    )


@pytest.fixture
def app_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def provider(app_client: TestClient) -> Provider:
    provider: Provider = app_client.app.state.provider  # type: ignore[attr-defined]
    return provider


@pytest.fixture
def browser(app_client: TestClient) -> Browser:
    return Browser(app_client)


@pytest.fixture
def jwks(app_client: TestClient) -> dict[str, Any]:
    data: dict[str, Any] = app_client.get("/jwks").json()
    return data


# -- real server processes ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = env
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(env["SERVICEKONTO_DATA_DIR"]) / f"server-{port}.log"

    def settings(self) -> Settings:
        """Settings of a provider in the test process on the server's database and secret."""
        return Settings(
            dev_mode=True,
            issuer=self.base_url,
            database_url=self.env["SERVICEKONTO_DATABASE_URL"],
            data_dir=Path(self.env["SERVICEKONTO_DATA_DIR"]),
            **FAST_ARGON2,
        )

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "servicekonto.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        handle.close()  # the child keeps its own descriptor
        wait_until_up(f"{self.base_url}/readyz", self.proc, self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `url` until it answers 200 (30 s at most); fail with the process's log tail."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up: {log.read_text()[-2000:]}")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real `servicekonto serve` with two workers on a free port, on this test's database."""
    port = free_port()
    env = {
        **os.environ,
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_ISSUER": f"http://127.0.0.1:{port}",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
        "SERVICEKONTO_DATABASE_URL": database_url,
        "SERVICEKONTO_ARGON2_MEMORY_KIB": "1024",
        "SERVICEKONTO_ARGON2_TIME_COST": "1",
        "SERVICEKONTO_LOGIN_RATE_PER_MINUTE": "1000",
        "SERVICEKONTO_LOG_LEVEL": "WARNING",
    }
    process = ServerProcess(env, port, workers=2)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def server_provider(server: ServerProcess) -> Iterator[Provider]:
    """A provider on the server's database and secret, for seeding data the server will see."""
    from servicekonto.app import build_provider
    from servicekonto.clock import SystemClock

    provider = build_provider(server.settings(), SystemClock())
    provider.keys.ensure_keys()
    yield provider
    with provider.sessions() as db:
        engine = db.get_bind()
    assert isinstance(engine, Engine)
    engine.dispose()  # before the test database is dropped


# -- a real browser and the demo tenant on a real server -----------------------------------------


@pytest.fixture
def page(server: ServerProcess) -> Iterator[Any]:
    """A fresh Chromium page (German locale) through Playwright, Debian's browser, no download."""
    from tests.tools import CHROMIUM_ARGS, require_chromium

    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="de-DE")
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def demo(server: ServerProcess) -> dict[str, Any]:
    """The demo tenant (`servicekonto demo`) seeded into the server's database."""
    from servicekonto.app import build_provider
    from servicekonto.clock import SystemClock
    from servicekonto.demo_seed import seed

    settings = server.settings()
    provider = build_provider(settings, SystemClock())
    with provider.sessions() as db:
        result = seed(db, settings=settings, hashing=provider.hashing, now=provider.clock.now())
        db.commit()
        engine = db.get_bind()
    engine.dispose()
    return result
