"""Fixtures for the login-means service (on the `sessions` factory of tests/conftest.py, no
app): an account, a sealer, and a helper that enrols a confirmed TOTP."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts import means
from servicekonto.clock import FixedClock
from servicekonto.security import totp
from servicekonto.security.sealing import Sealer
from tests.support import make_bare_account

SECRET_KEY = "means-test-secret-key-of-sufficient-length-0123456789"


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(SECRET_KEY, means.TOTP_SEALING_PURPOSE)


def new_account(sessions: sessionmaker[Session], clock: FixedClock) -> str:
    return make_bare_account(sessions, now=clock.now())


@pytest.fixture
def account_id(sessions: sessionmaker[Session], clock: FixedClock) -> str:
    return new_account(sessions, clock)


@dataclass(frozen=True)
class Enrolled:
    means_id: str
    secret: bytes
    recovery_codes: list[str]

    def code(self, clock: FixedClock, offset: int = 0) -> str:
        return totp.code_at(self.secret, totp.time_step(clock.now()) + offset)


def secret_of(enrolment: means.TotpEnrolment) -> bytes:
    return base64.b32decode(enrolment.secret_base32 + "=" * (-len(enrolment.secret_base32) % 8))


def enrol(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    account_id: str,
    sealer: Sealer,
    *,
    bind: bool = False,
) -> Enrolled:
    """Start and confirm a TOTP (bound when `bind`: confirmed in a session at `substantial`);
    the clock then moves one step on, so a fresh code is due."""
    with sessions() as db:
        started = means.start_totp_enrolment(
            db,
            account_id=account_id,
            sealer=sealer,
            now=clock.now(),
            account_name="erika@example.org",
            issuer="Servicekonto Test",
        )
        db.commit()
    secret = secret_of(started)
    with sessions() as db:
        codes = means.confirm_totp_enrolment(
            db,
            account_id=account_id,
            means_id=started.means_id,
            code=totp.code_at(secret, totp.time_step(clock.now())),
            sealer=sealer,
            now=clock.now(),
            bind=bind,
        )
        db.commit()
    clock.advance(seconds=totp.PERIOD)
    return Enrolled(started.means_id, secret, codes)


@pytest.fixture
def enrolled(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer
) -> Enrolled:
    return enrol(sessions, clock, account_id, sealer)


def verify(
    sessions: sessionmaker[Session], clock: FixedClock, account_id: str, sealer: Sealer, code: str
) -> means.SecondFactorResult | None:
    """One second-factor attempt in its own transaction, committed like the web layer does."""
    with sessions() as db:
        result = means.verify_second_factor(
            db, account_id=account_id, code=code, sealer=sealer, now=clock.now()
        )
        db.commit()
        return result
