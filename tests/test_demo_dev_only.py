"""Issue 15 item 5: the demo tenant (published passwords) and the demo portal exist in dev mode
only. `servicekonto demo` outside dev mode refuses with a clear line and a non-zero exit, and
`/demo-portal` is not mounted (404, not a 500). In dev mode the seeded print shop logs in with its
password plus the authenticator app whose secret `demo` prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekonto.app import build_provider, create_app
from servicekonto.clock import SystemClock
from servicekonto.db.models import Account
from servicekonto.settings import Settings
from tests.conftest import FAST_ARGON2

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "SERVICEKONTO_DEV_MODE": "0",
    "SERVICEKONTO_ISSUER": "https://konto.example.org",
    "SERVICEKONTO_SECRET_KEY": "a-production-secret-of-more-than-32-characters",
}


def production_settings(data_dir: Path) -> Settings:
    return Settings(
        dev_mode=False, issuer=PRODUCTION["SERVICEKONTO_ISSUER"],
        secret_key=PRODUCTION["SERVICEKONTO_SECRET_KEY"], data_dir=data_dir,
        outbox_interval_seconds=0, **FAST_ARGON2,
    )


def test_demo_refuses_outside_dev_mode(tmp_path: Path) -> None:
    from tests.test_cli import run_cli

    run_cli("db", "upgrade", data_dir=tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEKONTO_")}
    result = subprocess.run(
        [sys.executable, "-m", "servicekonto.cli", "demo"],
        cwd=ROOT, env=env | PRODUCTION | {"SERVICEKONTO_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 2
    assert "only in dev mode" in result.stderr
    provider = build_provider(production_settings(tmp_path), SystemClock())
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 0


def test_the_demo_portal_is_not_mounted_outside_dev_mode(tmp_path: Path) -> None:
    from servicekonto.cli import upgrade_database

    settings = production_settings(tmp_path)
    upgrade_database(settings)
    with TestClient(create_app(settings), base_url="https://konto.example.org") as client:
        for path in ("/demo-portal", "/demo-portal/login", "/demo-portal/callback",
                     "/demo-fachverfahren"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 404, path
        # the demo Fachverfahren's webhook receiver is not there either
        assert client.post("/demo-fachverfahren/webhooks", content=b"{}").status_code == 404
        start = client.get("/")
        assert start.status_code == 200 and 'href="/demo-portal"' not in start.text


def test_the_demo_prints_the_print_shops_totp_secret(tmp_path: Path) -> None:
    from tests.test_cli import run_cli

    run_cli("db", "upgrade", data_dir=tmp_path)
    result = run_cli("demo", data_dir=tmp_path)

    assert "druckerei@demo.servicekonto.example" in result.stdout
    assert "TOTP secret " in result.stdout
