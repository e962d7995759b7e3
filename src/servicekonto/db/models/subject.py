"""The subject identifier each client knows for an account (OIDC Core §8), stored.

`sub` is pairwise (an HMAC of sector and account id, `oidc.pairwise`) and cannot be reversed; with
this table a client's `sub` finds its person in one indexed lookup (client_id, subject) — for
the Postfach and company features, which receive a `sub` from the client. Written when a grant
is made; rows of grants made before the table existed are filled at the person's next login with
that client (the migration cannot derive them: that needs the server's secret).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base


class ClientSubject(Base):
    __tablename__ = "client_subjects"
    __table_args__ = (UniqueConstraint("client_id", "subject"),)

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(255))
