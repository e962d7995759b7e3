"""Fixtures for the trust-level tests: sessions on the test's migrated database (no app), fast
argon2 hashing, and an account to hang browser sessions on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.clock import FixedClock
from servicekonto.db.engine import make_engine, make_session_factory
from tests.support import make_bare_account


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on this test's own database file (SQLite) or database (PostgreSQL)."""
    engine = make_engine(database_url, pool_size=4)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session
        session.rollback()


@pytest.fixture
def account_id(sessions: sessionmaker[Session], clock: FixedClock) -> str:
    return make_bare_account(sessions, now=clock.now())
