"""drop the server defaults that only backfilled existing rows

0003 and 0004 added three NOT NULL columns with a server default so that rows already there got
a value. The models set these values in Python and declare no server default, so the drift test
(tests/test_migrations_drift.py) found the schema and the models apart; this brings them
together. Every insert of the code sets the columns, so nothing relies on the defaults.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 15:50:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, column, type, the default 0003/0004 gave it)
BACKFILLED: list[tuple[str, str, sa.types.TypeEngine[Any], sa.TextClause | sa.ColumnElement[bool]]] = [
    ("accounts", "roles", sa.JSON(), sa.text("'[]'")),
    ("administrations", "address_lines", sa.JSON(), sa.text("'[]'")),
    ("pending_authorizations", "step_up_declined", sa.Boolean(), sa.false()),
]


def upgrade() -> None:
    for table, column, type_, _default in BACKFILLED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=type_, existing_nullable=False, server_default=None
            )


def downgrade() -> None:
    for table, column, type_, default in reversed(BACKFILLED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column, existing_type=type_, existing_nullable=False, server_default=default
            )
