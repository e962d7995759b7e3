"""Start the peer providers of ../shared/peers side by side with ServiceKonto (same machine, same
number of worker processes), installing them into a scratch folder on first use, never into the
project (../shared/peers/README.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT.parent / "shared" / "peers"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class RunningPeer:
    name: str
    base_url: str
    metadata: dict[str, object]

    def endpoint(self, key: str) -> str:
        return str(self.metadata[key])


def scratch_dir() -> Path:
    return Path(os.environ.get("PEERS_DIR", "/tmp/peers"))


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up; log tail:\n{log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    # run.sh execs the server, which forks its workers into the same process group.
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@contextmanager
def _serve(
    name: str, command: list[str], env: dict[str, str], discovery: str, log: Path
) -> Iterator[RunningPeer]:
    with log.open("ab") as handle:
        process = subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        # The first start may run `npm install` / the Django migrations.
        _wait_for(discovery, process, log, seconds=180)
        metadata = httpx.get(discovery, timeout=5).json()
        yield RunningPeer(name, str(metadata["issuer"]).rstrip("/"), metadata)
    finally:
        _stop(process)


@contextmanager
def node_op(*, port: int, workers: int, token_format: str) -> Iterator[RunningPeer]:
    """panva's oidc-provider; token_format "jwt" signs access tokens with ES256."""
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WORKERS": str(workers),
        "ACCESS_TOKEN_FORMAT": token_format,
        "JWT_ALG": "ES256",
        "PEERS_DIR": str(scratch_dir()),
    }
    log = scratch_dir() / f"node-op-{token_format}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    with _serve(f"node-op ({token_format})", ["bash", str(PEERS / "node-op" / "run.sh")], env, url,
                log) as peer:
        yield peer


def dot_venv() -> Path:
    """The peers' own venv (PEERS_VENV), created with its three packages when missing."""
    venv = Path(os.environ.get("PEERS_VENV", scratch_dir() / "venv"))
    if not (venv / "bin" / "gunicorn").exists():
        print(f"installing django-oauth-toolkit into {venv} (first run only)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", "django", "django-oauth-toolkit",
             "gunicorn"],
            check=True,
        )
    return venv


@contextmanager
def dot(*, port: int, workers: int) -> Iterator[RunningPeer]:
    """django-oauth-toolkit under gunicorn, client secret stored in plain (the fair setting)."""
    env = {
        **os.environ,
        "DOT_PORT": str(port),
        "GUNICORN_WORKERS": str(workers),
        "DOT_HASH_SECRET": "0",
        "PEERS_VENV": str(dot_venv()),
        "PEERS_DIR": str(scratch_dir()),
    }
    log = scratch_dir() / "dot.log"
    url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    with _serve("django-oauth-toolkit", ["bash", str(PEERS / "dot" / "run.sh")], env, url,
                log) as peer:
        yield peer
