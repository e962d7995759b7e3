"""TR-03160-1 Tab. 2 session limits per level as pure rules (DESIGN §4, checklist S-03); the
stored sessions that follow them are tested on both backends in tests/test_sessions.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicekonto.accounts.levels import SESSION_LIMITS, TrustLevel, decayed_level


@pytest.mark.parametrize(
    ("level", "since_auth", "since_seen", "expected"),
    [
        # low: 12 h / 60 min
        (TrustLevel.LOW, timedelta(0), timedelta(0), TrustLevel.LOW),
        (TrustLevel.LOW, timedelta(hours=11, minutes=59), timedelta(minutes=59), TrustLevel.LOW),
        (TrustLevel.LOW, timedelta(hours=1), timedelta(minutes=61), None),
        (TrustLevel.LOW, timedelta(hours=12, minutes=1), timedelta(minutes=1), None),
        # substantial: 2 h / 30 min
        (TrustLevel.SUBSTANTIAL, timedelta(0), timedelta(0), TrustLevel.SUBSTANTIAL),
        (
            TrustLevel.SUBSTANTIAL,
            timedelta(hours=1, minutes=59),
            timedelta(minutes=29),
            TrustLevel.SUBSTANTIAL,
        ),
        (TrustLevel.SUBSTANTIAL, timedelta(minutes=40), timedelta(minutes=31), TrustLevel.LOW),
        (
            TrustLevel.SUBSTANTIAL,
            timedelta(hours=2, minutes=1),
            timedelta(minutes=1),
            TrustLevel.LOW,
        ),
        (TrustLevel.SUBSTANTIAL, timedelta(hours=3), timedelta(minutes=59), TrustLevel.LOW),
        (TrustLevel.SUBSTANTIAL, timedelta(hours=1), timedelta(minutes=61), None),
        (TrustLevel.SUBSTANTIAL, timedelta(hours=12, minutes=1), timedelta(minutes=1), None),
        # high: 30 min / 5 min
        (TrustLevel.HIGH, timedelta(0), timedelta(0), TrustLevel.HIGH),
        (TrustLevel.HIGH, timedelta(minutes=29), timedelta(minutes=4), TrustLevel.HIGH),
        (TrustLevel.HIGH, timedelta(minutes=10), timedelta(minutes=6), TrustLevel.SUBSTANTIAL),
        (TrustLevel.HIGH, timedelta(minutes=31), timedelta(minutes=1), TrustLevel.SUBSTANTIAL),
        (TrustLevel.HIGH, timedelta(minutes=31), timedelta(minutes=29), TrustLevel.SUBSTANTIAL),
        (TrustLevel.HIGH, timedelta(minutes=20), timedelta(minutes=31), TrustLevel.LOW),
        (TrustLevel.HIGH, timedelta(hours=2, minutes=1), timedelta(minutes=1), TrustLevel.LOW),
        (TrustLevel.HIGH, timedelta(hours=5), timedelta(minutes=61), None),
        (TrustLevel.HIGH, timedelta(hours=12, minutes=1), timedelta(0), None),
    ],
)
def test_s03_decayed_level_drops_to_the_highest_level_whose_limits_hold(
    level: TrustLevel,
    since_auth: timedelta,
    since_seen: timedelta,
    expected: TrustLevel | None,
) -> None:
    assert decayed_level(level, since_auth=since_auth, since_seen=since_seen) is expected


def test_s03_session_limits_are_tr_03160_table_2() -> None:
    table_2 = {
        TrustLevel.LOW: (timedelta(hours=12), timedelta(minutes=60)),
        TrustLevel.SUBSTANTIAL: (timedelta(hours=2), timedelta(minutes=30)),
        TrustLevel.HIGH: (timedelta(minutes=30), timedelta(minutes=5)),
    }
    assert table_2 == SESSION_LIMITS
