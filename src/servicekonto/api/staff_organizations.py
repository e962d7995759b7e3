"""The Registrierungsstelle's JSON API (issue 12 item 3; DESIGN §9 `GET /api/v1/staff/
organizations?state=…`, `POST /api/v1/staff/organizations/{id}/decision`): the review queue,
one case, its documents and notes, decisions, and the supervisors' suspend / reinstate / close.

Authentication: the staff person's *own* access token (authorization code flow) with scope
`staff` — never a client-credentials token. Like the staff pages it needs
* a login with a second factor bound to the person (`api.auth.staff_person`: the grant's
  `amr` and level: a bound authenticator app, the eID, or a level of substantial or
  high), else 403 `second_factor_required`;
* the role, read from the staff table on every request: `registration_officer` or
  `registration_supervisor` at some administration (403 `no_staff_role` otherwise); what a
  person sees and changes is scoped to the administrations where they hold it, so another
  administration's id answers 404 like one that does not exist.

Errors are problem+json (RFC 9457); a decision that lost a race (another officer decided first,
or the case changed since `version`) is 409 `decided_concurrently` or `illegal_transition`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from servicekonto.api.auth import staff_person
from servicekonto.api.organizations import OrganizationFields
from servicekonto.api.problems import problems
from servicekonto.companies import casework, review
from servicekonto.companies.views import DocumentView, OrganisationView
from servicekonto.errors import Forbidden
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.uploads import upload_place
from servicekonto.staff.service import roles_of

router = APIRouter(
    prefix="/api/v1/staff/organizations",
    tags=["staff: Registrierungsstelle"],
    # 422 on every route: a path parameter with a control character is refused before the
    # handler (web/input_guard.py), as problem+json; 400 for a body that does not parse
    responses=problems(400, 401, 403, 422),
)


class NoStaffRole(Forbidden):
    code = "no_staff_role"


def staff_member(account_id: Annotated[str, Depends(staff_person)], db: DbSession) -> str:
    """The account id of a registration officer or supervisor (module doc)."""
    held = {role for _slug, role in roles_of(db, account_id=account_id)}
    if not held & set(review.REVIEW_ROLES):
        db.commit()
        raise NoStaffRole("registration_officer or registration_supervisor role required")
    return account_id


Staff = Annotated[str, Depends(staff_member)]


class QueueEntryOut(BaseModel):
    id: str
    name: str
    legal_form: str
    register_entry: str | None
    state: str
    version: int
    administration: str
    submitted_at: datetime | None
    days_waiting: int
    awaiting_second_approval: bool


class OrganisationOut(OrganizationFields):
    version: int = Field(description="Send it back with a decision: a changed case is 409.")
    first_approval_by: str | None
    submitted_at: datetime | None
    approved_at: datetime | None
    activated_at: datetime | None

    @classmethod
    def of(cls, view: OrganisationView) -> OrganisationOut:
        # Every field is an attribute of the view (`register_entry` its property).
        return cls.model_validate(view, from_attributes=True)


# An application's document as the domain views it (`companies.views.DocumentView`), field for
# field, but for the organisation (the URL names it) and the uploader, with its download URL. A
# field added to the view joins the API unless excluded here (the committed openapi.json shows it).
@pydantic_dataclass(frozen=True)
class DocumentOut(DocumentView):
    organisation_id: Annotated[str, Field(exclude=True)]
    uploaded_by: Annotated[str | None, Field(exclude=True)]
    download_url: Annotated[
        str | None,
        Field(description="null once the file was deleted after the retention period "
              "(`file_removed_at`); the download then answers 410 `document_removed`."),
    ]


def _document_out(view: DocumentView) -> DocumentOut:
    link = f"{router.prefix}/{view.organisation_id}/documents/{view.id}"
    return DocumentOut(
        **asdict(view), download_url=None if view.file_removed_at is not None else link
    )


class NoteOut(BaseModel):
    id: int
    author: str | None
    text: str
    created_at: datetime


class StepOut(BaseModel):
    decision: str
    from_state: str
    to_state: str
    actor: str | None
    reason: str | None
    at: datetime


class CaseOut(BaseModel):
    organisation: OrganisationOut
    administration: str
    administration_name: str
    four_eyes: bool
    may_decide: bool
    may_supervise: bool
    documents: list[DocumentOut]
    notes: list[NoteOut]
    history: list[StepOut]


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=20_000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject", "request_info"]
    reason: str = Field(max_length=20_000)
    version: int | None = Field(
        default=None, description="The case's version as read; 409 if it changed since."
    )


class DecisionOut(BaseModel):
    organisation_id: str
    action: str = Field(description="approve, first_approval, reject or request_info")
    state: str
    complete: bool = Field(description="False for a first approval under four-eyes")


class SupervisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=20_000)


def _case(db: DbSession, staff: str, organisation_id: str) -> CaseOut:
    case = casework.open_case(db, staff_id=staff, organisation_id=organisation_id)
    people = case.people
    return CaseOut(
        organisation=OrganisationOut.of(case.organisation),
        administration=case.administration_slug,
        administration_name=case.administration_name,
        four_eyes=case.case.four_eyes,
        may_decide=case.may_decide,
        may_supervise=case.may_supervise,
        documents=[_document_out(d) for d in case.case.documents],
        notes=[
            NoteOut(id=n.id, author=people.get(n.author_account_id or ""), text=n.text,
                    created_at=n.created_at)
            for n in case.case.notes
        ],
        history=[
            StepOut(decision=s.decision, from_state=s.from_state, to_state=s.to_state,
                    actor=people.get(s.actor_account_id or ""), reason=s.reason, at=s.at)
            for s in case.case.history
        ],
    )


@router.get("", response_model=list[QueueEntryOut], responses=problems(422))
def queue(
    db: DbSession,
    staff: Staff,
    now: Now,
    state: Annotated[list[str] | None, Query(description="default: submitted, in_review")] = None,
    q: Annotated[str, Query(max_length=100, description="name or register number")] = "",
    limit: Annotated[int, Query(ge=1, le=review.MAX_QUEUE)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[QueueEntryOut]:
    """The applications of the caller's administrations, longest waiting first."""
    entries, _names = casework.queue(
        db, staff_id=staff, now=now, states=tuple(state) if state else None, search=q,
        limit=limit, offset=offset,
    )
    slugs = casework.administration_slugs(db, {e.administration_id for e in entries})
    db.commit()
    return [
        QueueEntryOut(
            id=e.id, name=e.name, legal_form=e.legal_form_name, register_entry=e.register_entry,
            state=e.state, version=e.version, administration=slugs.get(e.administration_id, ""),
            submitted_at=e.submitted_at, days_waiting=e.days_waiting,
            awaiting_second_approval=e.awaiting_second_approval,
        )
        for e in entries
    ]


