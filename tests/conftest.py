"""Fixtures: an app per test on a fresh database (SQLite always, PostgreSQL when
SERVICEKONTO_TEST_DATABASE_URL is set), a fixed clock, and real server processes."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.app import create_app
from servicekonto.cli import upgrade_database
from servicekonto.clock import FixedClock
from servicekonto.db.engine import make_engine, make_session_factory
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import FAST_ARGON2, Browser
from tests.tools import IN_CI

PG_URL = os.environ.get("SERVICEKONTO_TEST_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parents[1]
_TOOL_STATE = pytest.StashKey[Path]()


def require_postgres() -> str:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but SERVICEKONTO_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need SERVICEKONTO_TEST_DATABASE_URL")
    return PG_URL


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The shuffled order's seed also under -q (pytest-randomly prints it only in the header).
    Under pytest-xdist only the controller reports; pytest-randomly hands its seed to every
    worker, so each shuffles the same way."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(f"test order shuffled; repeat it with --randomly-seed={seed}")


def pytest_configure(config: pytest.Config) -> None:
    """hypothesis (./.hypothesis: example database, constants cache, written while tests are
    collected) and schemathesis (./.schemathesis) keep state in the working directory: here it
    goes to a temporary directory of this run, so tests leave nothing in the checkout. Under
    pytest-xdist this runs in the controller and in every worker, each with a directory of its
    own (no two processes write one example database)."""
    from hypothesis.configuration import set_hypothesis_home_dir
    from schemathesis.core import storage

    state = Path(tempfile.mkdtemp(prefix="servicekonto-tests-"))
    config.stash[_TOOL_STATE] = state
    set_hypothesis_home_dir(state / "hypothesis")
    storage.DEFAULT_ROOT = state / "schemathesis"
    if not hasattr(config, "workerinput"):  # once, in the controller, not in each xdist worker
        compile_stale_catalogs()


def compile_stale_catalogs() -> None:
    """The gettext catalogs the pages read, compiled where a `.po` is newer than its `.mo`: what
    the build (setup.py) and `make catalogs` do, so a bare `pytest` on a checkout works too."""
    from babel.messages.frontend import CommandLineInterface

    catalogs = ROOT / "src" / "servicekonto" / "locale"
    for po in catalogs.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            locale = po.parent.parent.name
            CommandLineInterface().run(
                ["pybabel", "-q", "compile", "-l", locale, "-i", str(po), "-o", str(mo)]
            )


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_TOOL_STATE, None)
    if state is not None:
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied per test (migrating each time would be slow)."""
    directory = tmp_path_factory.mktemp("template")
    settings = Settings(dev_mode=True, data_dir=directory)
    upgrade_database(settings)
    # Signing keys (RSA generation is slow) are made once and copied with the file.
    from servicekonto.app import build_provider, dispose_provider
    from servicekonto.clock import SystemClock

    provider = build_provider(settings, SystemClock())
    provider.keys.ensure_keys()
    # Closing the last connection checkpoints the write-ahead log into the file and removes it:
    # with the pool left open the keys stayed in `-wal`, the copies lacked them, and every test
    # app generated three new keys at start (a third of a short test's time).
    dispose_provider(provider)
    template = directory / "servicekonto.sqlite3"
    assert not template.with_name(template.name + "-wal").exists(), "template not checkpointed"
    return template


def fresh_postgres_schema(base_url: str, template: str | None = None) -> str:
    """A new database per test on the CI server: isolation without truncation logic. From
    `template` (a database URL), a copy of that migrated database with its keys."""
    # The xdist worker in the name tells whose leftover a database is; the random part alone
    # keeps names apart (across workers and across test runs on one server).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"skt_{worker}_{uuid.uuid4().hex[:12]}"
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
    from servicekonto.app import build_provider, dispose_provider
    from servicekonto.clock import SystemClock

    provider = build_provider(settings, SystemClock())
    provider.keys.ensure_keys()
    dispose_provider(provider)  # a template database must have no open connections
    yield url
    drop_postgres(url, base)


def drop_postgres(url: str, base_url: str) -> None:
    """Drop a test database; fail if a connection to it was still open. Such a connection is
    a pool nobody disposed: left to the garbage collector, psycopg warns "deleted while still
    open" in whatever later test runs then (a random failure under warnings-as-errors), so
    the test or fixture that left it fails here instead."""
    name = url.rsplit("/", 1)[1]
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        left = _connections_to(conn, name)
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    if left:
        pytest.fail(
            f"{left} connection(s) to the test database still open at teardown: dispose the "
            "engine (servicekonto.app.dispose_provider, engine.dispose()) before the database goes"
        )


def _connections_to(conn: Any, name: str) -> int:
    """Open connections to database `name`, after a moment for backends of stopped server
    processes to end (their exit reaches PostgreSQL asynchronously)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
    deadline = time.monotonic() + 3.0
    while True:
        left = int(conn.execute(query, {"name": name}).scalar_one())
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


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
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on this test's own database, without an app (the service tests). The
    pool is large enough for the race tests' threads."""
    engine = make_engine(database_url, pool_size=12)
    yield make_session_factory(engine)
    engine.dispose()


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


#: Where `free_port` draws from: below the kernel's ephemeral range, so no outgoing connection
#: and no bind to port 0 anywhere on the machine takes the number between our check and the
#: server's own bind. Another test run drawing the same number is what `PortInUse` retries.
_PORT_SPAN = 8000
PORT_ATTEMPTS = 5


