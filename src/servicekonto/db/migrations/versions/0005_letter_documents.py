"""letter PDFs in the database (issue 10 item 3)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:40:00.000000+00:00

Until now the print PDF of a queued letter was a file in one instance's data directory. Files
left there by an older version are read into this table by `servicekonto maintenance run`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_documents",
        sa.Column("letter_id", sa.String(length=32), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letters.id"],
            name=op.f("fk_letter_documents_letter_id_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("letter_id", name=op.f("pk_letter_documents")),
    )


def downgrade() -> None:
    op.drop_table("letter_documents")