@router.get("/{organisation_id}", response_model=CaseOut, responses=problems(404))
def get_case(organisation_id: str, db: DbSession, staff: Staff) -> CaseOut:
    found = _case(db, staff, organisation_id)
    db.commit()
    return found


@router.get(
    "/{organisation_id}/documents", response_model=list[DocumentOut], responses=problems(404)
)
def documents(organisation_id: str, db: DbSession, staff: Staff) -> list[DocumentOut]:
    case = review.get_for_staff(db, staff_id=staff, organisation_id=organisation_id)
    db.commit()
    return [_document_out(d) for d in case.documents]


@router.get(
    "/{organisation_id}/documents/{document_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
        **problems(404),
        410: {
            **problems(410)[410],
            "description": "The file was deleted after the decision and the appeal period "
            "(`document_removed`); the document's metadata stay",
        },
    },
)
def download(
    organisation_id: str, document_id: str, db: DbSession, staff: Staff, context: Context,
) -> Response:
    """The document's bytes, as an attachment with a sandboxing CSP; 410 `document_removed`
    once the retention job has deleted the file after the decision and the appeal period."""
    content = review.document_for_staff(
        db, staff_id=staff, organisation_id=organisation_id, document_id=document_id,
        store=upload_place(context.settings, db).store,
    )
    db.commit()
    return Response(
        content.data,
        media_type=content.document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{content.document.id}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "no-store",
        },
    )


