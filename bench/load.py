"""Drive one scenario with wrk (Debian's `wrk`, C, event loop) and read back its numbers.

The request shape travels to bench/wrk/driver.lua in environment variables; the script's done()
hook prints a `BENCH_RESULT {json}` line, which is more robust than scraping wrk's human output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DRIVER = Path(__file__).resolve().parent / "wrk" / "driver.lua"


@dataclass(frozen=True)
class Request:
    """What every request of a scenario looks like."""

    url: str
    method: str = "GET"
    body: str = ""
    authorization: str = ""
    #: refresh mode: a file of single-use refresh tokens, appended to `body` one per request
    rotate_file: Path | None = None


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    status_errors: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return self.status_errors + self.socket_errors


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("make bench needs wrk: apt-get install wrk")
    return path


def run_wrk(request: Request, *, connections: int, threads: int, seconds: float) -> LoadResult:
    env = {
        **os.environ,
        "BENCH_METHOD": request.method,
        "BENCH_BODY": request.body,
        "BENCH_AUTHORIZATION": request.authorization,
        "BENCH_ROTATE_FILE": str(request.rotate_file or ""),
        "BENCH_THREADS": str(threads),
    }
    command = [
        wrk_path(),
        f"--connections={connections}",
        f"--threads={threads}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={DRIVER}",
        request.url,
    ]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH_FAILURE "):
            print(f"    first failure of a wrk thread: {line.removeprefix('BENCH_FAILURE ')}")
        if line.startswith("BENCH_RESULT "):
            raw = json.loads(line.removeprefix("BENCH_RESULT "))
            return LoadResult(
                requests=raw["requests"],
                seconds=raw["duration_us"] / 1e6,
                status_errors=raw["status_errors"],
                socket_errors=raw["socket_errors"],
                p50_ms=raw["p50_us"] / 1000,
                p90_ms=raw["p90_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
                max_ms=raw["max_us"] / 1000,
            )
    output = f"{finished.stdout}\n{finished.stderr}"
    raise RuntimeError(f"wrk gave no result for {request.url}:\n{output}")
