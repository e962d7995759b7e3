"""An administration's own staff management by its `administration_admin` (issue 12 item 3: "staff
roles per administration … managed by CLI, JSON API and an administration-admin page").

The operator's functions (`staffing`) act on any administration by slug; these check first that
the acting account is `administration_admin` *of that administration*, and answer NotFound for
every other one (the same answer as for a slug that does not exist: no oracle across tenants).
Page and API share them, so both refuse the same things:

* an admin cannot take the `administration_admin` role from themselves (`OwnAdminRole`): that
  would lock the administration out of its own staff management until the operator steps in;
* removing a role the account does not hold there is NotFound (an account id of another
  administration looks exactly like an unknown one).

New accounts come from `staffing.add_staff`: a one-time password and a bound authenticator app,
shown once to the admin who hands them over (as the CLI shows them to the operator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.companies import review, staffing
from servicekonto.companies.staffing import StaffGrant
from servicekonto.errors import Conflict, NotFound
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.sealing import Sealer
from servicekonto.staff.service import (
    ADMINISTRATION_ADMIN,
    STAFF_ROLES,
    StaffMember,
    administration_id_of,
    administrations,
    revoke,
    roles_of,
    staff_members,
)

__all__ = [
    "STAFF_ROLES",
    "AdministeredAdministration",
    "OwnAdminRole",
    "StaffGrant",
    "StaffMember",
    "add",
    "administered_by",
    "remove",
    "set_four_eyes",
    "staff_of",
]


class OwnAdminRole(Conflict):
    """An administration admin tried to take their own `administration_admin` role."""

    code = "own_admin_role"


@dataclass(frozen=True)
class AdministeredAdministration:
    slug: str
    name: str
    four_eyes: bool


def administered_by(db: Session, *, admin_id: str) -> list[AdministeredAdministration]:
    """The administrations where the account is `administration_admin`, by slug."""
    held = roles_of(db, account_id=admin_id)
    slugs = {slug for slug, role in held if role == ADMINISTRATION_ADMIN}
    return [
        AdministeredAdministration(slug=view.slug, name=view.name, four_eyes=view.four_eyes)
        for view in administrations(db)
        if view.slug in slugs
    ]


def staff_of(db: Session, *, admin_id: str, administration_slug: str) -> list[StaffMember]:
    """Every role held at the administration (NotFound unless the account administers it)."""
    _require(db, admin_id, administration_slug)
    return staff_members(db, administration_slug=administration_slug)


def add(
    db: Session, *, admin_id: str, administration_slug: str, email: str, role: str,
    hashing: PasswordHashing, sealer: Sealer, now: datetime,
) -> StaffGrant:
    """Give the account with `email` the role here (creating the account when there is none;
    `staffing.add_staff`). UnknownRole, EmailMalformed; NotFound for another administration."""
    _require(db, admin_id, administration_slug)
    return staffing.add_staff(
        db, email=email, administration_slug=administration_slug, role=role, hashing=hashing,
        sealer=sealer, now=now, actor=f"account:{admin_id}",
    )


def remove(
    db: Session, *, admin_id: str, administration_slug: str, account_id: str, role: str,
    now: datetime, request_id: str = "",
) -> None:
    """Take `role` here from the account. NotFound for another administration, an unknown
    role or a role the account does not hold here; OwnAdminRole for one's own admin role."""
    administration_id = _require(db, admin_id, administration_slug)
    if role not in STAFF_ROLES:
        raise NotFound("no such staff role")
    if account_id == admin_id and role == ADMINISTRATION_ADMIN:
        raise OwnAdminRole("administration admins cannot take their own admin role")
    if not revoke(db, account_id=account_id, administration_slug=administration_slug, role=role):
        raise NotFound("the account holds no such role at this administration")
    record(
        db, at=now, event="staff.role_revoked", actor=f"account:{admin_id}",
        subject=f"account:{account_id}",
        details={"administration": administration_id, "role": role}, request_id=request_id,
    )


def set_four_eyes(
    db: Session, *, admin_id: str, administration_slug: str, enabled: bool, now: datetime,
    request_id: str = "",
) -> None:
    """Four-eyes on or off (`review.set_four_eyes`, which checks the role itself)."""
    review.set_four_eyes(
        db, staff_id=admin_id, administration_slug=administration_slug, enabled=enabled,
        now=now, request_id=request_id,
    )


def _require(db: Session, admin_id: str, administration_slug: str) -> str:
    """The administration's id if `admin_id` is its administration_admin; else NotFound."""
    held = (administration_slug, ADMINISTRATION_ADMIN) in roles_of(db, account_id=admin_id)
    if not held:
        raise NotFound("no such administration")
    return administration_id_of(db, administration_slug)

