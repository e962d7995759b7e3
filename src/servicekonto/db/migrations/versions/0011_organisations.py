"""organisations: company accounts, their documents, review, members and invitations (issue 12)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:58:56.516596+00:00

New tables: `organisations` (with the UNIQUE `register_key` that keeps one register entry to one
live organisation), `organisation_documents` (metadata; the bytes are in `blobs`),
`organisation_notes`, `organisation_decisions`, `organisation_members` (UNIQUE per organisation
and account), `member_client_permissions` and `organisation_invitations` (UNIQUE token digest).

`administrations.four_eyes` (NOT NULL): added with a server default so existing rows get
`false`, which is dropped again at once, as 0009 did for the earlier backfills (the model sets
the value in Python, and the drift test compares server defaults).

`letters.organisation_id` gets its foreign key now that the table it points to exists (batch
mode on SQLite: the table is rebuilt; no letter to an organisation can exist before this).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("legal_form", sa.String(length=24), nullable=False),
        sa.Column("register_type", sa.String(length=8), nullable=True),
        sa.Column("register_number", sa.String(length=16), nullable=True),
        sa.Column("register_court", sa.String(length=32), nullable=True),
        sa.Column("register_key", sa.String(length=64), nullable=True),
        sa.Column("trade_authority", sa.String(length=200), nullable=True),
        sa.Column("trade_registered_on", sa.Date(), nullable=True),
        sa.Column("tax_number", sa.String(length=16), nullable=True),
        sa.Column("vat_id", sa.String(length=16), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("postal_code", sa.String(length=5), nullable=False),
        sa.Column("locality", sa.String(length=100), nullable=False),
        sa.Column("administration_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("applicant_account_id", sa.String(length=32), nullable=True),
        sa.Column("first_approval_by", sa.String(length=32), nullable=True),
        sa.Column("first_approval_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("block_code_hash", sa.String(length=200), nullable=True),
        sa.Column("block_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
            name=op.f("fk_organisations_administration_id_administrations"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_account_id"],
            ["accounts.id"],
            name=op.f("fk_organisations_applicant_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["first_approval_by"],
            ["accounts.id"],
            name=op.f("fk_organisations_first_approval_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("register_key", name=op.f("uq_organisations_register_key")),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisations_administration_id"), ["administration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisations_applicant_account_id"),
            ["applicant_account_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_organisations_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_state"), ["state"], unique=False)

    op.create_table(
        "organisation_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("actor_account_id", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["accounts.id"],
            name=op.f("fk_organisation_decisions_actor_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_decisions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_decisions")),
    )
    with op.batch_alter_table("organisation_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_decisions_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "organisation_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("blob_id", sa.String(length=80), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_documents_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["accounts.id"],
            name=op.f("fk_organisation_documents_uploaded_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_documents")),
        sa.UniqueConstraint("blob_id", name=op.f("uq_organisation_documents_blob_id")),
    )
    with op.batch_alter_table("organisation_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_documents_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "organisation_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["accounts.id"],
            name=op.f("fk_organisation_invitations_accepted_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["accounts.id"],
            name=op.f("fk_organisation_invitations_invited_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_invitations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_invitations")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_organisation_invitations_token_digest")),
    )
    with op.batch_alter_table("organisation_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_invitations_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "organisation_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_organisation_members_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_members_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_members")),
        sa.UniqueConstraint(
            "organisation_id",
            "account_id",
            name=op.f("uq_organisation_members_organisation_id_account_id"),
        ),
    )
    with op.batch_alter_table("organisation_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_members_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_organisation_members_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "organisation_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("author_account_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_account_id"],
            ["accounts.id"],
            name=op.f("fk_organisation_notes_author_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_notes_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_notes")),
    )
    with op.batch_alter_table("organisation_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_notes_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "member_client_permissions",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_member_client_permissions_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["organisation_members.id"],
            name=op.f("fk_member_client_permissions_member_id_organisation_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "member_id", "client_id", name=op.f("pk_member_client_permissions")
        ),
    )
    with op.batch_alter_table("member_client_permissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_client_permissions_client_id"), ["client_id"], unique=False
        )

    op.add_column(
        "administrations",
        sa.Column("four_eyes", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.alter_column(
            "four_eyes", existing_type=sa.Boolean(), existing_nullable=False, server_default=None
        )

    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_letters_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_letters_organisation_id_organisations"), type_="foreignkey"
        )

    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_column("four_eyes")

    with op.batch_alter_table("member_client_permissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_client_permissions_client_id"))

    op.drop_table("member_client_permissions")
    with op.batch_alter_table("organisation_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_notes_organisation_id"))

    op.drop_table("organisation_notes")
    with op.batch_alter_table("organisation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_members_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_members_account_id"))

    op.drop_table("organisation_members")
    with op.batch_alter_table("organisation_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_invitations_organisation_id"))

    op.drop_table("organisation_invitations")
    with op.batch_alter_table("organisation_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_documents_organisation_id"))

    op.drop_table("organisation_documents")
    with op.batch_alter_table("organisation_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_decisions_organisation_id"))

    op.drop_table("organisation_decisions")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_state"))
        batch_op.drop_index(batch_op.f("ix_organisations_name_key"))
        batch_op.drop_index(batch_op.f("ix_organisations_applicant_account_id"))
        batch_op.drop_index(batch_op.f("ix_organisations_administration_id"))

    op.drop_table("organisations")
