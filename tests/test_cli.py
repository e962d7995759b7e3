"""The `servicekonto` command line (DESIGN §9): demo, clients create, keys rotate, db upgrade."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, inspect, select

from servicekonto.app import build_provider, create_app, dispose_provider
from servicekonto.clock import SystemClock
from servicekonto.db.base import Base
from servicekonto.db.models import Account, Administration, Client
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.conftest import FAST_ARGON2, ServerProcess, free_port
from tests.support import Browser, RegisteredClient, Rp, full_login

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, data_dir: Path, database_url: str = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")
    } | {
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_DATA_DIR": str(data_dir),
        "SERVICEKONTO_DATABASE_URL": database_url,
        "SERVICEKONTO_ARGON2_MEMORY_KIB": "1024",
        "SERVICEKONTO_ARGON2_TIME_COST": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "servicekonto.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def _count(provider: Provider, model: Any) -> int:
    with provider.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Settings, dict[str, Any]]:
    """`servicekonto demo --json`, run twice on one database; its settings and first output."""
    data_dir = tmp_path_factory.mktemp("demo")
    shutil.copy(sqlite_template, data_dir / "servicekonto.sqlite3")
    settings = Settings(
        dev_mode=True, issuer="http://testserver", data_dir=data_dir, outbox_interval_seconds=0,
        **FAST_ARGON2,
    )
    provider = build_provider(settings, SystemClock())

    def counts() -> dict[str, int]:
        """Rows per table: the second run must add none anywhere (staff roles, documents, audit
        events, mails …), not only no accounts."""
        with provider.sessions() as db:
            return {
                table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }

    first = run_cli("demo", "--json", data_dir=data_dir)
    after_first = counts()
    second = run_cli("demo", "--json", data_dir=data_dir)
    assert json.loads(first.stdout) == json.loads(second.stdout), "demo is not idempotent"
    assert counts() == after_first, "a second demo run added rows"
    assert after_first["organisations"] == 3 and after_first["staff_roles"] > 0
    dispose_provider(provider)
    data: dict[str, Any] = json.loads(first.stdout)
    return settings, data


@pytest.fixture
def demo(demo_run: tuple[Settings, dict[str, Any]]) -> dict[str, Any]:
    return demo_run[1]


@pytest.fixture
def demo_provider(demo_run: tuple[Settings, dict[str, Any]]) -> Provider:
    return build_provider(demo_run[0], SystemClock())


@pytest.fixture
def demo_browser(demo_run: tuple[Settings, dict[str, Any]]) -> Iterator[Browser]:
    """A browser on an in-process app over the demo database."""
    with TestClient(create_app(demo_run[0]), base_url="http://testserver") as http:
        yield Browser(http)


def test_demo_json_has_the_documented_shape(
    demo: dict[str, Any], demo_provider: Provider
) -> None:
    assert len(demo["accounts"]) == 2
    for account in demo["accounts"]:
        assert {"username", "password"} <= set(account)
        assert "@" in account["username"] and len(account["password"]) >= 12
    assert len(demo["clients"]) >= 2
    for client in demo["clients"]:
        assert {"client_id", "client_secret", "redirect_uris", "sector"} <= set(client)
        assert client["client_secret"]
        if "authorization_code" in client["grant_types"]:
            assert client["redirect_uris"]
    assert len({c["sector"] for c in demo["clients"]}) == len(demo["clients"]), "shared sector"
    assert len({a["username"] for a in demo["accounts"]}) == 2
    assert _count(demo_provider, Account) == 2 + len(demo["staff"])
    assert _count(demo_provider, Client) == len(demo["clients"])
    # DESIGN §9: `staff` rows with username, password, administration, role, totp_secret.
    slugs = _slugs(demo_provider)
    for staff in demo["staff"]:
        assert {"username", "password", "administration", "role", "totp_secret"} <= set(staff)
        assert staff["administration"] in slugs and len(staff["password"]) >= 12
    assert {s["administration"] for s in demo["staff"]
            if s["role"] == "registration_officer"} == slugs
    assert sorted((o["name"], o["state"]) for o in demo["organizations"]) == [
        ("Bäckerei Zeller e. K.", "submitted"),
        ("Sportverein Ulmen e. V.", "submitted"),
        ("Weinhaus Cochem GmbH", "activated"),
    ]
    portal = next(c for c in demo["clients"] if c["client_id"] == "demo-portal")
    assert "organization" in portal["scopes"]


def _slugs(provider: Provider) -> set[str]:
    with provider.sessions() as db:
        return set(db.scalars(select(Administration.slug)))


def test_demo_secrets_are_stored_as_digests_only(
    demo: dict[str, Any], demo_provider: Provider
) -> None:
    with demo_provider.sessions() as db:
        for client in demo["clients"]:
            row = db.get(Client, client["client_id"])
            assert row is not None
            assert row.secret_digest == hashlib.sha256(client["client_secret"].encode()).hexdigest()
        for account in demo["accounts"]:
            row_account = db.scalar(select(Account).where(Account.email == account["username"]))
            assert row_account is not None
            assert account["password"] not in repr(vars(row_account))


def _page_login(browser: Browser, username: str, password: str) -> None:
    page = browser.get("/login")
    response = browser.post_form("/login", {"username": username, "password": password}, page)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == "/account"


def test_demo_accounts_log_in_through_the_pages(
    demo: dict[str, Any], demo_browser: Browser
) -> None:
    for account in demo["accounts"]:
        demo_browser.http.cookies.clear()
        _page_login(demo_browser, account["username"], account["password"])
        overview = demo_browser.get("/account")
        assert overview.status_code == 200
        assert account["username"] in overview.text


def test_demo_client_and_account_complete_a_code_flow(
    demo: dict[str, Any], demo_browser: Browser
) -> None:
    """The printed client secret authenticates at /token."""
    for printed in demo["clients"]:
        if "authorization_code" not in printed["grant_types"]:
            continue  # the print shop's machine client
        demo_browser.http.cookies.clear()
        client = RegisteredClient(
            printed["client_id"],
            printed["client_secret"],
            printed["redirect_uris"][0],
            printed["sector"],
        )
        account = demo["accounts"][0]
        _page_login(demo_browser, account["username"], account["password"])
        rp = Rp(demo_browser.http, client)
        params = full_login(demo_browser, rp, account["username"])  # consent, then the code
        tokens = rp.redeem(params["code"])
        assert tokens.status_code == 200, tokens.text


def test_clients_create_prints_id_and_secret_and_stores_a_digest(
    settings: Settings, provider: Provider
) -> None:
    result = run_cli(
        "clients", "create",
        "--name", "X",
        "--redirect-uri", "https://x.example/cb",
        "--grant-type", "authorization_code",
        "--scope", "openid profile",
        "--json",
        data_dir=settings.data_dir,
        database_url=settings.database_url,
    )
    printed = json.loads(result.stdout)
    assert printed["client_id"] and printed["client_secret"]
    assert printed["redirect_uris"] == ["https://x.example/cb"]
    assert sorted(printed["scopes"]) == ["openid", "profile"]
    with provider.sessions() as db:
        row = db.get(Client, printed["client_id"])
        assert row is not None
        assert row.secret_digest == hashlib.sha256(printed["client_secret"].encode()).hexdigest()
        stored = {c.key: getattr(row, c.key) for c in inspect(Client).column_attrs}
    assert printed["client_secret"] not in json.dumps(stored, default=str)


@pytest.mark.parametrize("uri", ["http://example.com", "https://x.example/cb#frag"])
def test_clients_create_refuses_an_invalid_redirect_uri(
    settings: Settings, provider: Provider, uri: str
) -> None:
    before = _count(provider, Client)
    result = run_cli(
        "clients", "create", "--name", "X", "--redirect-uri", uri, "--json",
        data_dir=settings.data_dir, database_url=settings.database_url, check=False,
    )
    assert result.returncode != 0
    assert "redirect" in (result.stderr + result.stdout).lower()
    assert "Traceback" not in result.stderr
    assert _count(provider, Client) == before


def test_keys_rotate_publishes_more_keys(settings: Settings) -> None:
    with TestClient(create_app(settings)) as before_app:
        before = {k["kid"] for k in before_app.get("/jwks").json()["keys"]}
    assert before
    result = run_cli(
        "keys", "rotate", data_dir=settings.data_dir, database_url=settings.database_url
    )
    assert "new signing keys" in result.stdout
    with TestClient(create_app(settings)) as after_app:
        after = {k["kid"] for k in after_app.get("/jwks").json()["keys"]}
    assert before < after, "the old keys stay published and new ones appear"


def test_db_upgrade_on_a_fresh_data_dir_creates_the_tables(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "var"
    result = run_cli("db", "upgrade", data_dir=data_dir)
    assert result.stdout.startswith("database created: all tables at revision ")
    database = data_dir / "servicekonto.sqlite3"
    assert database.exists()
    engine = create_engine(f"sqlite:///{database}")
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"accounts", "clients", "audit_events", "consents", "alembic_version"} <= tables


# -- issue 10 #11, #12, #21: starting and migrating say what happened and what to do -------------


def _one_clear_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_db_upgrade_says_created_then_up_to_date_with_the_revision(tmp_path: Path) -> None:
    first = run_cli("db", "upgrade", data_dir=tmp_path)
    revision = first.stdout.strip().rsplit(" ", 1)[1]
    assert first.stdout.strip() == f"database created: all tables at revision {revision}"
    again = run_cli("db", "upgrade", data_dir=tmp_path)
    assert again.stdout.strip() == (
        f"database is up to date (revision {revision}); nothing to do"
    )
    run_cli("db", "upgrade", "0001", data_dir=tmp_path / "old")
    upgraded = run_cli("db", "upgrade", data_dir=tmp_path / "old")
    assert upgraded.stdout.strip() == f"database upgraded from revision 0001 to {revision}"


def test_serve_before_db_upgrade_says_run_db_upgrade_in_one_line(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", str(free_port()), data_dir=tmp_path, check=False)
    _one_clear_line(result, "run `servicekonto db upgrade` first")
    assert not (tmp_path / "servicekonto.sqlite3").exists()  # nothing created on the way


def test_serve_on_an_old_schema_says_run_db_upgrade(tmp_path: Path) -> None:
    run_cli("db", "upgrade", "0001", data_dir=tmp_path)
    result = run_cli("serve", "--port", str(free_port()), data_dir=tmp_path, check=False)
    _one_clear_line(result, "the database schema is at revision 0001")


@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("db", "upgrade")])
def test_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    url = f"postgresql+psycopg://sk:pw-canary-91@127.0.0.1:{free_port()}/servicekonto"
    result = run_cli(*command, data_dir=tmp_path, database_url=url, check=False)
    _one_clear_line(result, "cannot connect to the database (postgresql at 127.0.0.1:")
    assert "pw-canary-91" not in result.stderr


def test_dev_serve_on_another_port_derives_the_issuer_and_the_demo_portal_works(
    tmp_path: Path,
) -> None:
    run_cli("db", "upgrade", data_dir=tmp_path)
    run_cli("demo", data_dir=tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")} | {
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
    }
    server = ServerProcess(env, port, workers=1)
    server.start()
    try:
        issuer = f"http://127.0.0.1:{port}"
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == issuer
        login = httpx.get(f"{issuer}/demo-portal/login")
        assert login.status_code == 303
        assert login.headers["location"].startswith(f"{issuer}/authorize?")
        # the seeded demo portal is registered under this issuer too: /authorize accepts its
        # redirect_uri and sends the browser on to the login page
        with httpx.Client(cookies=login.cookies) as browser:
            authorize = browser.get(login.headers["location"])
            assert authorize.status_code in (302, 303), authorize.text[:300]
            login_page = browser.get(issuer + authorize.headers["location"])
            assert login_page.status_code == 200 and "password" in login_page.text
    finally:
        server.stop()
    assert f"SERVICEKONTO_ISSUER not set, using {issuer}" in server.log.read_text()
