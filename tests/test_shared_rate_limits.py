"""Per-IP limits on a two-worker server, shared through Redis (issue 14 item 11, issue 15 item
12; checklist R-01): every worker counts in one window when SERVICEKONTO_REDIS_URL is set, each
process alone (never open) when Redis is down, and X-Forwarded-For counts only from trusted proxies.

These tests use no test database fixture of their own (each server gets a copy of the migrated
SQLite file), so they carry no `postgres` marker.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from servicekonto.security.ratelimit import RETRY_SECONDS, RateLimiter, RedisCounter, namespace_of
from tests.conftest import ServerProcess, clean_environment, free_port
from tests.tools import missing_tool

WRONG = "Falsches-Passwort-0815"

REDIS_URL = os.environ.get("SERVICEKONTO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Nothing listens on port 1: connections are refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def require_redis() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        missing_tool(f"Redis at {REDIS_URL}", "apt-get install redis-server; .ci/run starts it")
    return REDIS_URL


def test_r01_two_processes_count_in_the_same_redis_window() -> None:
    namespace = secrets.token_hex(8)
    url = require_redis()
    first = RateLimiter(3, 60, RedisCounter(url, namespace=namespace))
    second = RateLimiter(3, 60, RedisCounter(url, namespace=namespace))
    elsewhere = RateLimiter(3, 60, RedisCounter(url, namespace=secrets.token_hex(8)))
    now = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
    assert [first.hit("ip", now), second.hit("ip", now), first.hit("ip", now)] == [0, 0, 0]
    assert second.hit("ip", now + timedelta(seconds=10)) == 50
    assert first.hit("ip", now + timedelta(seconds=10)) == 50
    assert elsewhere.hit("ip", now) == 0  # another service on the same Redis counts apart
    assert first.hit("other-ip", now) == 0
    assert second.hit("ip", now + timedelta(seconds=60)) == 0  # the window slides


def test_r01_redis_unreachable_limits_per_process_logs_it_and_never_opens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = RedisCounter(DEAD_REDIS, namespace="test")
    limiter = RateLimiter(2, 60, counter)
    now = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="servicekonto.security.ratelimit"):
        assert [limiter.hit("ip", now), limiter.hit("ip", now)] == [0, 0]
        assert limiter.hit("ip", now) == 60
        later = now + timedelta(seconds=RETRY_SECONDS + 1)  # Redis is asked again, still down
        assert limiter.hit("ip", later) == 54
    assert not counter.shared
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == ["rate limits: Redis unreachable (ConnectionError), limiting per process"]


@pytest.fixture
def start_server(
    sqlite_template: Path, tmp_path: Path
) -> Iterator[Callable[..., ServerProcess]]:
    """`servicekonto serve --workers 2` on a copy of the migrated SQLite file, with settings."""
    started: list[ServerProcess] = []

    def start(**settings: str) -> ServerProcess:
        port = free_port()
        data = tmp_path / f"server-{port}"
        data.mkdir()
        shutil.copy(sqlite_template, data / "servicekonto.sqlite3")
        env = clean_environment(
            SERVICEKONTO_DEV_MODE="1",
            SERVICEKONTO_ISSUER=f"http://127.0.0.1:{port}",
            SERVICEKONTO_DATA_DIR=str(data),
            SERVICEKONTO_DATABASE_URL=f"sqlite:///{data / 'servicekonto.sqlite3'}",
            SERVICEKONTO_ARGON2_MEMORY_KIB="1024",
            SERVICEKONTO_ARGON2_TIME_COST="1",
            SERVICEKONTO_LOG_LEVEL="WARNING",
            **{f"SERVICEKONTO_{k.upper()}": v for k, v in settings.items()},
        )
        process = ServerProcess(env, port, workers=2)
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
        process.stop()


def _login_attempts(
    server: ServerProcess, count: int, forwarded_for: Callable[[int], str | None] = lambda i: None
) -> list[int]:
    """`count` wrong-password POSTs of /login in parallel, each on a new connection (so both
    workers take some); the statuses in order. `forwarded_for(i)` sets X-Forwarded-For."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        page = http.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        cookies = dict(http.cookies)

    def attempt(i: int) -> int:
        headers = {"Origin": server.base_url}
        spoofed = forwarded_for(i)
        if spoofed:
            headers["X-Forwarded-For"] = spoofed
        with httpx.Client(base_url=server.base_url, timeout=30, cookies=cookies) as fresh:
            answer = fresh.post(
                "/login",
                data={"username": "niemand@example.org", "password": WRONG,
                      "csrf_token": token.group(1)},
                headers=headers,
            )
        if answer.status_code == 429:
            assert re.fullmatch(r"[1-9][0-9]*", answer.headers["retry-after"])
        return answer.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(attempt, range(count)))


