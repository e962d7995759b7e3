"""The real-server fixtures themselves (issue 14, hygiene): a server never inherits the caller's
SERVICEKONTO_* settings, and a port taken between `free_port` and the server's bind is retried on
another port instead of failing the test."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ServerProcess, clean_environment, free_port, port_span

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _hostile_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's shell with settings that would change what the server under test does
    (autouse: set before `server` builds its environment)."""
    monkeypatch.setenv("SERVICEKONTO_EID_URL", "http://127.0.0.1:9/nowhere")
    monkeypatch.setenv("SERVICEKONTO_ACCESS_TOKEN_TTL", "7")


def test_server_starts_with_a_clean_environment(server: ServerProcess) -> None:
    assert "SERVICEKONTO_EID_URL" not in server.env
    assert "SERVICEKONTO_ACCESS_TOKEN_TTL" not in server.env
    assert {k for k in server.env if k.startswith("SERVICEKONTO_")} == {
        "SERVICEKONTO_DEV_MODE",
        "SERVICEKONTO_ISSUER",
        "SERVICEKONTO_DATA_DIR",
        "SERVICEKONTO_DATABASE_URL",
        "SERVICEKONTO_ARGON2_MEMORY_KIB",
        "SERVICEKONTO_ARGON2_TIME_COST",
        "SERVICEKONTO_LOGIN_RATE_PER_MINUTE",
        "SERVICEKONTO_EID_START_RATE_PER_MINUTE",
        "SERVICEKONTO_REGISTRATION_RATE_PER_HOUR",
        "SERVICEKONTO_LOG_LEVEL",
    }
    # the embedded eID mock is used, not the address from the shell
    metadata = httpx.get(f"{server.base_url}/.well-known/openid-configuration").json()
    assert metadata["issuer"] == server.base_url


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other process holds (listening) when the server starts."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", free_port()))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_taken_port_moves_the_server_and_its_issuer(
    database_url: str, tmp_path: Path, taken_port: int
) -> None:
    issuer = f"http://127.0.0.1:{taken_port}"
    env = clean_environment(
        SERVICEKONTO_DEV_MODE="1",
        SERVICEKONTO_ISSUER=issuer,
        SERVICEKONTO_DATA_DIR=str(tmp_path),
        SERVICEKONTO_DATABASE_URL=database_url,
        SERVICEKONTO_LOG_LEVEL="WARNING",
    )
    process = ServerProcess(env, taken_port, workers=1)
    process.start()
    try:
        assert process.port != taken_port
        assert process.base_url == f"http://127.0.0.1:{process.port}"
        assert process.env["SERVICEKONTO_ISSUER"] == process.base_url
        metadata = httpx.get(f"{process.base_url}/.well-known/openid-configuration").json()
        assert metadata["issuer"] == process.base_url
    finally:
        process.stop()


def test_free_port_is_below_the_ephemeral_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert all(1024 <= free_port() < low for _ in range(20))


@pytest.mark.parametrize("count", [2, 3, 16])
def test_xdist_workers_draw_ports_from_disjoint_slices(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    """Two workers of one run never start servers on the same port (pytest-xdist)."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(count))
    slices = []
    for index in range(count):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{index}")
        span = port_span()
        assert len(span) >= 400, span
        assert all(port in span for port in (free_port() for _ in range(10)))
        slices.append(span)
    for earlier, later in itertools.pairwise(slices):
        assert earlier.stop <= later.start
    assert slices[0].start >= 1024
    assert slices[-1].stop <= low
