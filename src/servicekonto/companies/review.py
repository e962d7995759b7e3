"""The Registrierungsstelle: review queue, cases, notes and decisions of *their* administration
(issue 12 item 3), and the supervisors' suspend / reinstate / close (item 7's first half).

Scoping: every query and every UPDATE here goes through `db.scoping.restrict`, so a staff member
sees and changes only organisations of administrations where they hold the role; another
administration's id answers NotFound, exactly like an id that does not exist (no 403 that would
confirm it exists).

Roles (`staff.service`): `registration_officer` reviews and decides; `registration_supervisor`
sees the same cases and suspends, reinstates and closes organisations; `administration_admin`
switches four-eyes on or off for its administration. Nobody decides on an organisation they
applied for or belong to (OwnApplication).

Decisions: approve, reject, request_info, each with a reason the applicant reads (page and
mail). With four-eyes on, the first approval records itself and leaves the state in_review; a
second, different officer completes it. Each decision is one conditional UPDATE on the state
and version read, so of two officers deciding at once exactly one wins; with the version the
page showed (`expected_version`) the other always gets ConcurrentDecision, whichever of them the
database let read first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.blobs.port import BlobStore
from servicekonto.companies import lifecycle, revocation
from servicekonto.companies.errors import (
    ConcurrentDecision,
    FieldProblem,
    FourEyesSameOfficer,
    InvalidOrganisation,
    OwnApplication,
    Problem,
)
from servicekonto.companies.legal_forms import legal_form, register_court
from servicekonto.companies.service import clean_reason, document_content, documents_of
from servicekonto.companies.states import AWAITING_STAFF, Action, State
from servicekonto.companies.views import (
    DecisionOutcome,
    DecisionView,
    DocumentContent,
    NoteView,
    OrganisationView,
    QueueEntry,
    StaffCase,
)
from servicekonto.db.models import (
    Account,
    Administration,
    Organisation,
    OrganisationDecision,
    OrganisationMember,
    OrganisationNote,
)
from servicekonto.db.models.staff import (
    ADMINISTRATION_ADMIN,
    REGISTRATION_OFFICER,
    REGISTRATION_SUPERVISOR,
)
from servicekonto.db.scoping import administration_ids, restrict
from servicekonto.errors import NotFound
from servicekonto.mail.service import queue_mail
from servicekonto.register.normalise import fold

__all__ = [
    "DECISIONS",
    "REVIEW_ROLES",
    "add_note",
    "close",
    "decide",
    "document_for_staff",
    "get_for_staff",
    "reinstate",
    "review_queue",
    "set_four_eyes",
    "set_four_eyes_as_operator",
    "start_review",
    "suspend",
]

#: Who sees the registrations of an administration.
REVIEW_ROLES: Final = (REGISTRATION_OFFICER, REGISTRATION_SUPERVISOR)
#: The staff decision form's `decision` values (DESIGN §9) and their actions.
DECISIONS: Final = {
    "approve": Action.APPROVE,
    "reject": Action.REJECT,
    "request_info": Action.REQUEST_INFO,
}
#: Queue page size cap.
MAX_QUEUE: Final = 200
_SECONDS_PER_DAY: Final = 86_400
_NUMBER_IN_TERM: Final = re.compile(r"([0-9]{1,6})(?:\s*([A-Za-z]{1,3})\b)?")


def review_queue(
    db: Session, *, staff_id: str, now: datetime, states: tuple[str, ...] | None = None,
    search: str = "", limit: int = 100, offset: int = 0,
) -> list[QueueEntry]:
    """The applications of the staff member's administrations, longest waiting first.
    `states` defaults to those waiting for staff (submitted, in_review); `search` matches the
    name (case, umlauts and accents ignored) or the register number."""
    wanted = states if states is not None else tuple(state.value for state in AWAITING_STAFF)
    if not set(wanted) <= {state.value for state in State}:
        raise InvalidOrganisation([FieldProblem("state", Problem.STATE_UNKNOWN)])
    statement = restrict(select(Organisation), staff=staff_id, role=REVIEW_ROLES).where(
        Organisation.state.in_(wanted)
    )
    term = search.strip()
    if term:
        clauses = [Organisation.name_key.contains(fold(term), autoescape=True)]
        number = _number_part(term)
        if number:
            clauses.append(Organisation.register_number.contains(number, autoescape=True))
        statement = statement.where(or_(*clauses))
    rows = db.scalars(
        statement.order_by(
            Organisation.submitted_at.asc(), Organisation.created_at, Organisation.id
        )
        .limit(max(1, min(limit, MAX_QUEUE)))
        .offset(max(0, offset))
    )
    return [_entry(row, now) for row in rows]


def get_for_staff(db: Session, *, staff_id: str, organisation_id: str) -> StaffCase:
    """One application with its documents, notes and history; NotFound outside the scope."""
    row = lifecycle.load_scoped(db, organisation_id, staff=staff_id, role=REVIEW_ROLES)
    notes = db.scalars(
        select(OrganisationNote)
        .where(OrganisationNote.organisation_id == row.id)
        .order_by(OrganisationNote.id)
    )
    history = db.scalars(
        select(OrganisationDecision)
        .where(OrganisationDecision.organisation_id == row.id)
        .order_by(OrganisationDecision.id)
    )
    return StaffCase(
        organisation=OrganisationView.of(row),
        documents=tuple(documents_of(db, row.id)),
        notes=tuple(NoteView.of(note) for note in notes),
        history=tuple(DecisionView.of(decision) for decision in history),
        four_eyes=_four_eyes(db, row.administration_id),
    )


def document_for_staff(
    db: Session, *, staff_id: str, organisation_id: str, document_id: str, store: BlobStore
) -> DocumentContent:
    """A document's bytes for viewing, opened from `store` (`blobs.stores.open_store`); NotFound
    outside the scope or for another organisation's document."""
    row = lifecycle.load_scoped(db, organisation_id, staff=staff_id, role=REVIEW_ROLES)
    return document_content(db, organisation_id=row.id, document_id=document_id, store=store)


