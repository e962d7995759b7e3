"""Server-side browser sessions (DESIGN §7) and the clients each session signed into."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime


class BrowserSession(Base):
    __tablename__ = "browser_sessions"

    #: SHA-256 of the cookie value; the cookie value itself is never stored.
    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Public session id for `sid` claims and back-channel logout (OIDC Front/Back-Channel Logout).
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(16))
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The Befugnis chosen in this session (issue 12): an organisation id, "self" for an explicit
    #: personal choice, NULL when nobody asked yet (the person acts personally).
    #: No foreign key: the column came before the organisations table.
    acting_as: Mapped[str | None] = mapped_column(String(32))


class SessionClient(Base):
    __tablename__ = "session_clients"

    session_sid: Mapped[str] = mapped_column(
        ForeignKey("browser_sessions.sid", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
