"""Staff roles per administration: grant, check, and list (table `staff_roles`).

What a staff member may *see* is scoped in the query itself (`servicekonto.db.scoping.restrict`);
these functions answer the coarser questions: may this account open the view at all, is it staff.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from servicekonto.db.models import Administration, StaffRole
from servicekonto.db.models.staff import (
    ADMINISTRATION_ADMIN,
    LETTER_DISPATCH,
    REGISTRATION_OFFICER,
    REGISTRATION_SUPERVISOR,
    STAFF_ROLES,
)
from servicekonto.errors import NotFound

__all__ = [
    "ADMINISTRATION_ADMIN",
    "LETTER_DISPATCH",
    "REGISTRATION_OFFICER",
    "REGISTRATION_SUPERVISOR",
    "STAFF_ROLES",
    "grant",
    "has_role",
    "is_staff",
    "roles_of",
]


def grant(db: Session, *, account_id: str, administration_slug: str, role: str) -> None:
    """Give the account `role` for the administration; a role already held stays as it is."""
    administration_id = db.scalar(
        select(Administration.id).where(Administration.slug == administration_slug)
    )
    if administration_id is None:
        raise NotFound("no administration with this slug")
    held = db.scalar(
        select(StaffRole.id).where(
            StaffRole.account_id == account_id,
            StaffRole.administration_id == administration_id,
            StaffRole.role == role,
        )
    )
    if held is None:
        db.add(StaffRole(account_id=account_id, administration_id=administration_id, role=role))
        db.flush()


def has_role(db: Session, *, account_id: str, role: str) -> bool:
    """Whether the account holds `role` for at least one administration."""
    return bool(
        db.scalar(
            select(exists().where(StaffRole.account_id == account_id, StaffRole.role == role))
        )
    )


def is_staff(db: Session, *, account_id: str) -> bool:
    """Whether the account holds any role anywhere (staff accounts are managed by their
    administrators, not by the clean-up of abandoned sign-ups)."""
    return bool(db.scalar(select(exists().where(StaffRole.account_id == account_id))))


def roles_of(db: Session, *, account_id: str) -> list[tuple[str, str]]:
    """(administration slug, role) pairs of the account, sorted."""
    rows = db.execute(
        select(Administration.slug, StaffRole.role)
        .join(Administration, Administration.id == StaffRole.administration_id)
        .where(StaffRole.account_id == account_id)
        .order_by(Administration.slug, StaffRole.role)
    ).all()
    return [(slug, role) for slug, role in rows]
