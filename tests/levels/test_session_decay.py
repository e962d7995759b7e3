"""Session limits per authentication level, BSI TR-03160-1 Tab. 2 (DESIGN §4), on real sessions.

absolute / idle: low 12 h / 60 min; substantial 2 h / 30 min; high 30 min / 5 min. Past a
level's limits the session drops to the highest level whose limits still hold, or ends.

Every load runs in its own committed transaction, as a page view does; the clock is a
FixedClock moved by hand. Loads are at least 30 s apart, so each one refreshes `last_seen_at`
(`sessions.TOUCH_GRANULARITY`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.sessions import (
    ActiveSession,
    load_session,
    step_up_session,
)
from servicekonto.clock import FixedClock
from servicekonto.db.models import BrowserSession
from servicekonto.security.secrets import digest
from tests.support import start_browser_session

LOW, SUBSTANTIAL, HIGH = TrustLevel.LOW, TrustLevel.SUBSTANTIAL, TrustLevel.HIGH
SECOND = timedelta(seconds=1)

#: TR-03160-1 Tab. 2, written out here rather than read from SESSION_LIMITS.
ABSOLUTE = {LOW: timedelta(hours=12), SUBSTANTIAL: timedelta(hours=2), HIGH: timedelta(minutes=30)}
IDLE = {LOW: timedelta(minutes=60), SUBSTANTIAL: timedelta(minutes=30), HIGH: timedelta(minutes=5)}
#: A page view interval that stays well within each level's idle limit.
KEEP_ALIVE = {
    LOW: timedelta(minutes=50),
    SUBSTANTIAL: timedelta(minutes=20),
    HIGH: timedelta(minutes=4),
}

LEVELS = [pytest.param(level, id=level.label) for level in (LOW, SUBSTANTIAL, HIGH)]


def start(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    level: TrustLevel,
    amr: list[str] | None = None,
) -> tuple[str, ActiveSession]:
    return start_browser_session(
        sessions, account_id=account_id, level=level, amr=amr or ["pwd"], now=clock.now()
    )


def load(sessions: sessionmaker[Session], clock: FixedClock, cookie: str) -> ActiveSession | None:
    with sessions() as db:
        active = load_session(db, cookie_value=cookie, now=clock.now())
        db.commit()
    return active


def level_after(
    sessions: sessionmaker[Session], clock: FixedClock, cookie: str, wait: timedelta
) -> TrustLevel | None:
    clock.advance(seconds=wait.total_seconds())
    active = load(sessions, clock, cookie)
    return active.level if active else None


def keep_alive(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    cookie: str,
    *,
    elapsed: timedelta,
    until: timedelta,
    every: timedelta,
    expected: TrustLevel,
) -> timedelta:
    """Page views every `every` from `elapsed` up to (not including) `until`; each must see
    `expected`. Returns the new elapsed time."""
    while elapsed + every < until:
        assert level_after(sessions, clock, cookie, every) == expected, elapsed + every
        elapsed += every
    return elapsed


def stored(sessions: sessionmaker[Session], sid: str) -> BrowserSession | None:
    with sessions() as db:
        row = db.scalar(select(BrowserSession).where(BrowserSession.sid == sid))
        if row is not None:
            db.expunge(row)
        return row


def session_rows(sessions: sessionmaker[Session], sid: str) -> int:
    with sessions() as db:
        count = db.scalar(
            select(func.count()).select_from(BrowserSession).where(BrowserSession.sid == sid)
        )
        return int(count or 0)


# -- the level holds within its limits ----------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_tr_03160_1_tab_2_level_holds_just_inside_the_idle_limit(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, level: TrustLevel
) -> None:
    cookie, active = start(sessions, clock, account_id, level)
    assert level_after(sessions, clock, cookie, IDLE[level] - SECOND) == level
    row = stored(sessions, active.sid)
    assert row is not None and row.level == level.label
    assert row.last_seen_at == clock.now()  # the load counted as activity


@pytest.mark.parametrize("level", LEVELS)
def test_tr_03160_1_tab_2_level_holds_just_inside_the_absolute_limit(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, level: TrustLevel
) -> None:
    cookie, _ = start(sessions, clock, account_id, level)
    elapsed = keep_alive(
        sessions,
        clock,
        cookie,
        elapsed=timedelta(0),
        until=ABSOLUTE[level] - SECOND,
        every=KEEP_ALIVE[level],
        expected=level,
    )
    last = ABSOLUTE[level] - SECOND - elapsed
    assert timedelta(0) < last <= KEEP_ALIVE[level]
    assert level_after(sessions, clock, cookie, last) == level


# -- idle limit passed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "wait", "expected"),
    [
        pytest.param(HIGH, IDLE[HIGH] + SECOND, SUBSTANTIAL, id="high-idle-5min-to-substantial"),
        pytest.param(HIGH, IDLE[SUBSTANTIAL] + SECOND, LOW, id="high-idle-30min-to-low"),
        pytest.param(HIGH, IDLE[LOW] + SECOND, None, id="high-idle-60min-ends"),
        pytest.param(SUBSTANTIAL, IDLE[SUBSTANTIAL] + SECOND, LOW, id="substantial-idle-to-low"),
        pytest.param(SUBSTANTIAL, IDLE[LOW] + SECOND, None, id="substantial-idle-60min-ends"),
        pytest.param(LOW, IDLE[LOW] + SECOND, None, id="low-idle-ends"),
    ],
)
def test_tr_03160_1_tab_2_idle_limit_passed_drops_to_the_highest_level_still_held(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    level: TrustLevel,
    wait: timedelta,
    expected: TrustLevel | None,
) -> None:
    cookie, active = start(sessions, clock, account_id, level)
    assert level_after(sessions, clock, cookie, wait) == expected
    if expected is None:
        assert session_rows(sessions, active.sid) == 0  # the row is gone, not just ignored
        assert load(sessions, clock, cookie) is None
        return
    row = stored(sessions, active.sid)
    assert row is not None and row.level == expected.label  # the drop is stored
    # the next page view a moment later stays at the dropped level (no way back up)
    assert level_after(sessions, clock, cookie, timedelta(seconds=30)) == expected


# -- absolute limit passed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        pytest.param(HIGH, SUBSTANTIAL, id="high-30min-to-substantial"),
        pytest.param(SUBSTANTIAL, LOW, id="substantial-2h-to-low"),
        pytest.param(LOW, None, id="low-12h-ends"),
    ],
)
def test_tr_03160_1_tab_2_absolute_limit_passed_while_active_drops_a_level(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    level: TrustLevel,
    expected: TrustLevel | None,
) -> None:
    cookie, active = start(sessions, clock, account_id, level)
    elapsed = keep_alive(
        sessions,
        clock,
        cookie,
        elapsed=timedelta(0),
        until=ABSOLUTE[level] + SECOND,
        every=KEEP_ALIVE[level],
        expected=level,
    )
    assert level_after(sessions, clock, cookie, ABSOLUTE[level] + SECOND - elapsed) == expected
    if expected is None:
        assert session_rows(sessions, active.sid) == 0


def test_tr_03160_1_tab_2_an_active_high_session_decays_step_by_step_and_ends(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    cookie, active = start(sessions, clock, account_id, HIGH, amr=["hwk"])
    every = KEEP_ALIVE[HIGH]  # 4 min: within every level's idle limit
    elapsed = timedelta(0)
    for limit, before, after in (
        (ABSOLUTE[HIGH], HIGH, SUBSTANTIAL),
        (ABSOLUTE[SUBSTANTIAL], SUBSTANTIAL, LOW),
        (ABSOLUTE[LOW], LOW, None),
    ):
        elapsed = keep_alive(
            sessions,
            clock,
            cookie,
            elapsed=elapsed,
            until=limit + SECOND,
            every=every,
            expected=before,
        )
        assert level_after(sessions, clock, cookie, limit + SECOND - elapsed) == after, limit
        elapsed = limit + SECOND
    assert session_rows(sessions, active.sid) == 0


def test_tr_03160_1_tab_2_dropped_level_keeps_counting_from_the_original_login(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    """high → substantial by idleness at 6 min: substantial's 2 h still count from the login."""
    cookie, _ = start(sessions, clock, account_id, HIGH)
    assert level_after(sessions, clock, cookie, timedelta(minutes=6)) == SUBSTANTIAL
    elapsed = keep_alive(
        sessions,
        clock,
        cookie,
        elapsed=timedelta(minutes=6),
        until=ABSOLUTE[SUBSTANTIAL] + SECOND,
        every=KEEP_ALIVE[SUBSTANTIAL],
        expected=SUBSTANTIAL,
    )
    assert level_after(sessions, clock, cookie, ABSOLUTE[SUBSTANTIAL] + SECOND - elapsed) == LOW


