"""Fixtures for the company-account tests: the demo region on a bare database (no app)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.clock import FixedClock
from tests.companies.factories import seed_region


@pytest.fixture
def region(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Kreisverwaltung Cochem-Zell and its four Verbandsgemeinden: slug → administration id."""
    return seed_region(sessions)


@pytest.fixture
def now(clock: FixedClock) -> datetime:
    return clock.now()


# The applicant's page and API tests' app (tests/companies/apply_support.py).
from tests.companies.apply_support import (  # noqa: E402, F401
    app_provider,
    apply_client,
    apply_settings,
)
