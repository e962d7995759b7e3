"""Company registration, the applicant's pages (issue 12 items 2 and 4; DESIGN §5, §9).

* `/organizations` — "Meine Organisationen": applications with their state, days waiting, the
  Registrierungsstelle's reasons, and activated organisations (their pages are `/organizations/
  {id}`, the members' area);
* `/organizations/new` — the registration form with its founding documents (multipart, the
  upload routes' own body cap, `http.uploads`); every field problem next to its field, the
  typed values kept; all or nothing (`companies.service.apply`);
* `/organizations/applications/{id}` — state, timeline with the officers' reasons, the own
  documents (download as attachment under a sandboxing CSP), and the answer to a request;
* `/organizations/activate` — the activation letter's code, by the applicant only;
* `/organizations/revoke` — the Widerrufscode with the letter's reference, without login: one
  generic answer, limited per IP.

The texts of the domain's problem codes come from `web.company_texts`, those of upload refusals
from `web.upload_messages`, both in the page's language (gettext catalogs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.companies import service
from servicekonto.companies.errors import (
    ApplicationRefused,
    DocumentRemoved,
    IllegalTransition,
    InvalidOrganisation,
    OutsideRegion,
    RegisterEntryTaken,
    ResponsibilityUnclear,
    TooManyApplications,
)
from servicekonto.companies.legal_forms import KINDS, LEGAL_FORMS, REGISTER_COURTS, REGISTER_TYPES
from servicekonto.companies.schemas import OrganisationForm
from servicekonto.companies.states import State
from servicekonto.companies.views import DecisionView, OrganisationView
from servicekonto.errors import NotFound
from servicekonto.http.browser import SignedInSession
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import rate_limit
from servicekonto.http.refusals import PageRefused
from servicekonto.http.uploads import PostedUpload, upload_place
from servicekonto.uploads.errors import UploadRefused
from servicekonto.web.company_texts import company_message
from servicekonto.web.pages import locale, render, see_other
from servicekonto.web.upload_messages import upload_error_message

router = APIRouter(include_in_schema=False)

#: The registration form's fields in page order (DESIGN §9 names).
FIELDS = (
    "name", "kind", "legal_form", "register_type", "register_number", "register_court",
    "trade_authority", "trade_registered_on", "tax_number", "vat_id",
    "street", "house_number", "postal_code", "locality",
)
#: How many document rows the form offers (each: type and file input `documents`, multiple).
DOCUMENT_ROWS = 3
#: Where an error without a field of its own is shown.
FIELD_OF_ERROR: Mapping[type[Exception], str] = {
    OutsideRegion: "postal_code",
    ResponsibilityUnclear: "postal_code",
    RegisterEntryTaken: "register_number",
}
NOTICES = {
    "submitted": "organizations.notice.submitted",
    "supplemented": "organizations.notice.supplemented",
    "activated": "organizations.notice.activated",
}


def _choices() -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "legal_forms": [(form.code, form.name) for form in LEGAL_FORMS],
        "register_types": REGISTER_TYPES,
        "courts": [(court.code, court.display_name) for court in REGISTER_COURTS],
        "doc_types": service.DOC_TYPES,
        "rows_of_documents": range(1, DOCUMENT_ROWS + 1),
        "max_files": 5,
    }


def _waiting_days(organisation: OrganisationView, now: datetime) -> int | None:
    waiting = {State.SUBMITTED, State.IN_REVIEW}
    if organisation.state not in waiting or organisation.submitted_at is None:
        return None
    submitted = organisation.submitted_at
    if submitted.tzinfo is None:
        submitted = submitted.replace(tzinfo=now.tzinfo)
    return max(0, (now - submitted).days)


def _latest_reason(history: Sequence[DecisionView]) -> str | None:
    """The Registrierungsstelle's last reason (a request, rejection or approval)."""
    for step in reversed(history):
        if step.actor_account_id is not None and step.reason and step.decision in (
            "request_info", "reject", "approve", "suspend", "close"
        ):
            return step.reason
    return None


@router.get("/organizations")
def overview(request: Request, db: DbSession, session: SignedInSession, now: Now) -> Response:
    organisations = service.list_for_applicant(db, applicant_id=session.account_id)
    names = service.administration_names(db, {o.administration_id for o in organisations})
    rows = []
    for organisation in organisations:
        history = service.history_for_applicant(
            db, applicant_id=session.account_id, organisation_id=organisation.id
        )
        rows.append({
            "organisation": organisation,
            "administration": names.get(organisation.administration_id, ""),
            "waiting": _waiting_days(organisation, now),
            "reason": _latest_reason(history),
            "link": f"/organizations/applications/{organisation.id}",
            "active_link": f"/organizations/{organisation.id}"
            if organisation.state in (State.ACTIVATED, State.SUSPENDED) else None,
        })
    db.commit()
    return render(request, "organizations/overview.html", rows=rows,
                  notice=NOTICES.get(request.query_params.get("notice", "")))


@router.get("/organizations/new")
def new_form(request: Request, session: SignedInSession, db: DbSession) -> Response:
    db.commit()
    return _form_page(request, values={}, errors={})


