"""PIN letters: a one-time activation code sent by post to the civil-register address (DESIGN §5).

Only the argon2id hash of the code is stored (DESIGN §6 #11, checklist L-01). "One pending letter
per account" is a database rule, not a Python check (DESIGN §7): `pending_account_id` carries the
account id while the letter is queued or dispatched and NULL otherwise, and a plain UNIQUE
constraint on it works the same on SQLite and PostgreSQL (NULLs never collide), where a partial
unique index would need dialect-specific DDL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id

#: Statuses in which a letter is still usable; exactly these carry `pending_account_id`.
PENDING_STATUSES = ("queued", "dispatched")


class Letter(Base):
    __tablename__ = "letters"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    #: Set to `account_id` while the letter is pending, NULL otherwise; UNIQUE: one pending letter.
    pending_account_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="pin")
    #: queued | dispatched | activated | void | expired
    status: Mapped[str] = mapped_column(String(16), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The register person the letter goes to (the default), or NULL for a letter to
    #: `organisation_id`'s business address; exactly one of the two is set.
    register_record_id: Mapped[str | None] = mapped_column(String(64))
    #: The organisation whose business address the letter goes to (company accounts).
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    administration_slug: Mapped[str | None] = mapped_column(String(64))
    #: {"lines": [...], "name", "street_line", "postal_code", "locality"}: the register
    #: record's address, or the organisation's business address.
    recipient: Mapped[dict[str, Any]] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
