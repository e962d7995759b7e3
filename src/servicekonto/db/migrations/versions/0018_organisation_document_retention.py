"""organisation documents: file_removed_at (founding documents' files are deleted after the
decision plus the appeal period; companies-domain §5.4)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:30:00.000000+00:00

A nullable column only: every existing document still has its file, so NULL is right for every
row. The downgrade drops the column; files deleted meanwhile stay deleted (their rows then look
like documents whose file is missing, which the download answers as not found).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation_documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_removed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation_documents", schema=None) as batch_op:
        batch_op.drop_column("file_removed_at")
