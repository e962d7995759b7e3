"""audit head: the chain's event count and newest hash in a second place

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:40:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # Anchor the chain as it stands: from here on every append moves the head with it.
    bind = op.get_bind()
    count = bind.execute(sa.text("SELECT COUNT(*) FROM audit_events")).scalar_one()
    last = bind.execute(sa.text("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")).scalar()
    op.bulk_insert(head, [{"id": 1, "count": count, "head_hash": last or GENESIS}])


def downgrade() -> None:
    op.drop_table("audit_head")
