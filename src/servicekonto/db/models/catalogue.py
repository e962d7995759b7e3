"""The service catalogue (issue 13 item 5): online services per administration, and the
favourites people mark among them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id


class CatalogueService(Base):
    """An online service of one administration (a Kreis or a Verbandsgemeinde)."""

    __tablename__ = "catalogue_services"
    # One name per administration, so the demo seed and `catalogue add` stay idempotent.
    __table_args__ = (UniqueConstraint("administration_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    administration_id: Mapped[str] = mapped_column(
        ForeignKey("administrations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: An https link to the service.
    url: Mapped[str] = mapped_column(String(2000))
    #: low | substantial | high: the level the service asks for.
    min_level: Mapped[str] = mapped_column(String(16))
    #: The LeiKa key (Leistungsschlüssel, 14 digits) where known.
    leika_key: Mapped[str | None] = mapped_column(String(14))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Favourite(Base):
    """A service a person marked as favourite; goes with either."""

    __tablename__ = "favourites"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(
        ForeignKey("catalogue_services.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
