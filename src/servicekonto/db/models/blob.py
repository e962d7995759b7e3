"""Binary objects (letters' PDFs now; uploads, Postfach attachments and the safe later) in the
database, so every instance reaches them (DESIGN §5 blobs, §7: all state in the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime


class Blob(Base):
    __tablename__ = "blobs"

    #: Chosen by the owner (e.g. `letter:<letter id>`), so the owner finds it without a link row.
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
