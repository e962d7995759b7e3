"""Fixtures of the upload tests: a real clamd of our own with a local signature, stores, and a
scanner stand-in for the tests that are not about scanning."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.blobs.port import BlobStore
from servicekonto.blobs.stores import open_store
from servicekonto.db.models.blob import Blob
from servicekonto.settings import Settings
from servicekonto.uploads.scan import Verdict
from tests.conftest import free_port
from tests.tools import require_executable
from tests.uploads.corpus import EICAR

#: clamd's StreamMaxLength here: small, so the size-limit reply is cheap to provoke.
STREAM_MAX_BYTES = 1024 * 1024
SIGNATURE = "ServiceKonto.Test.EICAR"


@dataclass(frozen=True)
class Clamd:
    socket_path: Path
    port: int
    log: Path

    @property
    def unix_url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def tcp_url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"


def _clamd_binary() -> str:
    return shutil.which("clamd") or require_executable(
        "/usr/sbin/clamd", "apt-get install clamav-daemon"
    )


@pytest.fixture(scope="session")
def clamd() -> Iterator[Clamd]:
    """A clamd started for this test session: its own config, a signature database holding one
    body signature (.ndb, any file type, any offset) for the EICAR test string, no download.
    Skips without clamd on a laptop; fails under CI=true (`.ci/run` installs clamav-daemon)."""
    binary = _clamd_binary()
    # Under /tmp, not pytest's tmp_path: a Unix socket path must stay below 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="sk-clamd-", dir="/tmp"))
    database = root / "db"
    database.mkdir()
    (database / "servicekonto-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    port = free_port()
    config = root / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"LocalSocket {root / 'clamd.sock'}",
                "TCPAddr 127.0.0.1",
                f"TCPSocket {port}",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {root}",
                f"LogFile {root / 'clamd.log'}",
                f"StreamMaxLength {STREAM_MAX_BYTES // 1024}K",
                "SelfCheck 0",
                "",
            ]
        )
    )
    log = root / "clamd.log"
    proc = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(root / "clamd.sock", port, proc, log)
        yield Clamd(root / "clamd.sock", port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(path: Path, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"clamd exited with {proc.returncode}: {_tail(log)}")
        if path.exists() and _answers(port):
            return
        time.sleep(0.1)
    pytest.fail(f"clamd did not come up within 60 s: {_tail(log)}")


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as conn:
        conn.sendall(b"zPING\0")
        return conn.recv(16).startswith(b"PONG")
    return False


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


class CleanScanner:
    """A scanner that finds nothing, for tests about everything but the scan."""

    name = "test"

    def __init__(self) -> None:
        self.scanned: list[bytes] = []

    def scan(self, data: bytes) -> Verdict:
        self.scanned.append(data)
        return Verdict(infected=False)


@pytest.fixture(params=["database", "filesystem"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_settings(settings: Settings, store_kind: str) -> Settings:
    return settings.model_copy(update={"blob_store": store_kind})


@dataclass
class Stores:
    """Opens the configured store on fresh sessions and counts what is stored anywhere."""

    settings: Settings
    sessions: sessionmaker[Session]

    def open(self, db: Session) -> BlobStore:
        return open_store(self.settings, db)

    def count(self) -> int:
        """Objects in the database table plus files in the blob directory (temporaries too)."""
        with self.sessions() as db:
            rows = db.scalar(select(func.count()).select_from(Blob)) or 0
        directory = self.settings.blob_directory
        files = sum(len(files) for _, _, files in os.walk(directory)) if directory.exists() else 0
        return rows + files


@pytest.fixture
def stores(store_settings: Settings, sessions: sessionmaker[Session]) -> Stores:
    return Stores(store_settings, sessions)
