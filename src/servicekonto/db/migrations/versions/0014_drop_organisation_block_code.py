"""drop organisations.block_code_hash and block_attempts (issue 11 clean-up)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 09:00:00.000000+00:00

0011 gave each organisation a hash of its Widerrufscode and a counter of attempts with it. Since
0012 the activation letter keeps the Widerrufscode itself (`letters.revocation_code_hash`, its
attempts counted with the activation code's in `letters.attempts`), and nothing wrote or read the
two columns on `organisations` any more. Dropping them leaves one place that knows the code.

The downgrade adds them back empty (NULL, 0), as 0011 made them; no code to restore exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("block_attempts")
        batch_op.drop_column("block_code_hash")


def downgrade() -> None:
    # The server default only fills the rows already there; 0011 declared none (like 0009).
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("block_code_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("block_attempts", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column(
            "block_attempts", existing_type=sa.Integer(), existing_nullable=False,
            server_default=None,
        )
