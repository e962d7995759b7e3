"""Migration 0013 (the Postfach) up and down on SQLite and PostgreSQL: the downgrade removes the
tables, the attachments' blobs and the queued webhook events, and keeps every other blob."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from servicekonto.db.migrate import alembic_config
from servicekonto.postfach.webhooks import SEALING_PURPOSE, register_webhook
from servicekonto.security.sealing import Sealer
from servicekonto.settings import Settings
from tests.postfach.conftest import PDF, Postfach, attachment, message

pytestmark = pytest.mark.postgres

TABLES = {
    "postfach_messages", "postfach_attachments", "postfach_message_reads",
    "postfach_status_updates", "postfach_webhooks", "client_organisation_subjects",
    "postfach_readers",
}


def _tables(pf: Postfach) -> set[str]:
    with pf.sessions() as db:
        return set(inspect(db.get_bind()).get_table_names())


def test_downgrade_removes_the_postfach_and_its_blobs_and_upgrade_brings_it_back(
    pf: Postfach, client_id: str, settings: Settings
) -> None:
    _, sub = pf.recipient(client_id)
    with pf.sessions() as db:
        register_webhook(db, client_id=client_id, url="https://fachverfahren.example/hook",
                         sealer=Sealer(settings.secret_key, SEALING_PURPOSE),
                         allow_internal=True, now=pf.now)
        db.execute(text("INSERT INTO blobs (id, content_type, size, data, created_at) "
                        "VALUES ('letter:keep', 'application/pdf', 1, :data, :at)"),
                   {"data": b"x", "at": pf.now.replace(tzinfo=None)})
        db.commit()
    pf.deposit(client_id, message(sub, attachments=[attachment(PDF)]))
    assert _tables(pf) >= TABLES and pf.blob_ids() == {"letter:keep", *pf.attachment_blobs()}
    assert len(pf.outbox("postfach_webhook")) == 1
    config = alembic_config(settings.sqlalchemy_url)

    command.downgrade(config, "0012")

    assert not TABLES & _tables(pf)
    assert pf.blob_ids() == {"letter:keep"}
    with pf.sessions() as db:
        kinds = set(db.scalars(text("SELECT kind FROM outbox")))
    assert "postfach_webhook" not in kinds and "mail" in kinds

    command.upgrade(config, "head")
    assert _tables(pf) >= TABLES
    assert pf.deposit(client_id, message(sub)).message_id