def _form_page(
    request: Request, *, values: Mapping[str, str], errors: Mapping[str, str],
    summary: str | None = None, status: int = 200,
) -> Response:
    return render(
        request, "organizations/new.html", status=status, action="/organizations/new",
        values=values, errors=errors, summary=summary, **_choices(),
    )


def _field_errors(exc: Exception, request: Request) -> dict[str, str]:
    """field → message (in the page's language) of everything wrong with the application."""
    errors: dict[str, str] = {}
    language = locale(request)
    problems = exc.problems if isinstance(exc, ApplicationRefused | InvalidOrganisation) else ()
    for problem in problems:
        errors.setdefault(problem.field, company_message(language, problem.code.value))
    upload = exc.upload if isinstance(exc, ApplicationRefused) else exc
    if isinstance(upload, UploadRefused):
        errors["documents"] = upload_error_message(language, upload)
    for kind, field in FIELD_OF_ERROR.items():
        if isinstance(exc, kind):
            errors[field] = company_message(language, getattr(exc, "code", ""))
    return errors


def _status(exc: Exception) -> int:
    """A refused file alone keeps its own status (413 too large or too many, 415 wrong type);
    anything with field problems is 422."""
    upload = exc.upload if isinstance(exc, ApplicationRefused) and not exc.problems else exc
    return upload.status if isinstance(upload, UploadRefused) else 422


@router.post("/organizations/new")
def submit(
    request: Request, posted: PostedUpload, db: DbSession, session: SignedInSession,
    context: Context, now: Now,
) -> Response:
    values = {name: posted.fields.get(name, "") for name in FIELDS}
    # It stores files and runs the malware scan: limited per IP like every costly form.
    db.commit()
    rate_limit(request, "organisation_apply")
    place = upload_place(context.settings, db)
    try:
        created = service.apply(
            db, applicant_id=session.account_id, form=OrganisationForm(**values),
            uploads=posted.uploads, store=place.store, scanner=place.scanner,
            scan_required=place.scan_required, now=now, request_id=request.state.request_id,
        )
    except (ApplicationRefused, UploadRefused, OutsideRegion, ResponsibilityUnclear,
            RegisterEntryTaken) as exc:
        db.rollback()  # nothing of the request stays: no row, no blob
        return _form_page(request, values=values, errors=_field_errors(exc, request),
                          status=_status(exc))
    except TooManyApplications as exc:
        db.rollback()
        summary = company_message(locale(request), exc.code)
        return _form_page(request, values=values, errors={}, summary=summary, status=409)
    except Exception:
        db.rollback()
        raise
    db.commit()
    return see_other(f"/organizations/applications/{created.id}?notice=submitted")


def _application_page(
    request: Request, db: DbSession, *, account_id: str, organisation_id: str,
    errors: Mapping[str, str] | None = None, answer: str = "", status: int = 200,
    notice: str | None = None,
) -> Response:
    organisation = service.get_for_applicant(
        db, applicant_id=account_id, organisation_id=organisation_id
    )
    history = service.history_for_applicant(
        db, applicant_id=account_id, organisation_id=organisation_id
    )
    documents = service.documents_for_applicant(
        db, applicant_id=account_id, organisation_id=organisation_id
    )
    names = service.administration_names(db, {organisation.administration_id})
    base = f"/organizations/applications/{organisation.id}"
    return render(
        request, "organizations/application.html", status=status,
        organisation=organisation,
        administration=names.get(organisation.administration_id, ""),
        history=history,
        reason=_latest_reason(history),
        documents=[
            # No link once the retention job deleted the file (the row stays).
            {"document": document,
             "link": None if document.file_removed_at else f"{base}/documents/{document.id}"}
            for document in documents
        ],
        supplement_action=f"{base}/supplement"
        if organisation.state == State.INFO_REQUESTED else None,
        activate_link=f"/organizations/activate?organisation={organisation.id}"
        if organisation.state == State.APPROVED else None,
        active_link=f"/organizations/{organisation.id}"
        if organisation.state in (State.ACTIVATED, State.SUSPENDED) else None,
        errors=errors or {}, answer=answer, notice=notice, **_choices(),
    )


@router.get("/organizations/applications/{organisation_id}")
def application(
    organisation_id: str, request: Request, db: DbSession, session: SignedInSession
) -> Response:
    response = _application_page(
        request, db, account_id=session.account_id, organisation_id=organisation_id[:64],
        notice=NOTICES.get(request.query_params.get("notice", "")),
    )
    db.commit()
    return response


