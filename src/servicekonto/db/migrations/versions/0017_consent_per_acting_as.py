"""consent per Befugnis: the unique key of `consents` widens from (account, client) to
(account, client, acting_as) (issue 12, Befugnis at login)

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03 09:10:00+00:00

NULL in `acting_as` means "personal". Unique indexes treat NULLs as distinct on SQLite and on
PostgreSQL before 15 (NULLS NOT DISTINCT is 15+ only), so a plain (account_id, client_id,
acting_as) key would allow any number of personal consents. The key is therefore an expression
index on COALESCE(acting_as, '') — the same DDL on both databases; organisation ids are never
empty. The alternative, a non-null sentinel, would have needed a data migration and a
translation in every reader of the column.

The upgrade keeps every row (they were unique on the narrower key already). The downgrade
cannot keep several Befugnisse per (account, client): it keeps the most recently updated
consent of each pair, as the old `grant` did by replacing, and deletes the others.
Note for later migrations: SQLite's batch mode does not reflect expression indexes; a batch
recreate of `consents` must create this index again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_consents_account_client_acting_as"
OLD_KEY = "uq_consents_account_id_client_id"


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_constraint(OLD_KEY, type_="unique")
    op.create_index(
        INDEX,
        "consents",
        ["account_id", "client_id", sa.text("coalesce(acting_as, '')")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="consents")
    # One consent per (account, client) again: the latest wins (ties: the larger id).
    op.execute(
        "DELETE FROM consents WHERE EXISTS (SELECT 1 FROM consents AS newer"
        " WHERE newer.account_id = consents.account_id"
        " AND newer.client_id = consents.client_id"
        " AND (newer.updated_at > consents.updated_at"
        " OR (newer.updated_at = consents.updated_at AND newer.id > consents.id)))"
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_unique_constraint(OLD_KEY, ["account_id", "client_id"])
