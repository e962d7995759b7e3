"""Issue 15 #11: `servicekonto serve --workers 2` logs JSON from every worker — the access log
and uvicorn's own errors — on a real two-worker server process (checklist V-03)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ServerProcess, free_port


@pytest.fixture
def info_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    env = {
        **os.environ,
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_ISSUER": f"http://127.0.0.1:{port}",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
        "SERVICEKONTO_DATABASE_URL": database_url,
        "SERVICEKONTO_LOG_LEVEL": "INFO",
    }
    process = ServerProcess(env, port, workers=2)
    process.start()
    yield process
    process.stop()


def _lines(server: ServerProcess) -> list[dict[str, Any]]:
    entries = []
    for line in server.log.read_text().splitlines():
        if line.strip():
            entries.append(json.loads(line))  # a bare-text line fails here
    return entries


def test_two_workers_log_json_access_lines_and_errors(info_server: ServerProcess) -> None:
    requests = 12
    for i in range(requests):
        # A fresh connection each time, so the kernel may hand it to either worker.
        with httpx.Client() as http:
            assert http.get(f"{info_server.base_url}/healthz?n={i}").status_code == 200
    with socket.create_connection(("127.0.0.1", info_server.port), timeout=5) as raw:
        raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")  # uvicorn logs a warning and drops it
        raw.recv(1024)
    info_server.stop()  # flush: both workers log their shutdown too

    entries = _lines(info_server)
    started = {e["pid"] for e in entries if e["msg"].startswith("Started server process")}
    assert len(started) == 2, entries
    access = [e for e in entries if e.get("http", {}).get("route") == "/healthz"]
    assert len(access) == requests
    assert {e["http"]["status"] for e in access} == {200}
    assert {e["pid"] for e in access} <= started
    assert all("n=" not in json.dumps(e) for e in access)  # no query strings
    invalid = [e for e in entries if "Invalid HTTP request" in e["msg"]]
    assert invalid and invalid[0]["level"] == "warning" and invalid[0]["pid"] in started


def test_workers_setting_starts_that_many_workers_without_the_flag(
    database_url: str, tmp_path: Path
) -> None:
    """SERVICEKONTO_WORKERS (the Dockerfile sets it) is the default of `serve --workers`."""
    import subprocess
    import sys

    from tests.conftest import ROOT, wait_until_up

    port = free_port()
    env = {
        **os.environ,
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_ISSUER": f"http://127.0.0.1:{port}",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
        "SERVICEKONTO_DATABASE_URL": database_url,
        "SERVICEKONTO_WORKERS": "2",
        "SERVICEKONTO_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "serve.log"
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "servicekonto.cli", "serve", "--port", str(port)],
            env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    started = {
        entry["pid"]
        for entry in map(json.loads, filter(None, log.read_text().splitlines()))
        if entry["msg"].startswith("Started server process")
    }
    assert len(started) == 2