@router.get("/{organisation_id}/notes", response_model=list[NoteOut], responses=problems(404))
def notes(organisation_id: str, db: DbSession, staff: Staff) -> list[NoteOut]:
    found = _case(db, staff, organisation_id).notes
    db.commit()
    return found


@router.post(
    "/{organisation_id}/notes",
    response_model=NoteOut,
    status_code=201,
    responses=problems(404, 422),
)
def add_note(
    organisation_id: str, body: NoteIn, request: Request, db: DbSession, staff: Staff, now: Now,
) -> NoteOut:
    """A note for the other officers (never shown to the applicant)."""
    note = review.add_note(
        db, staff_id=staff, organisation_id=organisation_id, text=body.text, now=now,
        request_id=request.state.request_id,
    )
    author = casework.emails_of(db, {staff}).get(staff)
    db.commit()
    return NoteOut(id=note.id, author=author, text=note.text, created_at=note.created_at)


@router.post(
    "/{organisation_id}/review",
    response_model=OrganisationOut,
    responses=problems(404, 409),
)
def start_review(
    organisation_id: str, request: Request, db: DbSession, staff: Staff, now: Now,
) -> OrganisationOut:
    """submitted → in_review: the officer takes the case (in review already: unchanged)."""
    view = review.start_review(
        db, staff_id=staff, organisation_id=organisation_id, now=now,
        request_id=request.state.request_id,
    )
    db.commit()
    return OrganisationOut.of(view)


@router.post(
    "/{organisation_id}/decision",
    response_model=DecisionOut,
    responses=problems(404, 409, 422),
)
def decide(
    organisation_id: str, body: DecisionIn, request: Request, db: DbSession, staff: Staff,
    now: Now, context: Context,
) -> DecisionOut:
    """Approve, reject or request more information, with a reason the applicant reads. Under
    four-eyes the first approval answers `first_approval` (complete false); a second, different
    officer completes it (409 `four_eyes_same_officer` for the same one). A complete approval
    queues the activation letter to the business address. 409 when another officer decided
    first or the case changed since `version`; 403 `own_application` for one's own."""
    outcome = casework.decide_case(
        db, hashing=context.hashing, staff_id=staff, organisation_id=organisation_id,
        decision=body.decision, reason=body.reason, now=now, issuer=context.issuer,
        expected_version=body.version, request_id=request.state.request_id,
    )
    db.commit()
    return DecisionOut(
        organisation_id=outcome.organisation_id, action=outcome.action, state=outcome.state,
        complete=outcome.complete,
    )


def _supervise(
    action: str, organisation_id: str, body: SupervisionIn, request: Request, db: DbSession,
    staff: str, now: datetime,
) -> OrganisationOut:
    view = casework.supervise(
        db, action=action, staff_id=staff, organisation_id=organisation_id, reason=body.reason,
        now=now, request_id=request.state.request_id,
    )
    db.commit()
    return OrganisationOut.of(view)


_SUPERVISION = {"response_model": OrganisationOut, "responses": problems(404, 409, 422)}


@router.post("/{organisation_id}/suspend", **_SUPERVISION)  # type: ignore[arg-type]
def suspend(
    organisation_id: str, body: SupervisionIn, request: Request, db: DbSession, staff: Staff,
    now: Now,
) -> OrganisationOut:
    """Supervisors: activated → suspended (abuse, doubts), with a reason."""
    return _supervise("suspend", organisation_id, body, request, db, staff, now)


@router.post("/{organisation_id}/reinstate", **_SUPERVISION)  # type: ignore[arg-type]
def reinstate(
    organisation_id: str, body: SupervisionIn, request: Request, db: DbSession, staff: Staff,
    now: Now,
) -> OrganisationOut:
    """Supervisors: suspended → activated, with a reason."""
    return _supervise("reinstate", organisation_id, body, request, db, staff, now)


@router.post("/{organisation_id}/close", **_SUPERVISION)  # type: ignore[arg-type]
def close(
    organisation_id: str, body: SupervisionIn, request: Request, db: DbSession, staff: Staff,
    now: Now,
) -> OrganisationOut:
    """Supervisors: approved, activated or suspended → closed for good (deleted from the
    register), with a reason."""
    return _supervise("close", organisation_id, body, request, db, staff, now)
