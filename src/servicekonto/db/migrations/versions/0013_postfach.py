"""postfach: messages from clients, attachments, application status, webhooks (issue 13 item 1)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 20:57:27.306954+00:00

New tables only: `postfach_messages` (CHECK one recipient, account or organisation; UNIQUE
(client_id, idempotency_key_digest), which makes parallel retries of one deposit end in one
row), `postfach_attachments` (metadata; the bytes are in the blobs port), `postfach_message_reads`
(who of an organisation opened what), `postfach_status_updates` (CHECK the FITKO status
vocabulary), `postfach_webhooks` (URL and sealed HMAC secret per client),
`client_organisation_subjects` (pairwise organisation ids, UNIQUE (client_id, subject): one
indexed lookup, like `client_subjects` for persons) and `postfach_readers`.

The downgrade deletes the attachments' blobs kept in the database and the queued webhook
events, which nothing would deliver any more (blobs kept by the filesystem store stay as
unreferenced sealed files; `servicekonto` has no owner for them then).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postfach_webhooks",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_postfach_webhooks_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_postfach_webhooks")),
    )
    op.create_table(
        "client_organisation_subjects",
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_client_organisation_subjects_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_client_organisation_subjects_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "client_id", name=op.f("pk_client_organisation_subjects")
        ),
        sa.UniqueConstraint(
            "client_id", "subject", name=op.f("uq_client_organisation_subjects_client_id_subject")
        ),
    )
    op.create_table(
        "postfach_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=1024), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=True),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("service", sa.String(length=255), nullable=False),
        sa.Column("application_id", sa.String(length=100), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("reply_to", sa.String(length=320), nullable=True),
        sa.Column("min_level", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_counts_at", sa.Date(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=32), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrects_message_id", sa.String(length=32), nullable=True),
        sa.Column("idempotency_key_digest", sa.String(length=64), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(account_id IS NULL) <> (organisation_id IS NULL)",
            name=op.f("ck_postfach_messages_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_postfach_messages_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_postfach_messages_client_id_clients"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["corrects_message_id"],
            ["postfach_messages.id"],
            name=op.f("fk_postfach_messages_corrects_message_id_postfach_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_postfach_messages_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["read_by"],
            ["accounts.id"],
            name=op.f("fk_postfach_messages_read_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postfach_messages")),
        sa.UniqueConstraint(
            "client_id",
            "idempotency_key_digest",
            name=op.f("uq_postfach_messages_client_id_idempotency_key_digest"),
        ),
    )
    with op.batch_alter_table("postfach_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_postfach_messages_account_created", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_postfach_messages_corrects_message_id"),
            ["corrects_message_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_postfach_messages_organisation_created",
            ["organisation_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_postfach_messages_read_by"), ["read_by"], unique=False)

    op.create_table(
        "postfach_status_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("organisation_id", sa.String(length=32), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("application_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("public_service_name", sa.String(length=100), nullable=False),
        sa.Column("sender_name", sa.String(length=100), nullable=False),
        sa.Column("status_details", sa.String(length=50), nullable=True),
        sa.Column("additional_information", sa.String(length=100), nullable=True),
        sa.Column("reference", sa.String(length=50), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('INITIATED', 'SUBMITTED', 'RECEIVED', 'PROCESSING', 'ACTION_REQUIRED', 'COMPLETED')",
            name=op.f("ck_postfach_status_updates_status"),
        ),
        sa.CheckConstraint(
            "(account_id IS NULL) <> (organisation_id IS NULL)",
            name=op.f("ck_postfach_status_updates_one_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_postfach_status_updates_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_postfach_status_updates_client_id_clients"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_postfach_status_updates_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postfach_status_updates")),
    )
    with op.batch_alter_table("postfach_status_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_postfach_status_updates_account_application",
            ["account_id", "application_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_postfach_status_updates_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_postfach_status_updates_organisation_application",
            ["organisation_id", "application_id"],
            unique=False,
        )

    op.create_table(
        "postfach_attachments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("blob_id", sa.String(length=80), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha512", sa.String(length=128), nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["postfach_messages.id"],
            name=op.f("fk_postfach_attachments_message_id_postfach_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postfach_attachments")),
        sa.UniqueConstraint("blob_id", name=op.f("uq_postfach_attachments_blob_id")),
        sa.UniqueConstraint(
            "message_id", "position", name=op.f("uq_postfach_attachments_message_id_position")
        ),
    )
    with op.batch_alter_table("postfach_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postfach_attachments_message_id"), ["message_id"], unique=False
        )

    op.create_table(
        "postfach_message_reads",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_postfach_message_reads_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["postfach_messages.id"],
            name=op.f("fk_postfach_message_reads_message_id_postfach_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "account_id", name=op.f("pk_postfach_message_reads")),
    )
    with op.batch_alter_table("postfach_message_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postfach_message_reads_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "postfach_readers",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["accounts.id"],
            name=op.f("fk_postfach_readers_granted_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["organisation_members.id"],
            name=op.f("fk_postfach_readers_member_id_organisation_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_postfach_readers")),
    )


def downgrade() -> None:
    op.execute("DELETE FROM blobs WHERE id IN (SELECT blob_id FROM postfach_attachments)")
    op.execute("DELETE FROM outbox WHERE kind = 'postfach_webhook' AND delivered_at IS NULL")
    op.drop_table("postfach_readers")
    with op.batch_alter_table("postfach_message_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postfach_message_reads_account_id"))

    op.drop_table("postfach_message_reads")
    with op.batch_alter_table("postfach_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postfach_attachments_message_id"))

    op.drop_table("postfach_attachments")
    with op.batch_alter_table("postfach_status_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_postfach_status_updates_organisation_application")
        batch_op.drop_index(batch_op.f("ix_postfach_status_updates_client_id"))
        batch_op.drop_index("ix_postfach_status_updates_account_application")

    op.drop_table("postfach_status_updates")
    with op.batch_alter_table("postfach_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postfach_messages_read_by"))
        batch_op.drop_index("ix_postfach_messages_organisation_created")
        batch_op.drop_index(batch_op.f("ix_postfach_messages_corrects_message_id"))
        batch_op.drop_index("ix_postfach_messages_account_created")

    op.drop_table("postfach_messages")
    op.drop_table("client_organisation_subjects")
    op.drop_table("postfach_webhooks")
