"""An administration (tenant): a Kreis or one of its Verbandsgemeinden/Städte."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, new_id


class Administration(Base):
    __tablename__ = "administrations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("administrations.id"))
    postal_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Postal address lines (street, postal code + town) for letters sent in its name.
    address_lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Four-eyes for company registrations: an approval needs a second, different officer
    #: (set by the administration's `administration_admin`).
    four_eyes: Mapped[bool] = mapped_column(Boolean, default=False)
