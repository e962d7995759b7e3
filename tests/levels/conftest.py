"""Fixtures for the trust-level tests: a session on the test's migrated database (from the
`sessions` factory of tests/conftest.py, no app) and an account to hang browser sessions on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.clock import FixedClock
from tests.support import make_bare_account


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session
        session.rollback()


@pytest.fixture
def account_id(sessions: sessionmaker[Session], clock: FixedClock) -> str:
    return make_bare_account(sessions, now=clock.now())
