"""data for the next features: staff roles per administration, the subject each client knows
and `acting_as` (issue 11 item 4)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:45:00.000000+00:00

`accounts.roles` (a JSON list) becomes the table `staff_roles` (account × administration × role).
A role held before applied to every letter, so it is granted for every administration there is;
the column is then dropped (batch mode on SQLite: the migration's own connection has foreign keys
off, so recreating `accounts` cascades nothing). Downgrade puts each account's distinct roles
back into the column.

`client_subjects` stores the `sub` each client received for an account, indexed by (client_id,
subject). It starts empty: a pairwise `sub` is an HMAC under a key derived from the server's
secret, which a migration does not have (it runs without Settings). The row of an existing
grant is written at the person's next login with that client.

`acting_as` (nullable, NULL = personal) on browser sessions, authorizations and consents: the
organisation a person acts for, once company accounts exist. Adding a nullable column needs no
table rebuild on SQLite.

`blobs`: binary objects by id with content type and size (the `servicekonto.blobs` port). The
letters' PDFs move there from `letter_documents` (id `letter:<letter id>`), which is dropped.

Letters to an organisation's business address: `letters.organisation_id` (nullable) and
`letters.register_record_id` nullable (exactly one is set; the register person stays the
default). The downgrade deletes letters to organisations, which the old schema cannot hold.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTING_AS_TABLES = ("browser_sessions", "authorizations", "consents")


def _as_list(value: Any) -> list[str]:
    """The JSON column as read: text on SQLite, already parsed on PostgreSQL."""
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return [str(role) for role in value or []]


def upgrade() -> None:
    staff_roles = op.create_table(
        "staff_roles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("administration_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_staff_roles_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
            name=op.f("fk_staff_roles_administration_id_administrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_roles")),
        sa.UniqueConstraint(
            "account_id",
            "administration_id",
            "role",
            name=op.f("uq_staff_roles_account_id_administration_id_role"),
        ),
    )
    with op.batch_alter_table("staff_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_roles_account_id"), ["account_id"])
        batch_op.create_index(
            batch_op.f("ix_staff_roles_administration_id"), ["administration_id"]
        )

    bind = op.get_bind()
    administrations = bind.execute(sa.text("SELECT id FROM administrations")).scalars().all()
    rows = []
    for account_id, roles in bind.execute(sa.text("SELECT id, roles FROM accounts")).all():
        for role in sorted(set(_as_list(roles))):
            rows += [
                {"account_id": account_id, "administration_id": admin, "role": role}
                for admin in administrations
            ]
    if rows:
        op.bulk_insert(staff_roles, rows)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("roles")

    op.create_table(
        "client_subjects",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_client_subjects_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.client_id"],
            name=op.f("fk_client_subjects_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "client_id", name=op.f("pk_client_subjects")),
        sa.UniqueConstraint(
            "client_id", "subject", name=op.f("uq_client_subjects_client_id_subject")
        ),
    )


    op.create_table(
        "blobs",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blobs")),
    )
    op.execute(
        "INSERT INTO blobs (id, content_type, size, data, created_at) "
        "SELECT 'letter:' || letter_id, 'application/pdf', length(pdf), pdf, created_at "
        "FROM letter_documents"
    )
    op.drop_table("letter_documents")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.String(length=32), nullable=True))
        batch_op.alter_column(
            "register_record_id", existing_type=sa.String(length=64), nullable=True
        )
    for table in ACTING_AS_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("acting_as", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM letters WHERE register_record_id IS NULL")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.alter_column(
            "register_record_id", existing_type=sa.String(length=64), nullable=False
        )
        batch_op.drop_column("organisation_id")
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
    op.execute(
        "INSERT INTO letter_documents (letter_id, pdf, created_at) "
        "SELECT substr(b.id, 8), b.data, b.created_at FROM blobs b "
        "JOIN letters l ON l.id = substr(b.id, 8) WHERE b.id LIKE 'letter:%'"
    )
    op.drop_table("blobs")
    for table in ACTING_AS_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("acting_as")
    op.drop_table("client_subjects")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("roles", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    bind = op.get_bind()
    held: dict[str, set[str]] = {}
    for account_id, role in bind.execute(sa.text("SELECT account_id, role FROM staff_roles")):
        held.setdefault(account_id, set()).add(role)
    accounts = sa.table("accounts", sa.column("id", sa.String()), sa.column("roles", sa.JSON()))
    for account_id, roles in held.items():
        bind.execute(
            accounts.update().where(accounts.c.id == account_id).values(roles=sorted(roles))
        )
    with op.batch_alter_table("staff_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_roles_administration_id"))
        batch_op.drop_index(batch_op.f("ix_staff_roles_account_id"))
    op.drop_table("staff_roles")