def add_note(
    db: Session, *, staff_id: str, organisation_id: str, text: str, now: datetime,
    request_id: str = "",
) -> NoteView:
    """A note for the other officers (never shown to the applicant)."""
    row = lifecycle.load_scoped(db, organisation_id, staff=staff_id, role=REVIEW_ROLES)
    cleaned = clean_reason(text, field="text", required=Problem.TEXT_REQUIRED)
    assert cleaned is not None
    note = OrganisationNote(
        organisation_id=row.id, author_account_id=staff_id, text=cleaned, created_at=now
    )
    db.add(note)
    db.flush()
    record(
        db, at=now, event="organisation.note_added", actor=f"account:{staff_id}",
        subject=lifecycle.subject(row.id), details={"note": note.id}, request_id=request_id,
    )
    return NoteView.of(note)


def start_review(
    db: Session, *, staff_id: str, organisation_id: str, now: datetime, request_id: str = "",
) -> OrganisationView:
    """submitted → in_review: the officer takes the case (already in review: nothing to do)."""
    row = lifecycle.load_scoped(db, organisation_id, staff=staff_id, role=REGISTRATION_OFFICER)
    _not_own(db, row, staff_id)
    if row.state != State.IN_REVIEW:
        lifecycle.move(
            db, row=row, action=Action.START_REVIEW, actor=staff_id, now=now,
            scope=(staff_id, REGISTRATION_OFFICER), request_id=request_id,
        )
    return _view(db, row.id)


def decide(
    db: Session, *, staff_id: str, organisation_id: str, decision: str, reason: str,
    now: datetime, issuer: str, expected_version: int | None = None, request_id: str = "",
) -> DecisionOutcome:
    """Approve, reject or ask for more information, with a reason the applicant reads.

    Four-eyes on: the first approval records itself (state stays in_review, outcome not
    complete); a second, different officer's approval completes it (FourEyesSameOfficer for
    the same one). A reject or request_info ends a pending first approval. The applicant gets
    a mail for every complete decision.

    `expected_version`: the case's version as the officer's page showed it (`version` of the
    views); if the case changed since (another officer's decision, a first approval, the
    applicant's answer), ConcurrentDecision and nothing happens. Without it, the decision is
    taken on the case as read here, still in one conditional UPDATE."""
    action = DECISIONS.get(decision)
    if action is None:
        raise InvalidOrganisation([FieldProblem("decision", Problem.DECISION_UNKNOWN)])
    text = clean_reason(reason, field="reason", required=Problem.REASON_REQUIRED)
    row = lifecycle.load_scoped(db, organisation_id, staff=staff_id, role=REGISTRATION_OFFICER)
    _not_own(db, row, staff_id)
    if expected_version is not None and row.version != expected_version:
        raise ConcurrentDecision("the case changed since it was shown")
    seen_first = row.first_approval_by
    values: dict[str, object] = {}
    if action is Action.APPROVE:
        if _four_eyes(db, row.administration_id) and seen_first is None:
            action = Action.FIRST_APPROVAL
            values = {"first_approval_by": staff_id, "first_approval_at": now}
        elif seen_first == staff_id:
            raise FourEyesSameOfficer("a second, different officer must approve")
        else:
            values = {"approved_at": now}
    lifecycle.move(
        db, row=row, action=action, actor=staff_id, now=now, reason=text, values=values,
        scope=(staff_id, REGISTRATION_OFFICER), request_id=request_id,
    )
    after = _view(db, row.id)
    complete = action is not Action.FIRST_APPROVAL
    if complete:
        _tell_applicant(db, after, action=action, reason=text or "", issuer=issuer, now=now)
    return DecisionOutcome(
        organisation_id=row.id, action=action.value, state=after.state, complete=complete
    )


