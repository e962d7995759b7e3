"""Fixtures for the trust-level tests: sessions on the test's migrated database (no app), fast
argon2 hashing, and an account to hang browser sessions on."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.service import create_account
from servicekonto.clock import FixedClock
from servicekonto.db.engine import make_engine, make_session_factory
from servicekonto.security.passwords import PasswordHashing
from tests.conftest import FAST_ARGON2

HASHING = PasswordHashing(
    memory_kib=FAST_ARGON2["argon2_memory_kib"], time_cost=FAST_ARGON2["argon2_time_cost"]
)


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
    with sessions() as session:
        account = create_account(
            session,
            hashing=HASHING,
            now=clock.now(),
            email=f"person-{secrets.token_hex(4)}@example.org",
            password=None,
            attributes={},
        )
        session.commit()
        return account.id
