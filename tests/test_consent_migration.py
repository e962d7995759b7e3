"""Migration 0017 (consent per Befugnis) down and up on SQLite and PostgreSQL: the downgrade
keeps the most recently updated consent of each (account, client), as the old `grant` kept the
latest Befugnis by replacing, and puts the narrow key back; the upgrade widens it again, with
the personal consent (NULL) one value of the key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from servicekonto.db.migrate import alembic_config
from servicekonto.db.models import Consent
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import account_id_of, make_account, make_client

pytestmark = pytest.mark.postgres

FIRM = "f" * 32  # an organisation id; the column has no foreign key


def _consent(provider: Provider, account: str, client: str, acting_as: str | None,
             minutes: int) -> None:
    at = provider.clock.now() + timedelta(minutes=minutes)
    with provider.sessions() as db:
        db.add(Consent(account_id=account, client_id=client, scopes=["openid"], claims=[],
                       created_at=at, updated_at=at, acting_as=acting_as))
        db.commit()


def _rows(provider: Provider) -> list[tuple[str, str | None]]:
    with provider.sessions() as db:
        rows = db.execute(select(Consent.client_id, Consent.acting_as)).all()
    return sorted(((c, a) for c, a in rows), key=lambda r: (r[0], r[1] or ""))


def test_downgrade_keeps_the_latest_consent_per_client_and_upgrade_widens_the_key_again(
    provider: Provider, settings: Settings
) -> None:
    account = account_id_of(provider, make_account(provider))
    one, two = make_client(provider).client_id, make_client(provider).client_id
    _consent(provider, account, one, None, 0)
    _consent(provider, account, one, FIRM, 5)  # the latest at client one
    _consent(provider, account, two, None, 0)
    config = alembic_config(settings.sqlalchemy_url)

    command.downgrade(config, "0015")

    assert _rows(provider) == sorted([(one, FIRM), (two, None)], key=lambda r: r[0])
    with pytest.raises(IntegrityError):  # one consent per (account, client) again
        _consent(provider, account, one, None, 10)

    command.upgrade(config, "head")

    _consent(provider, account, one, None, 10)  # another Befugnis: allowed
    with pytest.raises(IntegrityError):  # a second personal one: NULL is one value
        _consent(provider, account, one, None, 15)
    with pytest.raises(IntegrityError):
        _consent(provider, account, one, FIRM, 15)
    assert len(_rows(provider)) == 3
