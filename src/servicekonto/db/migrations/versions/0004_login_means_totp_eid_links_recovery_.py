"""login means TOTP eID links recovery codes eID transactions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 08:30:11.567292+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
    with op.batch_alter_table("pending_authorizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("step_up_declined", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "eid_transactions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("binding_digest", sa.String(length=64), nullable=False),
        sa.Column("eid_session", sa.String(length=128), nullable=False),
        sa.Column("request_counter", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("pending_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eid_transactions")),
    )
    op.create_table(
        "login_means",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=True),
        sa.Column("lookup_digest", sa.String(length=64), nullable=True),
        sa.Column("identity_digest", sa.String(length=64), nullable=True),
        sa.Column("last_used_step", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_login_means_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_means")),
        sa.UniqueConstraint("lookup_digest", name=op.f("uq_login_means_lookup_digest")),
    )
    with op.batch_alter_table("login_means", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_means_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_login_means_identity_digest"), ["identity_digest"], unique=False
        )

    op.create_table(
        "recovery_codes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("means_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_recovery_codes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["means_id"],
            ["login_means.id"],
            name=op.f("fk_recovery_codes_means_id_login_means"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recovery_codes_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_evidence", schema=None) as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("pending_authorizations", schema=None) as batch_op:
        batch_op.drop_column("step_up_declined")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_account_id"))

    op.drop_table("recovery_codes")
    with op.batch_alter_table("login_means", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_means_identity_digest"))
        batch_op.drop_index(batch_op.f("ix_login_means_account_id"))

    op.drop_table("login_means")
    op.drop_table("eid_transactions")
