"""Per-key sliding-window rate limits (per IP for credential POSTs). In-process by default;
several instances share limits only through Redis, which is optional (DESIGN §3).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import datetime


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, now: datetime) -> int:
        """Record a hit; 0 when allowed, else the seconds to wait (for Retry-After)."""
        t = now.timestamp()
        with self._lock:
            if len(self._hits) > self._max_keys:
                self._hits.clear()  # bounded memory beats perfect accounting under attack
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= t - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - t))
            hits.append(t)
            return 0
