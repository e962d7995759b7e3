"""`acting_as` on browser session, authorization and consent (issue 11 item 4): a personal login
leaves it NULL everywhere, and the schema after the migrations matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from servicekonto.db.base import Base
from servicekonto.db.models import Authorization, BrowserSession, Consent
from servicekonto.oidc.provider import Provider
from tests.support import Browser, Rp, full_login


def test_a_personal_login_acts_as_nobody_else(
    browser: Browser, rp: Rp, email: str, provider: Provider
) -> None:
    full_login(browser, rp, email)

    with provider.sessions() as db:
        for model in (BrowserSession, Authorization, Consent):
            assert db.scalars(select(model.acting_as)).all() == [None], model


@pytest.mark.postgres
def test_the_migrated_schema_matches_the_models(provider: Provider) -> None:
    """staff_roles, client_subjects and acting_as as the models declare them (SQLite and, with
    the marker's database, PostgreSQL)."""
    with provider.sessions() as db:
        context = MigrationContext.configure(db.connection(), opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