def test_tr_03160_1_tab_2_no_cookie_or_unknown_cookie_is_no_session(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    assert load(sessions, clock, "") is None
    assert load(sessions, clock, "not-a-session-cookie") is None


# -- step-up ------------------------------------------------------------------------------------


def test_tr_03160_1_tab_2_step_up_mints_a_new_cookie_and_keeps_the_sid(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    old_cookie, before = start(sessions, clock, account_id, LOW, amr=["pwd"])
    clock.advance(minutes=10)
    with sessions() as db:
        raised = step_up_session(
            db,
            cookie_value=old_cookie,
            level=SUBSTANTIAL,
            added_amr=["otp", "pwd"],
            now=clock.now(),
        )
        db.commit()
    assert raised is not None
    new_cookie, after = raised
    assert new_cookie != old_cookie
    assert after.sid == before.sid  # back-channel logout of earlier clients keeps working
    assert after.account_id == account_id
    assert after.level == SUBSTANTIAL
    assert after.amr == ("pwd", "otp")  # merged, in order, without duplicates
    assert after.auth_time == clock.now()

    assert load(sessions, clock, old_cookie) is None  # session fixation: the old value is dead
    loaded = load(sessions, clock, new_cookie)
    assert loaded is not None
    assert (loaded.sid, loaded.level, loaded.amr, loaded.auth_time) == (
        before.sid,
        SUBSTANTIAL,
        ("pwd", "otp"),
        clock.now(),
    )
    row = stored(sessions, before.sid)
    assert row is not None
    assert row.id_digest == digest(new_cookie)
    assert row.id_digest != digest(old_cookie)
    assert session_rows(sessions, before.sid) == 1


def test_tr_03160_1_tab_2_step_up_to_high_restarts_the_high_limits(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    cookie, _ = start(sessions, clock, account_id, LOW)
    for _ in range(3):  # three hours of page views at `low`
        assert level_after(sessions, clock, cookie, KEEP_ALIVE[LOW]) == LOW
    with sessions() as db:
        raised = step_up_session(
            db, cookie_value=cookie, level=HIGH, added_amr=["hwk"], now=clock.now()
        )
        db.commit()
    assert raised is not None
    new_cookie, active = raised
    assert active.level == HIGH and active.amr == ("pwd", "hwk")
    assert level_after(sessions, clock, new_cookie, IDLE[HIGH] - SECOND) == HIGH
    assert level_after(sessions, clock, new_cookie, IDLE[HIGH] + SECOND) == SUBSTANTIAL


def test_tr_03160_1_tab_2_step_up_of_a_decayed_session_starts_from_the_decayed_level(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    cookie, _ = start(sessions, clock, account_id, HIGH, amr=["hwk"])
    assert level_after(sessions, clock, cookie, IDLE[SUBSTANTIAL] + SECOND) == LOW
    with sessions() as db:
        raised = step_up_session(
            db, cookie_value=cookie, level=SUBSTANTIAL, added_amr=["otp"], now=clock.now()
        )
        db.commit()
    assert raised is not None
    assert raised[1].level == SUBSTANTIAL  # not back to high: the eID login is long past


def test_tr_03160_1_tab_2_step_up_of_an_ended_session_is_none(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    cookie, _ = start(sessions, clock, account_id, LOW)
    assert level_after(sessions, clock, cookie, IDLE[LOW] + SECOND) is None
    with sessions() as db:
        raised = step_up_session(
            db, cookie_value=cookie, level=HIGH, added_amr=["hwk"], now=clock.now()
        )
        db.commit()
    assert raised is None


def test_tr_03160_1_tab_2_step_up_never_lowers_the_level(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    cookie, _ = start(sessions, clock, account_id, SUBSTANTIAL, amr=["pwd", "otp"])
    with sessions() as db:
        raised = step_up_session(
            db, cookie_value=cookie, level=LOW, added_amr=["pwd"], now=clock.now()
        )
        db.commit()
    assert raised is not None
    assert raised[1].level == SUBSTANTIAL
    assert raised[1].amr == ("pwd", "otp")


def test_tr_03160_1_tab_2_a_lower_step_up_does_not_extend_the_high_absolute_limit(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    cookie, _ = start(sessions, clock, account_id, HIGH, amr=["hwk"])
    elapsed = keep_alive(
        sessions,
        clock,
        cookie,
        elapsed=timedelta(0),
        until=timedelta(minutes=25),
        every=KEEP_ALIVE[HIGH],
        expected=HIGH,
    )
    clock.advance(seconds=(timedelta(minutes=25) - elapsed).total_seconds())
    with sessions() as db:
        # a TOTP confirmed at 25 min: a `substantial` authentication, not an eID one
        raised = step_up_session(
            db, cookie_value=cookie, level=SUBSTANTIAL, added_amr=["otp"], now=clock.now()
        )
        db.commit()
    assert raised is not None
    cookie = raised[0]
    elapsed = keep_alive(
        sessions,
        clock,
        cookie,
        elapsed=timedelta(minutes=25),
        until=ABSOLUTE[HIGH] + SECOND,
        every=KEEP_ALIVE[HIGH],
        expected=HIGH,
    )
    # 30 min after the eID login the session must no longer be high
    assert level_after(sessions, clock, cookie, ABSOLUTE[HIGH] + SECOND - elapsed) == SUBSTANTIAL


def test_start_session_leaves_the_previous_session_to_the_logout_path(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str
) -> None:
    """Issue 15 item 7: the browser's previous session is ended by the caller through
    `oidc.logout.logout_session` (back-channel logout); `start_session` itself deletes nothing
    (tests/test_sessions.py proves the pages do end it)."""
    _old_cookie, old = start(sessions, clock, account_id, LOW)
    new_cookie, new = start(sessions, clock, account_id, HIGH, amr=["hwk"])
    assert new.sid != old.sid
    assert session_rows(sessions, old.sid) == 1
    reloaded = load(sessions, clock, new_cookie)
    assert reloaded is not None and reloaded.level == HIGH
