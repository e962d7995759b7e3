"""safe and catalogue: Dokumentensafe documents, usage and shares; service catalogue and
favourites (issue 13 items 4 and 5)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:32:55.345438+00:00

New tables only: `safe_documents` (metadata; the bytes are in the blobs port), `safe_usage` (the
bytes per account, grown by a conditional UPDATE against the quota), `safe_shares` (one document
for one client and application, fetched once), `catalogue_services` (UNIQUE (administration_id,
name), so seeding is idempotent) and `favourites`. The downgrade drops them; documents kept by
the database blob store go with a DELETE of their blobs first.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogue_services",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("administration_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("min_level", sa.String(length=16), nullable=False),
        sa.Column("leika_key", sa.String(length=14), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
            name=op.f("fk_catalogue_services_administration_id_administrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_services")),
        sa.UniqueConstraint(
            "administration_id", "name", name=op.f("uq_catalogue_services_administration_id_name")
        ),
    )
    with op.batch_alter_table("catalogue_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalogue_services_administration_id"),
            ["administration_id"],
            unique=False,
        )

    op.create_table(
        "safe_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("blob_id", sa.String(length=80), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=512), nullable=True),
        sa.Column("min_level", sa.String(length=16), nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_safe_documents_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safe_documents")),
        sa.UniqueConstraint("blob_id", name=op.f("uq_safe_documents_blob_id")),
    )
    with op.batch_alter_table("safe_documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_safe_documents_account_folder", ["account_id", "folder", "created_at"], unique=False
        )

    op.create_table(
        "safe_usage",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("used_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_safe_usage_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_safe_usage")),
    )
    op.create_table(
        "favourites",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_favourites_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalogue_services.id"],
            name=op.f("fk_favourites_service_id_catalogue_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "service_id", name=op.f("pk_favourites")),
    )
    with op.batch_alter_table("favourites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_favourites_service_id"), ["service_id"], unique=False)

    op.create_table(
        "safe_shares",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_safe_shares_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_safe_shares_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["safe_documents.id"],
            name=op.f("fk_safe_shares_document_id_safe_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safe_shares")),
    )
    with op.batch_alter_table("safe_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safe_shares_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_safe_shares_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_safe_shares_document_id"), ["document_id"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM blobs WHERE id IN (SELECT blob_id FROM safe_documents)")
    with op.batch_alter_table("safe_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safe_shares_document_id"))
        batch_op.drop_index(batch_op.f("ix_safe_shares_client_id"))
        batch_op.drop_index(batch_op.f("ix_safe_shares_account_id"))

    op.drop_table("safe_shares")
    with op.batch_alter_table("favourites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_favourites_service_id"))

    op.drop_table("favourites")
    op.drop_table("safe_usage")
    with op.batch_alter_table("safe_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_safe_documents_account_folder")

    op.drop_table("safe_documents")
    with op.batch_alter_table("catalogue_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalogue_services_administration_id"))

    op.drop_table("catalogue_services")
