"""Staff roles per administration: which account may do what for which administration.

One row per (account, administration, role); a citizen has none. The role names are constants
here so the domain packages that scope their queries (`db.scoping.restrict`) and the pages that
check a role use the same words.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base

#: The print shop's person: queued PIN letters of the administration, batch PDF, dispatched.
LETTER_DISPATCH = "letter_dispatch"
#: Registrierungsstelle: reviews the administration's company registrations and decides them.
REGISTRATION_OFFICER = "registration_officer"
#: Registrierungsstelle lead: sees the registrations, suspends, reinstates and closes
#: organisations (abuse, deletion from the register).
REGISTRATION_SUPERVISOR = "registration_supervisor"
#: Manages the administration's staff and settings (four-eyes for registrations).
ADMINISTRATION_ADMIN = "administration_admin"
#: Every role a staff member can hold, for input validation (CLI, admin pages).
STAFF_ROLES = (LETTER_DISPATCH, REGISTRATION_OFFICER, REGISTRATION_SUPERVISOR, ADMINISTRATION_ADMIN)


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("account_id", "administration_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    administration_id: Mapped[str] = mapped_column(
        ForeignKey("administrations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(32))
