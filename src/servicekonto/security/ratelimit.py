"""Per-key sliding-window rate limits (per IP for credential POSTs, per address for mail).

In-process by default. With `SERVICEKONTO_REDIS_URL` every worker and instance counts in the
same Redis sorted sets (DESIGN §3). When Redis cannot answer, each process falls back to its own
window with the same limit and logs it: the limit may then count per process, it never opens.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from servicekonto.errors import RateLimited
from servicekonto.security.secrets import digest, random_token

if TYPE_CHECKING:  # pragma: no cover - typing only
    import redis

log = logging.getLogger(__name__)


class Counter(Protocol):
    """Where hits are counted: this process, or a store every instance shares."""

    def hit(self, key: str, *, limit: int, window: float, t: float) -> float:
        """Record a hit at `t` unless `limit` hits lie in the window; else the seconds to wait."""


class LocalCounter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, *, limit: int, window: float, t: float) -> float:
        with self._lock:
            if len(self._hits) > self._max_keys:
                self._hits.clear()  # bounded memory beats perfect accounting under attack
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= t - window:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + window - t
            hits.append(t)
            return 0.0


#: The same window as LocalCounter, atomically in Redis: a sorted set of hit times per key.
_SLIDING_WINDOW = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return '0'
"""
#: After Redis failed, count locally this long before asking Redis again (a refused connection
#: is cheap, a timeout is not).
RETRY_SECONDS = 5.0


class RedisCounter:
    """Shared counting in Redis; per-process counting (logged) while Redis is unreachable."""

    def __init__(self, url: str, *, namespace: str = "", timeout: float = 0.5) -> None:
        import redis

        #: Instances of one service (one issuer) share counts; other services on the same
        #: Redis count apart.
        self._prefix = f"sk:rl:{namespace}:"
        self._client: redis.Redis = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # which process counts where, for `CLIENT LIST` (operators, and the tests)
            client_name=f"servicekonto-{namespace}-{os.getpid()}",
        )
        self._script = self._client.register_script(_SLIDING_WINDOW)
        self._fallback = LocalCounter()
        self._down_until = -math.inf
        self._lock = threading.Lock()

    @property
    def shared(self) -> bool:
        """Whether the last attempt reached Redis (for tests and readiness)."""
        return self._down_until == -math.inf

    def hit(self, key: str, *, limit: int, window: float, t: float) -> float:
        import redis

        if t < self._down_until:
            return self._fallback.hit(key, limit=limit, window=window, t=t)
        try:
            wait = self._script(
                keys=[self._prefix + digest(key)], args=[repr(t), window, limit, random_token(9)]
            )
        except redis.RedisError as exc:
            with self._lock:
                if self._down_until == -math.inf:
                    log.warning(
                        "rate limits: Redis unreachable (%s), limiting per process",
                        type(exc).__name__,
                    )
                self._down_until = t + RETRY_SECONDS
            return self._fallback.hit(key, limit=limit, window=window, t=t)
        with self._lock:
            if self._down_until != -math.inf:
                log.warning("rate limits: Redis reachable again, limits shared")
                self._down_until = -math.inf
        return float(wait)


class RateLimiter:
    """`limit` hits per key in a sliding window of `window_seconds`, counted by `counter`."""

    def __init__(
        self, limit: int, window_seconds: float = 60.0, counter: Counter | None = None
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self._counter = counter or LocalCounter()

    def hit(self, key: str, now: datetime) -> int:
        """Record a hit; 0 when allowed, else the whole seconds to wait (for Retry-After)."""
        wait = self._counter.hit(key, limit=self.limit, window=self.window, t=now.timestamp())
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def check(self, key: str, now: datetime, message: str = "too many requests") -> None:
        """Record a hit or raise RateLimited (429 + Retry-After on every surface)."""
        wait = self.hit(key, now)
        if wait:
            raise RateLimited(message, retry_after=wait)


def make_counter(redis_url: str, *, namespace: str = "") -> Counter:
    """Redis when configured, else this process."""
    return RedisCounter(redis_url, namespace=namespace) if redis_url else LocalCounter()


def namespace_of(issuer: str) -> str:
    """A short, stable name for the service behind `issuer` (Redis key prefix)."""
    return digest(issuer)[:16]


class Limits:
    """Every rate limit of the service, counted on one counter (Redis or this process)."""

    def __init__(
        self,
        *,
        login_per_minute: int,
        registration_per_hour: int,
        mail_per_address_per_hour: int,
        eid_start_per_minute: int,
        counter: Counter | None = None,
    ) -> None:
        self.counter = counter or LocalCounter()
        #: per IP, every credential POST (each form in its own bucket)
        self.login = RateLimiter(login_per_minute, 60, self.counter)
        #: per IP, sign-ups by page and API together
        self.registration = RateLimiter(registration_per_hour, 3600, self.counter)
        #: per target address and form: whatever mails an address or hashes for it
        self.per_address = RateLimiter(mail_per_address_per_hour, 3600, self.counter)
        #: per IP, eID transactions (each holds one of the eID-Server's sessions)
        self.eid_start = RateLimiter(eid_start_per_minute, 60, self.counter)

    def check_address(self, bucket: str, address: str, now: datetime) -> None:
        """Another request of form `bucket` that mails `address` (or hashes for it).

        Counted whether or not an account has the address: a 429 tells nothing about it.
        """
        self.per_address.check(f"{bucket}:{address.strip().lower()}", now)

    def check_registration(self, *, ip: str, address: str, now: datetime) -> None:
        """A sign-up by page or API: per IP and per address, the two surfaces together."""
        self.registration.check(f"register:{ip}", now)
        self.check_address("register", address, now)