def suspend(
    db: Session, *, staff_id: str, organisation_id: str, reason: str, now: datetime,
    request_id: str = "",
) -> OrganisationView:
    """activated → suspended (abuse, doubts): nobody acts for it until reinstated; every grant
    acting for it is revoked at once (back-channel logout) and the members are told."""
    return _supervise(db, staff_id, organisation_id, Action.SUSPEND, reason, now, request_id)


def reinstate(
    db: Session, *, staff_id: str, organisation_id: str, reason: str, now: datetime,
    request_id: str = "",
) -> OrganisationView:
    return _supervise(db, staff_id, organisation_id, Action.REINSTATE, reason, now, request_id)


def close(
    db: Session, *, staff_id: str, organisation_id: str, reason: str, now: datetime,
    request_id: str = "",
) -> OrganisationView:
    """→ closed for good (deleted from the register); the register entry is free again. Every
    grant acting for it is revoked at once (back-channel logout) and the members are told."""
    return _supervise(db, staff_id, organisation_id, Action.CLOSE, reason, now, request_id)


def set_four_eyes(
    db: Session, *, staff_id: str, administration_slug: str, enabled: bool, now: datetime,
    request_id: str = "",
) -> None:
    """Switch four-eyes for the administration's registrations; only its administration_admin
    (NotFound for any other administration)."""
    administration_id = db.scalar(
        select(Administration.id).where(
            Administration.slug == administration_slug,
            Administration.id.in_(administration_ids(staff=staff_id, role=ADMINISTRATION_ADMIN)),
        )
    )
    if administration_id is None:
        raise NotFound("no such administration")
    db.execute(
        update(Administration)
        .where(Administration.id == administration_id)
        .values(four_eyes=enabled)
        .execution_options(synchronize_session=False)
    )
    _four_eyes_changed(db, administration_id, enabled, f"account:{staff_id}", now, request_id)


