"""login means: bound_at (a means counts at its level only once bound, TR-03160-1 §4.2)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:30:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login_means", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bound_at", sa.DateTime(timezone=True), nullable=True))
    # A linked card was read at `high` when it was linked: bound from the start. A TOTP enrolled
    # before this revision may have been enrolled with the password alone; nothing tells which,
    # so it stays unbound (counts `low`) until its holder confirms it with the eID.
    op.execute(sa.text("UPDATE login_means SET bound_at = confirmed_at WHERE kind = 'eid'"))


def downgrade() -> None:
    with op.batch_alter_table("login_means", schema=None) as batch_op:
        batch_op.drop_column("bound_at")
