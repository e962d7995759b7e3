"""postfach list index: (account_id, created_at, id) and (organisation_id, created_at, id)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:15:00.000000+00:00

The Postfach list sorts by (created_at DESC, id DESC) — the id makes the order total when two
messages share a moment — but the indexes ended at created_at, so every page of a large
Postfach sorted all its rows first. With the id in the index the database walks the index
backwards and stops after the page (SQLite's plan loses its "USE TEMP B-TREE FOR RIGHT PART OF
ORDER BY"). `bench/postfach.py --list-only`, 100,000 messages, 400 calls each, on a 2-core
machine shared with other work (read the direction, not the values), p50 / p99 in ms:

| scenario | before | after |
|---|---|---|
| heavy Postfach (10,000 messages), random page of 20 | 94.4 / 180.0 | 83.6 / 164.7 |
| heavy Postfach, unread only, random page | 78.3 / 181.6 | 54.2 / 153.5 |
| typical Postfach (~450 messages), first page | 11.5 / 37.0 | 5.8 / 28.1 |

What remains of the heavy page is its two counts (total and unread) over the 10,000 rows, and
the OFFSET, which still visits the rows before the page.

Index only: no data changes; the downgrade puts the two-column indexes back.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCOUNT = "ix_postfach_messages_account_created"
ORGANISATION = "ix_postfach_messages_organisation_created"


def upgrade() -> None:
    with op.batch_alter_table("postfach_messages", schema=None) as batch_op:
        batch_op.drop_index(ACCOUNT)
        batch_op.drop_index(ORGANISATION)
        batch_op.create_index(ACCOUNT, ["account_id", "created_at", "id"], unique=False)
        batch_op.create_index(ORGANISATION, ["organisation_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postfach_messages", schema=None) as batch_op:
        batch_op.drop_index(ORGANISATION)
        batch_op.drop_index(ACCOUNT)
        batch_op.create_index(ACCOUNT, ["account_id", "created_at"], unique=False)
        batch_op.create_index(ORGANISATION, ["organisation_id", "created_at"], unique=False)
