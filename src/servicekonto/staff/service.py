"""Staff roles per administration: grant, check, and list (table `staff_roles`).

What a staff member may *see* is scoped in the query itself (`servicekonto.db.scoping.restrict`);
these functions answer the coarser questions: may this account open the view at all, is it staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from servicekonto.db.models import Account, Administration, StaffRole
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
    "AdministrationView",
    "StaffMember",
    "administration_id_of",
    "administrations",
    "grant",
    "has_role",
    "is_staff",
    "revoke",
    "roles_of",
    "staff_members",
]


@dataclass(frozen=True)
class StaffMember:
    """One role of one account at one administration (a row of `staff list`)."""

    account_id: str
    email: str | None
    administration: str
    role: str


@dataclass(frozen=True)
class AdministrationView:
    slug: str
    name: str
    kind: str
    parent: str | None
    four_eyes: bool


def administrations(db: Session) -> list[AdministrationView]:
    """Every administration (tenant) with its parent's slug, by slug."""
    rows = list(db.scalars(select(Administration).order_by(Administration.slug)))
    slugs = {row.id: row.slug for row in rows}
    return [
        AdministrationView(
            slug=row.slug, name=row.name, kind=row.kind,
            parent=slugs.get(row.parent_id) if row.parent_id else None,
            four_eyes=bool(row.four_eyes),
        )
        for row in rows
    ]


def administration_id_of(db: Session, slug: str) -> str:
    """The administration's id; NotFound for an unknown slug."""
    administration_id = db.scalar(select(Administration.id).where(Administration.slug == slug))
    if administration_id is None:
        raise NotFound("no administration with this slug")
    return administration_id


def grant(db: Session, *, account_id: str, administration_slug: str, role: str) -> bool:
    """Give the account `role` for the administration; a role already held stays as it is.
    True when the role is new."""
    administration_id = administration_id_of(db, administration_slug)
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
        return True
    return False


def revoke(db: Session, *, account_id: str, administration_slug: str, role: str) -> bool:
    """Take `role` for the administration from the account; True when it held it. Takes effect
    at the account's next request: every staff view asks the table, nothing is cached."""
    administration_id = administration_id_of(db, administration_slug)
    removed = db.execute(
        delete(StaffRole)
        .where(
            StaffRole.account_id == account_id,
            StaffRole.administration_id == administration_id,
            StaffRole.role == role,
        )
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(removed)


def staff_members(db: Session, *, administration_slug: str | None = None) -> list[StaffMember]:
    """Every role held, or those at one administration (NotFound for an unknown slug), sorted
    by administration, e-mail address and role."""
    statement = (
        select(StaffRole.account_id, Account.email, Administration.slug, StaffRole.role)
        .join(Account, Account.id == StaffRole.account_id)
        .join(Administration, Administration.id == StaffRole.administration_id)
        .order_by(Administration.slug, Account.email, StaffRole.role, StaffRole.account_id)
    )
    if administration_slug is not None:
        statement = statement.where(
            Administration.id == administration_id_of(db, administration_slug)
        )
    return [
        StaffMember(account_id=account_id, email=email, administration=slug, role=role)
        for account_id, email, slug, role in db.execute(statement).all()
    ]


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
