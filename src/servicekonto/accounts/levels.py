"""Trust levels (Vertrauensniveau) and the session limits of BSI TR-03160-1 Table 2 (DESIGN §4)."""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum


class TrustLevel(IntEnum):
    BASIC = 0
    LOW = 1
    SUBSTANTIAL = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> TrustLevel:
        return cls[value.upper()]


#: (absolute, idle) per authentication level, TR-03160-1 Tab. 2.
SESSION_LIMITS: dict[TrustLevel, tuple[timedelta, timedelta]] = {
    TrustLevel.LOW: (timedelta(hours=12), timedelta(minutes=60)),
    TrustLevel.SUBSTANTIAL: (timedelta(hours=2), timedelta(minutes=30)),
    TrustLevel.HIGH: (timedelta(minutes=30), timedelta(minutes=5)),
}


def decayed_level(
    level: TrustLevel, *, since_auth: timedelta, since_seen: timedelta
) -> TrustLevel | None:
    """The highest level up to `level` whose absolute and idle limits hold; None: ended."""
    for candidate in sorted(SESSION_LIMITS, reverse=True):
        if candidate > level:
            continue
        absolute, idle = SESSION_LIMITS[candidate]
        if since_auth <= absolute and since_seen <= idle:
            return candidate
    return None
