"""Whose Postfach a request reads: the person's own, or an organisation's (issue 13 item 3).

An organisation's Postfach is read by its members with a role its admins grant: admins always,
other members once an admin made them readers (`postfach_readers`, one row per membership).
The check runs on every call against the current rows, so a member who is removed (the
membership row goes, and its reader row with it) or loses the admin role loses access at once.
A person who is not a member gets NotFound, as for an organisation that does not exist; a
member without the right, NoPostfachAccess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.db.models import (
    ApplicationStatus,
    OrganisationMember,
    PostfachMessage,
    PostfachReader,
)
from servicekonto.errors import NotFound
from servicekonto.postfach.errors import NoPostfachAccess, NotOrganisationAdmin

#: The organisation role that always reads its Postfach (`companies.members.ADMIN`; postfach
#: and companies are siblings in layer 4 and do not import each other).
ADMIN = "admin"


@dataclass(frozen=True)
class Box:
    """A Postfach: `account_id` alone is a person's own; with `organisation_id` it is that
    organisation's, read by the member `account_id`."""

    account_id: str
    organisation_id: str | None = None

    def owns(self) -> ColumnElement[bool]:
        """SQL: the message belongs to this Postfach."""
        if self.organisation_id is not None:
            return PostfachMessage.organisation_id == self.organisation_id
        return PostfachMessage.account_id == self.account_id

    def owns_status(self) -> ColumnElement[bool]:
        """SQL: the status update belongs to this Postfach."""
        if self.organisation_id is not None:
            return ApplicationStatus.organisation_id == self.organisation_id
        return ApplicationStatus.account_id == self.account_id

    @property
    def audit_subject(self) -> str:
        if self.organisation_id is not None:
            return f"organisation:{self.organisation_id}"
        return f"account:{self.account_id}"


def personal(account_id: str) -> Box:
    return Box(account_id)


def _membership(db: Session, account_id: str, organisation_id: str) -> OrganisationMember:
    member = db.scalar(
        select(OrganisationMember).where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.account_id == account_id,
        )
    )
    if member is None:
        raise NotFound("no such organisation")
    return member


def organisation_box(db: Session, *, account_id: str, organisation_id: str) -> Box:
    """The organisation's Postfach for this member, or the error that says why not."""
    member = _membership(db, account_id, organisation_id)
    if member.role != ADMIN and db.get(PostfachReader, member.id) is None:
        raise NoPostfachAccess("this member may not read the organisation's Postfach")
    return Box(account_id, organisation_id)


def may_read(db: Session, *, account_id: str, organisation_id: str) -> bool:
    """Whether the person may read the organisation's Postfach (for pages deciding what to
    offer); never raises."""
    try:
        organisation_box(db, account_id=account_id, organisation_id=organisation_id)
    except (NotFound, NoPostfachAccess):
        return False
    return True


def _admin(db: Session, account_id: str, organisation_id: str) -> None:
    if _membership(db, account_id, organisation_id).role != ADMIN:
        raise NotOrganisationAdmin("only the organisation's admins decide this")


def set_reader(
    db: Session,
    *,
    admin_account_id: str,
    organisation_id: str,
    member_account_id: str,
    allowed: bool,
    now: datetime,
    request_id: str = "",
) -> bool:
    """Grant or withdraw a member's right to read the organisation's Postfach; True when that
    changed something. Only admins decide; the member must belong to the organisation."""
    _admin(db, admin_account_id, organisation_id)
    member = _membership(db, member_account_id, organisation_id)
    current = db.get(PostfachReader, member.id)
    if allowed == (current is not None):
        return False
    if allowed:
        try:
            with db.begin_nested():
                db.add(PostfachReader(member_id=member.id, granted_by=admin_account_id,
                                      granted_at=now))
        except IntegrityError:
            return False  # granted by another admin at the same moment
    else:
        db.delete(current)
        db.flush()
    record(db, at=now, event="postfach.reader_granted" if allowed else "postfach.reader_revoked",
           actor=f"account:{admin_account_id}", subject=f"organisation:{organisation_id}",
           details={"member": member_account_id}, request_id=request_id)
    return True


def readers(db: Session, *, admin_account_id: str, organisation_id: str) -> list[str]:
    """Account ids of the members allowed to read besides the admins (for the admins)."""
    _admin(db, admin_account_id, organisation_id)
    return list(db.scalars(
        select(OrganisationMember.account_id)
        .join(PostfachReader, PostfachReader.member_id == OrganisationMember.id)
        .where(OrganisationMember.organisation_id == organisation_id)
        .order_by(OrganisationMember.account_id)
    ))


def require_admin(db: Session, *, account_id: str, organisation_id: str) -> None:
    """NotFound for a non-member, NotOrganisationAdmin for a member who is not an admin."""
    _admin(db, account_id, organisation_id)