@router.get("/organizations/applications/{organisation_id}/documents/{document_id}")
def download(
    organisation_id: str, document_id: str, db: DbSession, session: SignedInSession,
    context: Context,
) -> Response:
    """The applicant's own document, never shown inline: an attachment under a CSP sandbox,
    named by us (the uploaded name only in `filename*`, for the person's download folder)."""
    try:
        content = service.document_for_applicant(
            db, applicant_id=session.account_id, organisation_id=organisation_id[:64],
            document_id=document_id[:64], store=upload_place(context.settings, db).store,
        )
    except DocumentRemoved as exc:
        raise PageRefused(
            exc.description, status=exc.status, title_key="review.document_removed_title",
            message_key="review.document_removed",
        ) from exc
    db.commit()
    document = content.document
    extension = {"application/pdf": "pdf", "image/png": "png"}.get(document.content_type, "jpg")
    fallback = f"dokument-{document.id[:8]}.{extension}"
    return Response(
        content.data,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; "
            f"filename*=UTF-8''{quote(document.original_filename, safe='')}",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "no-store",
        },
    )


@router.post("/organizations/applications/{organisation_id}/supplement")
def supplement(
    organisation_id: str, request: Request, posted: PostedUpload, db: DbSession,
    session: SignedInSession, context: Context, now: Now,
) -> Response:
    answer = posted.fields.get("answer", "")
    db.commit()
    rate_limit(request, "organisation_apply")
    place = upload_place(context.settings, db)
    try:
        service.answer_request(
            db, applicant_id=session.account_id, organisation_id=organisation_id[:64],
            answer=answer, uploads=posted.uploads, store=place.store, scanner=place.scanner,
            scan_required=place.scan_required, now=now, request_id=request.state.request_id,
        )
    except (ApplicationRefused, UploadRefused) as exc:
        db.rollback()
        response = _application_page(
            request, db, account_id=session.account_id, organisation_id=organisation_id[:64],
            errors=_field_errors(exc, request), answer=answer, status=_status(exc),
        )
        db.commit()
        return response
    except Exception:
        db.rollback()
        raise
    db.commit()
    return see_other(f"/organizations/applications/{organisation_id[:64]}?notice=supplemented")


# -- activation letter ---------------------------------------------------------------------------


def _approved(db: DbSession, account_id: str) -> list[OrganisationView]:
    return [
        organisation for organisation in service.list_for_applicant(db, applicant_id=account_id)
        if organisation.state == State.APPROVED
    ]


def _activation_page(
    request: Request, db: DbSession, account_id: str, *, chosen: str = "",
    error: str | None = None, status: int = 200,
) -> Response:
    approved = _approved(db, account_id)
    return render(
        request, "organizations/activate.html", status=status, approved=approved,
        chosen=chosen or (approved[0].id if approved else ""), error=error,
    )


@router.get("/organizations/activate")
def activate_form(request: Request, db: DbSession, session: SignedInSession) -> Response:
    response = _activation_page(
        request, db, session.account_id,
        chosen=request.query_params.get("organisation", "")[:64],
    )
    db.commit()
    return response


@router.post("/organizations/activate")
def activate(
    request: Request, form: PostedForm, db: DbSession, session: SignedInSession,
    context: Context, now: Now,
) -> Response:
    """Only the applicant activates: for anyone else the organisation is not theirs (NotFound
    before a code is checked, so a stranger costs the letter no attempt), and the page says who
    may. Attempts are the letter's (3, `letters.organisation`), and per IP on top."""
    organisation_id = form.get("organisation", "")[:64]
    code = form.get("activation_code", "")
    db.commit()
    rate_limit(request, "organisation_activate")
    try:
        activated = service.activate_with_letter(
            db, hashing=context.hashing, account_id=session.account_id,
            organisation_id=organisation_id, code=code, now=now,
            request_id=request.state.request_id,
        )
    except NotFound:
        db.rollback()
        return _activation_page(request, db, session.account_id,
                                error="organizations.activate.not_applicant", status=403)
    except IllegalTransition:
        db.rollback()
        return _activation_page(request, db, session.account_id, chosen=organisation_id,
                                error="organizations.activate.not_approved", status=409)
    except Exception:
        db.rollback()
        raise
    if activated is None:
        db.commit()  # the used attempt (committed by the letters module already) and nothing else
        return _activation_page(request, db, session.account_id, chosen=organisation_id,
                                error="organizations.activate.wrong_code", status=422)
    db.commit()
    return see_other(f"/organizations/applications/{activated.id}?notice=activated")


@router.get("/organizations/revoke")
def revoke_form(request: Request) -> Response:
    return render(request, "organizations/revoke.html", values={}, done=False, failed=False)


@router.post("/organizations/revoke")
def revoke(
    request: Request, form: PostedForm, db: DbSession, context: Context, now: Now
) -> Response:
    """No login: whoever holds the letter. Limited per IP before any hash; one generic answer
    for every failure, so the page tells nothing about references or codes."""
    rate_limit(request, "organisation_revoke")
    reference = form.get("reference", "")[:64]
    code = form.get("revocation_code", "")[:64]
    try:
        blocked = service.revoke_with_letter(
            db, hashing=context.hashing, reference=reference, code=code, now=now,
            request_id=request.state.request_id,
        )
    except Exception:
        db.rollback()
        raise
    db.commit()
    if not blocked:
        return render(request, "organizations/revoke.html", status=422,
                      values={"reference": reference}, done=False, failed=True)
    return render(request, "organizations/revoke.html", values={}, done=True, failed=False)
