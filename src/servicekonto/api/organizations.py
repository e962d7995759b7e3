"""JSON API of company registration, the applicant's side (issue 12 item 2; DESIGN §9).

`POST /api/v1/organizations` takes the registration form's fields and the founding documents as
`multipart/form-data` (`documents`, repeated; each `doc_type` field applies to the files after
it, `http.uploads`), and submits the application at once — all or nothing, as the page does.
`GET /api/v1/organizations` and `GET /api/v1/organizations/{id}` show the caller's own
applications only; any other id is 404. The bearer token is the person's own access token with
scope `account` (as the account self-service API), never a client-credentials token.

Errors are problem details (RFC 9457). A refused application is 422 `invalid_application` with
`problems`: one entry per field (`field`, `code`, `detail`), the refused file as field
`documents` with the upload refusal's code; a refused file alone keeps its own status (413 too
large or too many files, 415 wrong type, 422 content).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from servicekonto.api.auth import require_scope
from servicekonto.api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA, problems
from servicekonto.companies import service
from servicekonto.companies.errors import ApplicationRefused
from servicekonto.companies.schemas import OrganisationForm
from servicekonto.companies.views import DecisionView, DocumentView, OrganisationView
from servicekonto.errors import Forbidden, InvalidInput
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.limits import rate_limit
from servicekonto.http.uploads import UPLOAD_BODY_LIMIT, UploadBody, upload_place
from servicekonto.uploads.errors import UploadRefused

router = APIRouter(prefix="/api/v1", tags=["organizations"])
AccountToken = Annotated[Principal, Depends(require_scope("account"))]

FIELDS = tuple(OrganisationForm.model_fields)


class Step(BaseModel):
    """One step of the application's history, with the Registrierungsstelle's reason."""

    action: str
    from_state: str
    to_state: str
    reason: str | None
    at: datetime


class Document(BaseModel):
    id: str
    doc_type: str
    filename: str
    content_type: str
    size: int
    sha256: str
    scan_status: str
    uploaded_at: datetime


class OrganizationFields(BaseModel):
    """What the applicant's and the staff API both say of an organisation (`OrganisationView`'s
    attributes of the same names)."""

    id: str
    name: str
    kind: str
    legal_form: str
    legal_form_name: str
    register_type: str | None
    register_number: str | None
    register_court: str | None
    register_entry: str | None
    trade_authority: str | None
    trade_registered_on: date | None
    tax_number: str | None
    vat_id: str | None
    street: str
    house_number: str
    postal_code: str
    locality: str
    state: str


class Organization(OrganizationFields):
    #: The administration whose Registrierungsstelle reviews it (from the business address).
    administration: str
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    activated_at: datetime | None


class OrganizationDetail(Organization):
    history: list[Step]
    documents: list[Document]


class OrganizationList(BaseModel):
    organizations: list[Organization]


def _person(principal: Principal) -> str:
    if principal.account_id is None:
        raise Forbidden("a token of the account holder is required")
    return principal.account_id


def _organization(view: OrganisationView, administration: str) -> dict[str, Any]:
    return {
        **{name: getattr(view, name) for name in Organization.model_fields
           if name not in ("administration", "register_entry")},
        "register_entry": view.register_entry,
        "administration": administration,
    }


def _detail(db: DbSession, account_id: str, organisation_id: str) -> OrganizationDetail:
    view = service.get_for_applicant(db, applicant_id=account_id, organisation_id=organisation_id)
    history = service.history_for_applicant(
        db, applicant_id=account_id, organisation_id=organisation_id
    )
    documents = service.documents_for_applicant(
        db, applicant_id=account_id, organisation_id=organisation_id
    )
    names = service.administration_names(db, {view.administration_id})
    return OrganizationDetail(
        **_organization(view, names.get(view.administration_id, "")),
        history=[_step(step) for step in history],
        documents=[_document(document) for document in documents],
    )


def _step(step: DecisionView) -> Step:
    return Step(action=step.decision, from_state=step.from_state, to_state=step.to_state,
                reason=step.reason, at=step.at)


def _document(document: DocumentView) -> Document:
    return Document(
        id=document.id, doc_type=document.doc_type, filename=document.original_filename,
        content_type=document.content_type, size=document.size, sha256=document.sha256,
        scan_status=document.scan_status, uploaded_at=document.uploaded_at,
    )


def refused(exc: ApplicationRefused) -> JSONResponse:
    """422 problem details listing every field problem and the refused file."""
    listed: list[dict[str, str]] = [
        {"field": p.field, "code": p.code.value, "detail": p.code.value.replace("_", " ")}
        for p in exc.problems
    ]
    if exc.upload is not None:
        listed.append({"field": "documents", "code": exc.upload.code,
                       "detail": exc.upload.description})
    return JSONResponse(
        {"type": "about:blank", "title": exc.code, "status": 422, "detail": exc.description,
         "problems": listed},
        status_code=422,
        media_type=PROBLEM_MEDIA_TYPE,
    )


_TEXT = {"type": "string"}
_MULTIPART_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["name", "kind", "legal_form", "street", "house_number",
                             "postal_code", "locality", "documents"],
                "properties": {
                    **{name: _TEXT for name in FIELDS},
                    "doc_type": {
                        "type": "array",
                        "items": {"type": "string", "enum": list(service.DOC_TYPES)},
                        "description": "the type of the documents sent after it",
                    },
                    "documents": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "maxItems": 5,
                        "description": "PDF, PNG or JPEG, at most 10 MB each; the whole "
                        f"request at most {UPLOAD_BODY_LIMIT} bytes",
                    },
                },
            },
            "encoding": {"documents": {"contentType": "application/pdf, image/png, image/jpeg"}},
        }
    },
}
_PROBLEMS_413_415: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
    }
    for status, description in (
        (413, "A file over 10 MB, more than 5 files, or a request body over the upload cap"),
        (415, "A file that is not PDF, PNG or JPEG, or whose extension does not match"),
    )
}


@router.post(
    "/organizations",
    response_model=OrganizationDetail,
    status_code=201,
    responses={**problems(400, 401, 403, 409, 422, 429, 503), **_PROBLEMS_413_415},
    openapi_extra={"requestBody": _MULTIPART_BODY},
)
def apply(
    request: Request, body: UploadBody, db: DbSession, principal: AccountToken,
    context: Context, now: Now,
) -> Any:
    """Register an organisation with its founding documents and submit it for review."""
    account_id = _person(principal)
    unknown = sorted({name for name, _ in body.fields.pairs} - {*FIELDS, "doc_type"})
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(unknown)[:200]}")
    db.commit()
    rate_limit(request, "organisation_apply")
    place = upload_place(context.settings, db)
    try:
        created = service.apply(
            db, applicant_id=account_id,
            form=OrganisationForm(**{name: body.fields.get(name, "") for name in FIELDS}),
            uploads=body.uploads, store=place.store, scanner=place.scanner,
            scan_required=place.scan_required, now=now, request_id=request.state.request_id,
        )
    except ApplicationRefused as exc:
        db.rollback()
        if exc.upload is not None and not exc.problems:
            raise exc.upload from None  # its own status: 413, 415 or 422
        return refused(exc)
    except (UploadRefused, Exception):
        db.rollback()
        raise
    db.commit()
    detail = _detail(db, account_id, created.id)
    return JSONResponse(
        detail.model_dump(mode="json"), status_code=201,
        headers={"Location": f"/api/v1/organizations/{created.id}"},
    )


@router.get(
    "/organizations", response_model=OrganizationList, responses=problems(401, 403)
)
def list_own(db: DbSession, principal: AccountToken) -> OrganizationList:
    """The caller's applications and organisations, newest first."""
    account_id = _person(principal)
    views = service.list_for_applicant(db, applicant_id=account_id)
    names = service.administration_names(db, {view.administration_id for view in views})
    return OrganizationList(organizations=[
        Organization(**_organization(view, names.get(view.administration_id, "")))
        for view in views
    ])


@router.get(
    "/organizations/{organization_id}",
    response_model=OrganizationDetail,
    responses=problems(401, 403, 404, 422),
)
def get_own(organization_id: str, db: DbSession, principal: AccountToken) -> OrganizationDetail:
    """One of the caller's applications with its history and documents; 404 for any other."""
    return _detail(db, _person(principal), organization_id[:64])
