"""Issue 15 item 10 and item 12 (mocks): the eID mock sends browsers back only to its
configured service provider (no open redirect from the issuer's origin), and the standalone
mocks refuse to start outside dev mode unless told explicitly."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from servicekonto.cli import app
from servicekonto.clock import SystemClock
from servicekonto.eid.model import EidError, Operation, Requirement, ResultMinor, UseIdRequest
from servicekonto.sim.eid_server import MockEidServer

USE_ID = "/mock/eid/eid/v1/useID"
ASKED = {"GivenNames": "REQUIRED"}


def _use_id(client: TestClient, refresh: str) -> dict[str, object]:
    answer = client.post(USE_ID, json={"UseOperations": ASKED, "RefreshAddress": refresh})
    assert answer.status_code == 200, answer.text
    data: dict[str, object] = answer.json()
    return data


@pytest.mark.parametrize(
    "refresh",
    [
        "https://evil.test/ret",
        "http://testserver.evil.test/eid/return/x",
        "http://testserver@evil.test/eid/return/x",
        "http://testserver:8080/eid/return/x",
        "https://testserver/eid/return/x",
        "http://testserver/eid/return/../../x/..",
    ],
)
def test_open_redirect_embedded_eid_mock_refuses_foreign_refresh_addresses(
    app_client: TestClient, refresh: str
) -> None:
    refused = _use_id(app_client, refresh)
    assert refused["Result"] == {
        "ResultMajor": "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#error",
        "ResultMinor": ResultMinor.SCHEMA_VIOLATION,
        "ResultMessage": "RefreshAddress is not an address of the configured service provider",
    }
    assert "eCardServerAddress" not in refused  # no ticket: nothing to cancel towards evil.test


def test_open_redirect_embedded_eid_mock_still_returns_to_the_issuer(
    app_client: TestClient,
) -> None:
    opened = _use_id(app_client, "http://testserver/eid/return/abc")
    address = str(opened["eCardServerAddress"]).removeprefix("http://testserver")
    page = app_client.get(address)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    cancelled = app_client.post(
        address,
        data={"csrf_token": token.group(1), "action": "cancel"},
        follow_redirects=False,
    )
    assert (cancelled.status_code, cancelled.headers["location"]) == (
        303,
        "http://testserver/eid/return/abc",
    )


def test_open_redirect_mock_without_a_service_provider_url_returns_nowhere(
    tmp_path: Path,
) -> None:
    server = MockEidServer(
        tmp_path / "eid.sqlite3",
        simulator_base_url="http://x",
        service_provider="ServiceKonto",
        clock=SystemClock().now,
    )
    with pytest.raises(EidError) as refused:
        server.use_id(
            UseIdRequest(
                {Operation.GIVEN_NAMES: Requirement.REQUIRED},
                refresh_address="https://evil.test/ret",
            )
        )
    assert refused.value.minor == ResultMinor.SCHEMA_VIOLATION


def _without_dev_mode() -> dict[str, str]:
    env = {k: "" for k in os.environ if k.startswith("SERVICEKONTO_")}
    return env | {"SERVICEKONTO_DEV_MODE": "0"}


@pytest.mark.parametrize(
    ("command", "what"),
    [(["eid-mock", "serve"], "eID"), (["register-mock", "serve"], "civil register")],
)
def test_standalone_mocks_refuse_to_start_outside_dev_mode(command: list[str], what: str) -> None:
    result = CliRunner().invoke(app, [*command, "--port", "1"], env=_without_dev_mode())
    assert result.exit_code == 2, result.output
    assert f"refusing to serve the {what} mock outside dev mode" in result.output
    assert "--i-know-this-is-a-mock" in result.output
