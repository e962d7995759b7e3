"""A validated authorization request waiting for login, step-up or consent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime


class PendingAuthorization(Base):
    __tablename__ = "pending_authorizations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    login_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The user chose to go on without the voluntary (non-essential) higher level.
    step_up_declined: Mapped[bool] = mapped_column(Boolean, default=False)
