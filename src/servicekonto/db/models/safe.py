"""The Dokumentensafe (issue 13 item 4): a person's kept documents, the bytes they take up, and
the shares of one document with one client for one application.

What must hold under concurrency is the database's job (DESIGN §7):

* the quota: `safe_usage.used_bytes` only grows through one conditional UPDATE
  (`used_bytes + n <= quota`), so two parallel uploads cannot both pass the last free bytes;
* a share is fetched once: `fetched_at` is set by a conditional UPDATE (`fetched_at IS NULL`,
  not revoked, not expired, the named client);
* everything goes with the account (ON DELETE CASCADE); the blobs are removed by the erasure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id


class SafeDocument(Base):
    """A document in a person's safe; the bytes are in the blobs port (sealed) under `blob_id`.
    A copy from the Postfach has its own blob, so it outlives the message."""

    __tablename__ = "safe_documents"
    __table_args__ = (
        Index("ix_safe_documents_account_folder", "account_id", "folder", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    blob_id: Mapped[str] = mapped_column(String(80), unique=True)
    #: The checked display name (never used as a path).
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: One folder per document; "" is the top level.
    folder: Mapped[str] = mapped_column(String(60), default="")
    #: upload | postfach
    source: Mapped[str] = mapped_column(String(16))
    #: For a copy from the Postfach: sender and service of the message, shown as its origin.
    origin: Mapped[str | None] = mapped_column(String(512))
    #: low | substantial | high: the session level needed to open it (a copy keeps its
    #: message's level, DESIGN §4; own uploads are `low`).
    min_level: Mapped[str] = mapped_column(String(16))
    #: clean | skipped (`uploads.scan`)
    scan_status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafeUsage(Base):
    """The bytes a person's safe holds (module doc: grows only by a conditional UPDATE)."""

    __tablename__ = "safe_usage"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class SafeShare(Base):
    """One document shared with one client for one application, fetched at most once."""

    __tablename__ = "safe_shares"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("safe_documents.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