class PortInUse(RuntimeError):
    """The server process exited because its port was taken (start again on another)."""


def _ephemeral_low() -> int:
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def xdist_worker() -> tuple[int, int]:
    """(index, count) of this pytest-xdist worker ("gw3" of 4 is (3, 4)); (0, 1) without xdist."""
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0
    return index % max(count, 1), max(count, 1)


def port_span() -> range:
    """This worker's share of the span `free_port` draws from: under pytest-xdist each worker
    has a slice of its own, so two workers of one run never draw the same number (Apache and
    the mock servers do not move on a clash as `ServerProcess` does)."""
    low = _ephemeral_low()
    start = max(1024, low - _PORT_SPAN)
    index, count = xdist_worker()
    width = (low - start) // count
    return range(start + index * width, start + (index + 1) * width)


def free_port() -> int:
    """A port that was free a moment ago; servers started on it retry on a clash."""
    span = port_span()
    draw = random.SystemRandom()  # not the test-seeded `random`: parallel runs must differ
    for _ in range(50):
        port = draw.randrange(span.start, span.stop)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without any SERVICEKONTO_* (a developer's shell or .env must
    not reach a server under test), plus `overrides`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")}
    return base | overrides


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
        """Start and wait until ready; if the port was taken meanwhile, move to another one
        (the issuer too, when it named the old port)."""
        for attempt in range(PORT_ATTEMPTS):
            try:
                self._launch()
                return
            except PortInUse:
                if attempt == PORT_ATTEMPTS - 1:
                    raise
                self._move_to(free_port())

    def _move_to(self, port: int) -> None:
        old = self.base_url
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        if self.env.get("SERVICEKONTO_ISSUER", "").rstrip("/") == old:
            self.env["SERVICEKONTO_ISSUER"] = self.base_url
        self.log = self.log.with_name(f"server-{port}.log")

    def _launch(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        since = self.log.stat().st_size if self.log.exists() else 0
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
        wait_until_up(f"{self.base_url}/readyz", self.proc, self.log, since=since)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


#: How long a server may take to answer /readyz: imports and migrations take seconds alone, and
#: many times that on two cores shared with other test runs.
STARTUP_SECONDS = 90


def _log_since(log: Path, since: int) -> str:
    try:
        with log.open("rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _end(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, *, since: int = 0) -> None:
    """Poll `url` until it answers 200; otherwise end the process and fail with its log tail, or
    raise PortInUse when its log after `since` says its port was taken."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if "address already in use" in _log_since(log, since).lower():
            _end(proc)
            raise PortInUse(f"{url}: {_log_since(log, since)[-500:]}")
        if proc.poll() is not None:
            break
        time.sleep(0.05)  # a server is up within seconds: poll often, each poll is cheap
    _end(proc)
    raise RuntimeError(f"{url} did not come up: {_log_since(log, since)[-2000:]}")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real `servicekonto serve` with two workers on a free port, on this test's database."""
    port = free_port()
    env = clean_environment(
        SERVICEKONTO_DEV_MODE="1",
        SERVICEKONTO_ISSUER=f"http://127.0.0.1:{port}",
        SERVICEKONTO_DATA_DIR=str(tmp_path),
        SERVICEKONTO_DATABASE_URL=database_url,
        SERVICEKONTO_ARGON2_MEMORY_KIB="1024",
        SERVICEKONTO_ARGON2_TIME_COST="1",
        SERVICEKONTO_LOGIN_RATE_PER_MINUTE="1000",
        SERVICEKONTO_EID_START_RATE_PER_MINUTE="1000",
        SERVICEKONTO_REGISTRATION_RATE_PER_HOUR="1000",
        SERVICEKONTO_LOG_LEVEL="WARNING",
    )
    process = ServerProcess(env, port, workers=2)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def make_server(database_url: str, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start `servicekonto serve` on this test's database as `server` does, with more settings:
    `make_server(workers=2, KEY_CACHE_SECONDS="2")` sets SERVICEKONTO_KEY_CACHE_SECONDS. Every
    process started is stopped after the test."""
    started: list[ServerProcess] = []

    def start(workers: int = 2, **settings: str) -> ServerProcess:
        port = free_port()
        env = clean_environment(
            SERVICEKONTO_DEV_MODE="1",
            SERVICEKONTO_ISSUER=f"http://127.0.0.1:{port}",
            SERVICEKONTO_DATA_DIR=str(tmp_path),
            SERVICEKONTO_DATABASE_URL=database_url,
            SERVICEKONTO_ARGON2_MEMORY_KIB="1024",
            SERVICEKONTO_ARGON2_TIME_COST="1",
            SERVICEKONTO_LOGIN_RATE_PER_MINUTE="1000",
            SERVICEKONTO_LOG_LEVEL="WARNING",
            **{f"SERVICEKONTO_{name}": value for name, value in settings.items()},
        )
        process = ServerProcess(env, port, workers=workers)
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
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
    from servicekonto.sim.demo_seed import seed

    settings = server.settings()
    provider = build_provider(settings, SystemClock())
    with provider.sessions() as db:
        result = seed(db, settings=settings, hashing=provider.hashing, now=provider.clock.now())
        db.commit()
        engine = db.get_bind()
    engine.dispose()
    return result
