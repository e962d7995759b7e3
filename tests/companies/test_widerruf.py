"""The Widerrufscode of an organisation's activation letter blocks it (`revoke_with_letter`;
issue 11 clean-up: the code lives on the letter only, `organisations` keeps no copy of it), and
migration 0014 that dropped the copy, down and up on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.companies import service
from servicekonto.db.migrate import alembic_config
from servicekonto.db.models import Organisation, OrganisationDocument
from servicekonto.letters.organisation import (
    organisation_letter_status,
    queue_organisation_activation_letter,
    use_organisation_code,
)
from servicekonto.letters.service import MAX_ATTEMPTS, QueuedLetter
from servicekonto.settings import Settings
from tests.companies.factories import decided, events_of, person, staff, state_of, submitted
from tests.support import FAST_HASHING

pytestmark = pytest.mark.postgres

SLUG = "vg-cochem"


def approved_with_letter(
    sessions: sessionmaker[Session], now: datetime
) -> tuple[str, str, QueuedLetter]:
    """(organisation id, applicant id, its queued letter with both codes in clear)."""
    applicant = person(sessions, now)
    org = submitted(sessions, now, applicant)
    decided(sessions, now, staff(sessions, now, SLUG), org, "approve")
    with sessions() as db:
        queued = queue_organisation_activation_letter(
            db, hashing=FAST_HASHING, organisation_id=org, organisation_name="Weinbau Mosel GmbH",
            address_lines=["Weinstraße 3", "56812 Cochem"], applicant_account_id=applicant,
            administration_slug=SLUG, issuer_url="https://konto.example", now=now,
        )
        db.commit()
    assert queued.revocation_code is not None
    return org, applicant, queued


def block(sessions: sessionmaker[Session], now: datetime, reference: str, code: str) -> bool:
    """Whether revoke_with_letter blocked; committed like a request."""
    with sessions() as db:
        blocked = service.revoke_with_letter(db, hashing=FAST_HASHING, reference=reference,
                                             code=code, now=now)
        db.commit()
    return blocked


def letter_of(sessions: sessionmaker[Session], org: str) -> tuple[str, int]:
    with sessions() as db:
        status = organisation_letter_status(db, organisation_id=org)
    assert status is not None
    return status.status, status.attempts_left


def test_the_letters_widerrufscode_closes_the_organisation_and_uses_up_the_letter(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    org, _, queued = approved_with_letter(sessions, now)
    assert queued.revocation_code is not None

    assert block(sessions, now, queued.reference, queued.revocation_code)

    assert state_of(sessions, org) == "closed"
    assert letter_of(sessions, org)[0] == "revoked"
    assert events_of(sessions, org)[-1] == "organisation.blocked"
    # single use: the same code again, and the activation code, find no letter
    assert block(sessions, now, queued.reference, queued.revocation_code) is False
    with sessions() as db:
        assert use_organisation_code(db, hashing=FAST_HASHING, code=queued.code, now=now,
                                     organisation_id=org) is None


def test_the_activation_code_never_blocks_and_leaves_the_letter_to_the_applicant(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    org, _, queued = approved_with_letter(sessions, now)

    assert block(sessions, now, queued.reference, queued.code) is False

    assert state_of(sessions, org) == "approved"
    assert letter_of(sessions, org) == ("queued", MAX_ATTEMPTS - 1)  # it cost its attempt
    with sessions() as db:
        used = use_organisation_code(db, hashing=FAST_HASHING, code=queued.code, now=now,
                                     organisation_id=org, purpose="activation")
        db.commit()
    assert used is not None and used.purpose == "activation"


def test_wrong_codes_and_unknown_references_block_nothing_and_the_last_attempt_voids(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    org, _, queued = approved_with_letter(sessions, now)
    assert queued.revocation_code is not None

    assert block(sessions, now, "ZZZZ-ZZZZ", queued.revocation_code) is False
    assert letter_of(sessions, org) == ("queued", MAX_ATTEMPTS)  # another letter's reference
    assert block(sessions, now, queued.reference, "AAAA-AAAA-AAAA") is False
    assert block(sessions, now, queued.reference, "BBBB-BBBB-BBBB") is False
    # the third try is the activation code: refused here like a wrong one, and it was the last
    assert block(sessions, now, queued.reference, queued.code) is False

    assert letter_of(sessions, org) == ("void", 0)
    assert state_of(sessions, org) == "approved"
    assert block(sessions, now, queued.reference, queued.revocation_code) is False


def _columns(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as db:
        columns = inspect(db.connection()).get_columns("organisations")
    return {column["name"] for column in columns}


def test_migration_0014_drops_the_copy_of_the_code_and_its_downgrade_brings_empty_columns_back(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, settings: Settings
) -> None:
    org = submitted(sessions, now, person(sessions, now))
    dropped = {"block_code_hash", "block_attempts"}
    assert not dropped & _columns(sessions)
    config = alembic_config(settings.sqlalchemy_url)

    command.downgrade(config, "0013")

    assert dropped <= _columns(sessions)
    with sessions() as db:
        row = db.execute(
            text("SELECT state, block_code_hash, block_attempts FROM organisations WHERE id = :id"),
            {"id": org},
        ).one()
        assert tuple(row) == ("submitted", None, 0)
        # 0011 declared no server default: inserts name the column, as its code did
        columns = inspect(db.connection()).get_columns("organisations")
        assert [c["default"] for c in columns if c["name"] == "block_attempts"] == [None]

    command.upgrade(config, "head")

    assert not dropped & _columns(sessions)
    assert state_of(sessions, org) == "submitted"
    with sessions() as db:  # SQLite rebuilt the table: its children are still there
        assert db.scalar(select(Organisation.name).where(Organisation.id == org))
        assert db.scalars(select(OrganisationDocument.id)
                          .where(OrganisationDocument.organisation_id == org)).all()
