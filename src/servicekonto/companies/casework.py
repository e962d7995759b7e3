"""The Registrierungsstelle's desk (issue 12 item 3): what the staff pages and the staff API need
around `companies.review` — a case with its administration and what the viewer may do there,
who wrote a note or took a step, and a decision that sends the activation letter.

`review` scopes every read and write to the staff member's administrations; this module adds
no access of its own: each function first goes through a `review` function (NotFound outside
the scope) and only then looks up names.

Approval and the letter (issue 12 item 4): a complete approval (four-eyes off, or the second
officer's) queues the activation letter to the *business* address in the same transaction, in
the name of the responsible administration, whose dispatch staff then print it
(`/staff/letters`). A first approval under four-eyes sends nothing yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.companies import review
from servicekonto.companies.states import Action
from servicekonto.companies.views import (
    DecisionOutcome,
    OrganisationView,
    QueueEntry,
    StaffCase,
)
from servicekonto.db.models import Account, Administration, StaffRole
from servicekonto.db.models.staff import REGISTRATION_OFFICER, REGISTRATION_SUPERVISOR
from servicekonto.letters.organisation import queue_organisation_activation_letter
from servicekonto.security.passwords import PasswordHashing

__all__ = [
    "SUPERVISION",
    "Case",
    "administration_names",
    "administration_slugs",
    "decide_case",
    "emails_of",
    "open_case",
    "queue",
    "supervise",
]

#: The supervisors' actions by their form / API name.
SUPERVISION: Final = {
    "suspend": review.suspend,
    "reinstate": review.reinstate,
    "close": review.close,
}


@dataclass(frozen=True)
class Case:
    """One application as an officer or supervisor sees it."""

    case: StaffCase
    administration_slug: str
    administration_name: str
    #: The viewer is an officer of the responsible administration (start review, decide).
    may_decide: bool
    #: The viewer is a supervisor there (suspend, reinstate, close).
    may_supervise: bool
    #: Account id → e-mail address of everyone named in notes and history (staff only).
    people: dict[str, str]

    @property
    def organisation(self) -> OrganisationView:
        return self.case.organisation


def queue(
    db: Session, *, staff_id: str, now: datetime, states: tuple[str, ...] | None, search: str,
    limit: int, offset: int,
) -> tuple[list[QueueEntry], dict[str, str]]:
    """`review.review_queue` and the names of the administrations in it (id → name)."""
    entries = review.review_queue(
        db, staff_id=staff_id, now=now, states=states, search=search, limit=limit, offset=offset,
    )
    return entries, administration_names(db, {entry.administration_id for entry in entries})


def open_case(db: Session, *, staff_id: str, organisation_id: str) -> Case:
    """The case (NotFound outside the staff member's administrations) with names added."""
    case = review.get_for_staff(db, staff_id=staff_id, organisation_id=organisation_id)
    organisation = case.organisation
    administration = db.execute(
        select(Administration.slug, Administration.name).where(
            Administration.id == organisation.administration_id
        )
    ).one()
    held = set(
        db.scalars(
            select(StaffRole.role).where(
                StaffRole.account_id == staff_id,
                StaffRole.administration_id == organisation.administration_id,
            )
        )
    )
    named = {note.author_account_id for note in case.notes}
    named |= {step.actor_account_id for step in case.history}
    named |= {organisation.first_approval_by, organisation.applicant_account_id}
    people = emails_of(db, {account_id for account_id in named if account_id})
    return Case(
        case=case,
        administration_slug=administration.slug,
        administration_name=administration.name,
        may_decide=REGISTRATION_OFFICER in held,
        may_supervise=REGISTRATION_SUPERVISOR in held,
        people=people,
    )


def decide_case(
    db: Session, *, hashing: PasswordHashing, staff_id: str, organisation_id: str,
    decision: str, reason: str, now: datetime, issuer: str,
    expected_version: int | None = None, request_id: str = "",
) -> DecisionOutcome:
    """`review.decide`; a complete approval also queues the activation letter (module doc)."""
    outcome = review.decide(
        db, staff_id=staff_id, organisation_id=organisation_id, decision=decision,
        reason=reason, now=now, issuer=issuer, expected_version=expected_version,
        request_id=request_id,
    )
    if outcome.complete and outcome.action == Action.APPROVE.value:
        _send_activation_letter(db, hashing, staff_id, organisation_id, issuer, now)
    return outcome


def supervise(
    db: Session, *, action: str, staff_id: str, organisation_id: str, reason: str,
    now: datetime, request_id: str = "",
) -> OrganisationView:
    """suspend / reinstate / close by a supervisor of the responsible administration."""
    return SUPERVISION[action](
        db, staff_id=staff_id, organisation_id=organisation_id, reason=reason, now=now,
        request_id=request_id,
    )


def administration_names(db: Session, ids: set[str]) -> dict[str, str]:
    """Administration id → name."""
    if not ids:
        return {}
    rows = db.execute(select(Administration.id, Administration.name).where(
        Administration.id.in_(ids)
    )).all()
    return {administration_id: name for administration_id, name in rows}


def administration_slugs(db: Session, ids: set[str]) -> dict[str, str]:
    """Administration id → slug."""
    if not ids:
        return {}
    rows = db.execute(select(Administration.id, Administration.slug).where(
        Administration.id.in_(ids)
    )).all()
    return {administration_id: slug for administration_id, slug in rows}


def emails_of(db: Session, account_ids: set[str]) -> dict[str, str]:
    """Account id → e-mail address, for the staff views (officers name each other)."""
    if not account_ids:
        return {}
    rows = db.execute(
        select(Account.id, Account.email).where(Account.id.in_(account_ids))
    ).all()
    return {account_id: email for account_id, email in rows if email}


def _send_activation_letter(
    db: Session, hashing: PasswordHashing, staff_id: str, organisation_id: str, issuer: str,
    now: datetime,
) -> None:
    case = review.get_for_staff(db, staff_id=staff_id, organisation_id=organisation_id)
    organisation = case.organisation
    if organisation.applicant_account_id is None:
        return  # the applicant deleted their account: nobody could activate with the letter
    slug = db.scalar(
        select(Administration.slug).where(Administration.id == organisation.administration_id)
    )
    assert slug is not None
    queue_organisation_activation_letter(
        db,
        hashing=hashing,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        address_lines=[
            f"{organisation.street} {organisation.house_number}",
            f"{organisation.postal_code} {organisation.locality}",
        ],
        applicant_account_id=organisation.applicant_account_id,
        administration_slug=slug,
        issuer_url=issuer,
        now=now,
    )
