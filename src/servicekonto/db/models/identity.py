"""E-mail confirmation tokens and the evidence behind verified identity attributes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id


class EmailToken(Base):
    """A single-use link token (e-mail verification, password reset, e-mail change); only its
    digest is kept. An e-mail change keeps the new address here until its link is used."""

    __tablename__ = "email_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_email: Mapped[str | None] = mapped_column(String(254))


class IdentityEvidence(Base):
    """How an identity was verified: register match + activated PIN letter (later: eID).

    Released as OpenID Connect for Identity Assurance `evidence`; ids only, no personal data.
    """

    __tablename__ = "identity_evidence"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    register_record_id: Mapped[str | None] = mapped_column(String(64))
    letter_id: Mapped[str | None] = mapped_column(String(32))
    #: eID: document type, issuing state and expiry (no personal data).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
