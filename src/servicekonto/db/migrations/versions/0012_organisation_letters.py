"""organisation activation letters: the Widerrufscode and one pending letter per organisation
(issue 12 item 4)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09 10:00:00.000000+00:00

`letters.revocation_code_hash` (nullable): the argon2id hash of the Widerrufscode an organisation's
activation letter carries besides its activation code; NULL on PIN letters.

`letters.pending_organisation_id` (nullable, UNIQUE): the organisation id while its letter is
queued or dispatched, NULL otherwise, so "one pending letter per organisation" is a database rule
exactly like `pending_account_id` for persons (NULLs never collide on SQLite or PostgreSQL).
`letters.organisation_id` gets an index: the per-organisation rate count and the deletion of an
organisation's letters look it up.

A pending letter to an organisation written by the interim code of 0010 (a PIN letter with
`organisation_id`, holding `pending_account_id`) is voided: it has no Widerrufscode and would
block the applicant's own PIN letter. Nothing in the product queued one.

The downgrade deletes organisation activation letters and their PDFs, which the old schema
cannot verify (no Widerrufscode, no pending rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE letters SET status = 'void', pending_account_id = NULL, closed_at = created_at "
        "WHERE organisation_id IS NOT NULL AND status IN ('queued', 'dispatched')"
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending_organisation_id", sa.String(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("revocation_code_hash", sa.String(length=200), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_letters_pending_organisation_id"), ["pending_organisation_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_letters_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM blobs WHERE id IN "
        "(SELECT 'letter:' || id FROM letters WHERE kind = 'org_activation')"
    )
    op.execute("DELETE FROM letters WHERE kind = 'org_activation'")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_organisation_id"))
        batch_op.drop_constraint(
            batch_op.f("uq_letters_pending_organisation_id"), type_="unique"
        )
        batch_op.drop_column("revocation_code_hash")
        batch_op.drop_column("pending_organisation_id")