def set_four_eyes_as_operator(
    db: Session, *, administration_slug: str, enabled: bool, now: datetime, actor: str,
    request_id: str = "",
) -> bool:
    """The operator's switch (`servicekonto administrations four-eyes`, the demo seed), for any
    administration (NotFound for an unknown slug); `actor` names them in the audit log
    ("system:cli"). True when it changed: switching to the current setting changes nothing
    and is not audited, so scripts and the demo seed can repeat it."""
    administration_id = db.scalar(
        select(Administration.id).where(Administration.slug == administration_slug)
    )
    if administration_id is None:
        raise NotFound("no such administration")
    changed = db.execute(
        update(Administration)
        .where(Administration.id == administration_id, Administration.four_eyes.isnot(enabled))
        .values(four_eyes=enabled)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed:
        _four_eyes_changed(db, administration_id, enabled, actor, now, request_id)
    return bool(changed)


def _four_eyes_changed(
    db: Session, administration_id: str, enabled: bool, actor: str, now: datetime,
    request_id: str,
) -> None:
    record(
        db, at=now, event="administration.four_eyes_changed", actor=actor,
        subject=f"administration:{administration_id}", details={"enabled": enabled},
        request_id=request_id,
    )


def _supervise(
    db: Session, staff_id: str, organisation_id: str, action: Action, reason: str,
    now: datetime, request_id: str,
) -> OrganisationView:
    text = clean_reason(reason, field="reason", required=Problem.REASON_REQUIRED)
    row = lifecycle.load_scoped(db, organisation_id, staff=staff_id, role=REGISTRATION_SUPERVISOR)
    _not_own(db, row, staff_id)
    lifecycle.move(
        db, row=row, action=action, actor=staff_id, now=now, reason=text,
        scope=(staff_id, REGISTRATION_SUPERVISOR), request_id=request_id,
    )
    ended = _ENDS_ACTING.get(action)
    if ended is not None:
        revocation.revoke_acting(db, organisation_id=row.id, now=now, reason=ended)
        revocation.tell_members(db, organisation_id=row.id, name=row.name, reason_code=ended,
                                reason=text or "", now=now)
    return _view(db, row.id)


#: The supervisors' actions after which nobody acts for the organisation (issue 12 item 7).
_ENDS_ACTING: Final = {Action.SUSPEND: revocation.SUSPENDED, Action.CLOSE: revocation.CLOSED}


def _not_own(db: Session, row: Organisation, staff_id: str) -> None:
    member = db.scalar(
        select(OrganisationMember.id).where(
            OrganisationMember.organisation_id == row.id,
            OrganisationMember.account_id == staff_id,
        )
    )
    if row.applicant_account_id == staff_id or member is not None:
        raise OwnApplication("staff may not decide their own organisation")


def _four_eyes(db: Session, administration_id: str) -> bool:
    return bool(
        db.scalar(select(Administration.four_eyes).where(Administration.id == administration_id))
    )


def _view(db: Session, organisation_id: str) -> OrganisationView:
    row = lifecycle.load(db, organisation_id)
    assert row is not None
    return OrganisationView.of(row)


def _entry(row: Organisation, now: datetime) -> QueueEntry:
    waited = (now - row.submitted_at).total_seconds() if row.submitted_at else 0.0
    court = register_court(row.register_court) if row.register_court else None
    entry = (
        f"{court.display_name}, {row.register_type} {row.register_number}"
        if court and row.register_type else None
    )
    return QueueEntry(
        id=row.id,
        name=row.name,
        legal_form_name=legal_form(row.legal_form).name,
        register_entry=entry,
        state=row.state,
        version=row.version,
        administration_id=row.administration_id,
        submitted_at=row.submitted_at,
        days_waiting=max(0, int(waited // _SECONDS_PER_DAY)),
        awaiting_second_approval=row.first_approval_by is not None,
    )


def _number_part(term: str) -> str:
    """The register number in a search term, as stored: "HRB 1234 b" → "1234 B"."""
    found = _NUMBER_IN_TERM.search(term)
    if found is None:
        return ""
    return f"{found[1]} {found[2].upper()}" if found[2] else found[1]


_SUBJECTS: Final = {
    Action.APPROVE: "Ihr Unternehmenskonto ist genehmigt",
    Action.REJECT: "Ihr Antrag auf ein Unternehmenskonto ist abgelehnt",
    Action.REQUEST_INFO: "Rückfrage zu Ihrem Antrag auf ein Unternehmenskonto",
}
_OPENINGS: Final = {
    Action.APPROVE: (
        "die Registrierungsstelle hat Ihren Antrag für „{name}“ genehmigt. Wir senden einen "
        "Aktivierungsbrief an die Geschäftsadresse; mit dem Code darin aktivieren Sie das "
        "Unternehmenskonto."
    ),
    Action.REJECT: "die Registrierungsstelle hat Ihren Antrag für „{name}“ abgelehnt.",
    Action.REQUEST_INFO: (
        "die Registrierungsstelle braucht für Ihren Antrag für „{name}“ weitere Angaben oder "
        "Dokumente. Bitte antworten Sie im ServiceKonto."
    ),
}


def _tell_applicant(
    db: Session, organisation: OrganisationView, *, action: Action, reason: str, issuer: str,
    now: datetime,
) -> None:
    """The decision and its reason by mail (outbox, same transaction), if the applicant's
    account still exists and has an address."""
    if organisation.applicant_account_id is None:
        return
    email = db.scalar(
        select(Account.email).where(Account.id == organisation.applicant_account_id)
    )
    if not email:
        return
    body = (
        "Guten Tag,\n\n"
        + _OPENINGS[action].format(name=organisation.name)
        + "\n\nBegründung:\n\n"
        + reason
        + f"\n\nIhren Antrag sehen Sie hier:\n{issuer}/organizations/{organisation.id}\n\n"
        + "Ihr ServiceKonto\n"
    )
    queue_mail(db, to=email, subject=_SUBJECTS[action], body=body, now=now)
