"""RFC 6238 §5.2 single use under concurrency: parallel submissions of one valid code.

Ten threads, each with its own Session (its own connection) on the file-based SQLite database (and
PostgreSQL when configured), released by one barrier. Every thread passes the throttle's claim
or is refused by the lock, and every one that gets through checks a *valid* code, so only the
conditional UPDATE can keep the count of successes at one.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts import means
from servicekonto.clock import FixedClock
from servicekonto.db.models import LoginMeans, RecoveryCode
from servicekonto.security import totp
from servicekonto.security.sealing import Sealer
from tests.means.conftest import Enrolled

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

THREADS = 10


def _submit_in_parallel(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    code: str,
) -> list[means.SecondFactorResult | None]:
    barrier = threading.Barrier(THREADS)
    now = clock.now()

    def submit(_: int) -> means.SecondFactorResult | None:
        with sessions() as db:
            barrier.wait(timeout=60)
            result = means.verify_second_factor(
                db, account_id=account_id, code=code, sealer=sealer, now=now
            )
            db.commit()
            return result

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(submit, range(THREADS)))


def test_rfc6238_5_2_one_code_submitted_ten_times_at_once_succeeds_once(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
    backend: str,
) -> None:
    code = enrolled.code(clock)
    results = _submit_in_parallel(sessions, clock, account_id, sealer, code)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, (backend, results)
    assert winners[0].method == "totp"
    with sessions() as db:
        stored = db.get(LoginMeans, enrolled.means_id)
        assert stored is not None
        assert stored.last_used_step == totp.time_step(clock.now())


def test_one_recovery_code_submitted_ten_times_at_once_succeeds_once(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    enrolled: Enrolled,
    backend: str,
) -> None:
    results = _submit_in_parallel(sessions, clock, account_id, sealer, enrolled.recovery_codes[0])
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, (backend, results)
    assert winners[0].method == "recovery"
    assert winners[0].recovery_codes_left == means.RECOVERY_CODE_COUNT - 1
    with sessions() as db:
        used = db.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
        )
    assert used == 1
