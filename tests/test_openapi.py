"""DESIGN §6: the generated OpenAPI document is committed under openapi/; this fails on drift."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from servicekonto.app import create_app
from servicekonto.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "openapi" / "openapi.json"
HINT = "openapi/openapi.json is out of date: run `make openapi` and commit the result"


def _normalised(document: Any) -> Any:
    result: Any = json.loads(json.dumps(document, sort_keys=True))
    return result


@pytest.fixture
def current_spec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """What `servicekonto openapi` prints, generated in-process; the app's files (the embedded
    eID mock's state) go to this test's directory, not to `make run`'s var/."""
    for name in list(os.environ):
        if name.startswith("SERVICEKONTO_"):
            monkeypatch.delenv(name)
    settings = Settings(
        dev_mode=True,
        issuer="http://127.0.0.1:8000",
        outbox_interval_seconds=0,
        data_dir=tmp_path,
    )
    spec = _normalised(create_app(settings).openapi())
    assert (tmp_path / "eid-mock.sqlite3").exists()
    return spec


def test_committed_openapi_matches_the_app(current_spec: Any) -> None:
    assert COMMITTED.exists(), HINT
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    if committed != current_spec:
        changed = sorted(
            set(committed.get("paths", {})) ^ set(current_spec.get("paths", {}))
        ) or sorted(
            p
            for p in current_spec.get("paths", {})
            if committed.get("paths", {}).get(p) != current_spec["paths"][p]
        )
        pytest.fail(f"{HINT} (differing paths: {changed or 'components/info'})")


def test_openapi_documents_the_json_api_only(current_spec: Any) -> None:
    paths = set(current_spec["paths"])
    assert "/api/v1/admin/clients" in paths
    assert "/api/v1/admin/clients/{client_id}" in paths
    # Pages and the protocol endpoints are not part of the JSON API document.
    assert not paths & {"/login", "/account", "/interaction/{pending_id}", "/logout"}