def _redis_clients(server: ServerProcess) -> set[str]:
    """Names of the server's worker processes connected to Redis (one name per process)."""
    import redis

    prefix = f"servicekonto-{namespace_of(server.base_url)}-"
    listed = redis.Redis.from_url(REDIS_URL).client_list()
    return {c["name"] for c in listed if c["name"].startswith(prefix)}


def test_r01_two_worker_server_shares_the_per_ip_login_limit_through_redis(
    start_server: Callable[..., ServerProcess],
) -> None:
    redis_url = require_redis()
    server = start_server(login_rate_per_minute="5", redis_url=redis_url)
    statuses = _login_attempts(server, 16)
    # Both workers must have counted, else this proves nothing about sharing. On a busy machine
    # the second worker may still be starting while the first takes every request: keep sending
    # (well within the minute the limit counts) until it has connected to Redis too.
    deadline = time.monotonic() + 30
    while len(_redis_clients(server)) < 2 and time.monotonic() < deadline:
        statuses += _login_attempts(server, 8)
        time.sleep(0.25)
    assert len(_redis_clients(server)) == 2, "requests never reached both workers"
    served = [s for s in statuses if s != 429]
    assert served == [200] * 5, statuses  # per process it would have been up to 10


def test_r01_two_worker_server_with_redis_down_limits_per_process_and_logs_it(
    start_server: Callable[..., ServerProcess],
) -> None:
    server = start_server(login_rate_per_minute="3", redis_url=DEAD_REDIS)
    statuses = _login_attempts(server, 16)
    served = [s for s in statuses if s != 429]
    assert served and set(served) == {200}
    assert 3 <= len(served) <= 6, statuses  # each of the 2 workers allows 3: never unlimited
    assert statuses.count(429) >= 10
    assert "Redis unreachable" in server.log.read_text()


def test_r01_xff_from_a_trusted_proxy_names_the_client_on_a_two_worker_server(
    start_server: Callable[..., ServerProcess],
) -> None:
    """The test process is the proxy here (127.0.0.1 is trusted): each forwarded client has
    its own window, across both workers (shared through Redis, so the count is exact)."""
    server = start_server(
        login_rate_per_minute="3", trusted_proxies="127.0.0.1", redis_url=require_redis()
    )
    first = _login_attempts(server, 6, lambda i: "203.0.113.7")
    assert sorted(first) == [200, 200, 200, 429, 429, 429], first
    # the client cannot escape by putting a made-up address in front: the proxy appended the
    # real one, and the rightmost untrusted address is the client
    assert _login_attempts(server, 3, lambda i: "198.51.100.4, 203.0.113.7") == [429] * 3
    # another client behind the same proxy, and the proxy itself, have windows of their own
    assert _login_attempts(server, 3, lambda i: "203.0.113.8") == [200, 200, 200]
    assert _login_attempts(server, 3) == [200, 200, 200]


def test_r01_spoofed_xff_from_an_untrusted_peer_is_ignored_on_a_two_worker_server(
    start_server: Callable[..., ServerProcess],
) -> None:
    """127.0.0.1 is not a trusted proxy here: a new X-Forwarded-For per request must not buy
    a new window; every attempt counts for the real peer."""
    server = start_server(
        login_rate_per_minute="3", trusted_proxies="192.0.2.1", redis_url=require_redis()
    )
    statuses = _login_attempts(server, 8, lambda i: f"203.0.113.{i + 1}")
    assert sorted(statuses) == [200] * 3 + [429] * 5, statuses
