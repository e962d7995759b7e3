"""Migration 0012 (organisation activation letters) on SQLite and PostgreSQL: it adds the
Widerrufscode hash and the UNIQUE pending rule per organisation, voids an interim pending letter
to an organisation, and its downgrade deletes organisation letters with their PDFs."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from servicekonto.db.migrate import alembic_config
from servicekonto.letters.store import has_pdf, save_pdf
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.letters.conftest import load, queue
from tests.letters.test_dispatch_access import administration
from tests.letters.test_organisation_letters import SLUG, ensure_organisation, queue_org

pytestmark = pytest.mark.postgres

#: The revision before 0012, whatever it is once the branches are merged.
BEFORE = "0012-1"
NEW_COLUMNS = {"pending_organisation_id", "revocation_code_hash"}


def letter_columns(provider: Provider) -> set[str]:
    with provider.sessions() as db:
        return {c["name"] for c in inspect(db.get_bind()).get_columns("letters")}


def test_downgrade_deletes_organisation_letters_and_keeps_pin_letters(
    provider: Provider, settings: Settings, account_id: str
) -> None:
    org = queue_org(provider, account_id)
    pin = queue(provider, account_id)
    with provider.sessions() as db:
        save_pdf(db, letter_id=pin.letter_id, pdf=b"%PDF-1.4 pin", now=provider.clock.now())
        db.commit()
    config = alembic_config(settings.sqlalchemy_url)

    command.downgrade(config, BEFORE)

    assert not NEW_COLUMNS & letter_columns(provider)
    with provider.sessions() as db:
        ids = set(db.scalars(text("SELECT id FROM letters")))
        blobs = set(db.scalars(text("SELECT id FROM blobs")))
    assert ids == {pin.letter_id}
    assert blobs == {f"letter:{pin.letter_id}"}

    command.upgrade(config, "head")
    assert letter_columns(provider) >= NEW_COLUMNS
    assert load(provider, pin.letter_id).status == "queued"
    with provider.sessions() as db:
        assert has_pdf(db, letter_id=pin.letter_id)
        assert not has_pdf(db, letter_id=org.letter_id)


def test_upgrade_voids_an_interim_pending_letter_to_an_organisation(
    provider: Provider, settings: Settings, account_id: str
) -> None:
    """0010 let a PIN letter go to an organisation; pending, it held the applicant's
    `pending_account_id` and had no Widerrufscode."""
    interim = queue(provider, account_id)
    administration(provider, SLUG, f"Verbandsgemeinde {SLUG}")
    ensure_organisation(provider, "org-1", SLUG)
    config = alembic_config(settings.sqlalchemy_url)
    command.downgrade(config, BEFORE)
    with provider.sessions() as db:
        db.execute(text("UPDATE letters SET organisation_id = 'org-1', register_record_id = NULL "
                        "WHERE id = :id"), {"id": interim.letter_id})
        db.commit()

    command.upgrade(config, "head")

    letter = load(provider, interim.letter_id)
    assert (letter.status, letter.pending_account_id) == ("void", None)
    assert (letter.pending_organisation_id, letter.revocation_code_hash) == (None, None)
    assert letter.closed_at == letter.created_at
    # the applicant's own PIN letter is free to come
    assert queue(provider, account_id).letter_id != interim.letter_id
