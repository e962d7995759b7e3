"""The Registrierungsstelle's pages (issue 12 item 3): the review queue of the staff member's own
administrations, one case with its documents, notes and history, and the officers' decisions and
the supervisors' suspend / reinstate / close.

Who: `registration_officer` or `registration_supervisor` of some administration, with a bound
second factor in the session (`http.staff`, as the dispatch view). Every read and write goes
through `companies.review`, which scopes it to the administrations where the person holds the
role: another administration's case answers 404, exactly like an id that does not exist.

Decisions carry the case's `version` as the page showed it: if another officer decided (or the
applicant answered) meanwhile, the page says so (409) instead of deciding on a case the officer
has not seen. Documents are sent as attachments with a sandboxing CSP; images may also be shown
inline from a same-origin URL (`…/view`), with the same CSP.
"""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekonto.accounts.means import SecondFactor
from servicekonto.companies import casework, review
from servicekonto.companies.errors import (
    ConcurrentDecision,
    DocumentRemoved,
    FourEyesSameOfficer,
    IllegalTransition,
    InvalidOrganisation,
    OwnApplication,
)
from servicekonto.companies.review import REVIEW_ROLES
from servicekonto.companies.states import AWAITING_STAFF, State
from servicekonto.companies.views import DocumentContent
from servicekonto.errors import NotFound
from servicekonto.http.context import AppContext, Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.refusals import PageRefused
from servicekonto.http.staff import StaffMember, staff_with_role
from servicekonto.http.uploads import upload_place
from servicekonto.web.pages import error_page, render, see_other
from servicekonto.web.routes.account import with_next

router = APIRouter(include_in_schema=False)

VIEW: Final = "/staff/organizations"
#: Rows per queue page.
PAGE_SIZE: Final = 25
#: The queue filter's values: the states waiting for staff (default), every state, or one.
WAITING, EVERY = "waiting", "all"
STATES: Final = tuple(state.value for state in State if state is not State.DRAFT)
#: Longest search term taken from the query (a name or a register number).
MAX_SEARCH: Final = 100
#: Images a browser may show inline (`…/view`); PDFs are only ever downloaded.
INLINE_TYPES: Final = frozenset({"image/png", "image/jpeg"})
#: A document is not a page: no script, no plugin, no request, no navigation (sandbox). The
#: edge middleware adds the site's own CSP and `nosniff` as well; browsers enforce every CSP
#: header a response carries, so the stricter one here holds.
DOCUMENT_HEADERS: Final = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}
#: The notice after a redirect, by `?notice=`.
NOTICES: Final = {
    "note": "review.notice.note",
    "review": "review.notice.review",
    "approve": "review.notice.approve",
    "first_approval": "review.notice.first_approval",
    "reject": "review.notice.reject",
    "request_info": "review.notice.request_info",
    "suspend": "review.notice.suspend",
    "reinstate": "review.notice.reinstate",
    "close": "review.notice.close",
}


def _second_factor_refused(app: SecondFactor) -> PageRefused:
    """403 with the way on (as the dispatch view): enter the bound app's code, confirm an
    unbound app, or set one up."""
    if app == "bound":
        text, action = "review.second_factor.text", (
            with_next("/login/otp", VIEW), "dispatch.second_factor.enter_code"
        )
    elif app == "unbound":
        text, action = "review.second_factor.unbound", (
            "/account/security", "dispatch.unbound.action"
        )
    else:
        text, action = "review.second_factor.enrol", (
            "/account/security/totp", "dispatch.second_factor.enrol"
        )
    return PageRefused(
        "no bound second factor in this session",
        status=403,
        title_key="dispatch.second_factor.title",
        message_key=text,
        action=action,
    )


#: An officer or supervisor with a bound second factor in this session.
Officer = Annotated[
    StaffMember,
    Depends(staff_with_role(REVIEW_ROLES, view=VIEW, second_factor=_second_factor_refused)),
]


def _states(value: str) -> tuple[str, ...] | None:
    if value == EVERY:
        return STATES
    if value in STATES:
        return (value,)
    return None  # `waiting` and anything else: what waits for staff


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < len(value) < 6 and int(value) > 0 else 1


@router.get(VIEW)
def queue_view(request: Request, db: DbSession, staff: Officer, now: Now) -> Response:
    params = request.query_params
    state = params.get("state", WAITING)
    state = state if state in (WAITING, EVERY, *STATES) else WAITING
    search = " ".join(params.get("q", "").split())[:MAX_SEARCH]
    page = _page_number(params.get("page", "1"))
    entries, names = casework.queue(
        db, staff_id=staff.account_id, now=now, states=_states(state), search=search,
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
    )
    db.commit()

    def page_url(number: int) -> str:
        query = {"state": "" if state == WAITING else state, "q": search,
                 "page": str(number) if number > 1 else ""}
        encoded = urlencode({k: v for k, v in query.items() if v})
        return f"{VIEW}?{encoded}" if encoded else VIEW

    return render(
        request,
        "staff/organizations.html",
        entries=entries[:PAGE_SIZE],
        administrations=names,
        state=state,
        states=STATES,
        waiting_states=[s.value for s in AWAITING_STAFF],
        search=search,
        page=page,
        previous_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if len(entries) > PAGE_SIZE else None,
    )


def _case_page(
    request: Request, db: DbSession, staff: StaffMember, organisation_id: str, *,
    status: int = 200, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
) -> Response:
    case = casework.open_case(db, staff_id=staff.account_id, organisation_id=organisation_id)
    db.commit()
    organisation = case.organisation
    base = f"{VIEW}/{quote(organisation.id)}"
    return render(
        request,
        "staff/organization.html",
        status=status,
        case=case,
        organisation=organisation,
        me=staff.account_id,
        base=base,
        notice=NOTICES.get(request.query_params.get("notice", "")),
        errors=errors or {},
        typed=typed or {},
        inline_types=INLINE_TYPES,
        reviewable=organisation.state in {s.value for s in AWAITING_STAFF},
        startable=organisation.state == State.SUBMITTED.value,
        supervision=_supervision_actions(organisation.state),
    )


def _supervision_actions(state: str) -> list[str]:
    """The supervisors' buttons the state allows."""
    return {
        State.ACTIVATED.value: ["suspend", "close"],
        State.SUSPENDED.value: ["reinstate", "close"],
        State.APPROVED.value: ["close"],
    }.get(state, [])


@router.get(VIEW + "/{organisation_id}")
def case_view(organisation_id: str, request: Request, db: DbSession, staff: Officer) -> Response:
    return _case_page(request, db, staff, organisation_id)


def _document(
    db: DbSession, staff: StaffMember, organisation_id: str, document_id: str,
    context: AppContext,
) -> DocumentContent:
    try:
        found = review.document_for_staff(
            db, staff_id=staff.account_id, organisation_id=organisation_id,
            document_id=document_id, store=upload_place(context.settings, db).store,
        )
    except DocumentRemoved as exc:
        # 410 with its own page: the file went after the appeal period, the case stays.
        raise PageRefused(
            exc.description, status=exc.status, title_key="review.document_removed_title",
            message_key="review.document_removed",
            action=(f"{VIEW}/{quote(organisation_id)}", "review.back_to_case"),
        ) from exc
    db.commit()
    return found


def _file_name(content: DocumentContent) -> str:
    """Our own name for the file (never the uploaded one, which is shown on the page only)."""
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        content.document.content_type, "bin"
    )
    return f"{content.document.doc_type}-{content.document.id}.{extension}"


@router.get(VIEW + "/{organisation_id}/documents/{document_id}")
def download(
    organisation_id: str, document_id: str, db: DbSession, staff: Officer, context: Context,
) -> Response:
    content = _document(db, staff, organisation_id, document_id, context)
    return Response(
        content.data,
        media_type=content.document.content_type,
        headers={
            **DOCUMENT_HEADERS,
            "Content-Disposition": f'attachment; filename="{_file_name(content)}"',
        },
    )


@router.get(VIEW + "/{organisation_id}/documents/{document_id}/view")
def view_image(
    organisation_id: str, document_id: str, db: DbSession, staff: Officer, context: Context,
) -> Response:
    """An image inline (the case page shows it); anything else is only downloaded."""
    content = _document(db, staff, organisation_id, document_id, context)
    if content.document.content_type not in INLINE_TYPES:
        raise NotFound("only images are shown inline")
    return Response(
        content.data,
        media_type=content.document.content_type,
        headers={
            **DOCUMENT_HEADERS,
            "Content-Disposition": f'inline; filename="{_file_name(content)}"',
        },
    )


def _after(organisation_id: str, notice: str) -> Response:
    return see_other(f"{VIEW}/{quote(organisation_id)}?notice={notice}")


def _field_errors(exc: InvalidOrganisation) -> dict[str, str]:
    return {problem.field: f"review.error.{problem.code.value}" for problem in exc.problems}


#: The German page of a decision that could not be taken, by error type.
_REFUSALS: Final[dict[type[Exception], tuple[str, str]]] = {
    ConcurrentDecision: ("review.refused.concurrent_title", "review.refused.concurrent"),
    IllegalTransition: ("review.refused.concurrent_title", "review.refused.state"),
    FourEyesSameOfficer: ("review.refused.four_eyes_title", "review.refused.four_eyes"),
    OwnApplication: ("review.refused.own_title", "review.refused.own"),
}


def _refused(request: Request, organisation_id: str, exc: Exception) -> Response:
    """A decision refused because of the case, not the form: the page says why and leads back
    to the case as it is now."""
    title, message = next(
        keys for kind, keys in _REFUSALS.items() if isinstance(exc, kind)
    )
    status = 403 if isinstance(exc, OwnApplication) else 409
    return error_page(
        request, status=status, title_key=title, message_key=message,
        action=(f"{VIEW}/{quote(organisation_id)}", "review.back_to_case"),
    )


_CASE_ERRORS = tuple(_REFUSALS)


def _version(form: dict[str, str]) -> int | None:
    value = form.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post(VIEW + "/{organisation_id}/notes")
def add_note(
    organisation_id: str, request: Request, form: PostedForm, db: DbSession, staff: Officer,
    now: Now,
) -> Response:
    text = form.get("text", "")
    try:
        review.add_note(
            db, staff_id=staff.account_id, organisation_id=organisation_id, text=text, now=now,
            request_id=request.state.request_id,
        )
    except InvalidOrganisation as exc:
        db.rollback()
        return _case_page(request, db, staff, organisation_id, status=422,
                          errors=_field_errors(exc), typed={"note": text})
    db.commit()
    return _after(organisation_id, "note")


@router.post(VIEW + "/{organisation_id}/review")
def start_review(
    organisation_id: str, request: Request, form: PostedForm, db: DbSession, staff: Officer,
    now: Now,
) -> Response:
    try:
        review.start_review(
            db, staff_id=staff.account_id, organisation_id=organisation_id, now=now,
            request_id=request.state.request_id,
        )
    except _CASE_ERRORS as exc:
        db.rollback()
        return _refused(request, organisation_id, exc)
    db.commit()
    return _after(organisation_id, "review")


@router.post(VIEW + "/{organisation_id}/decision")
def decide(
    organisation_id: str, request: Request, form: PostedForm, db: DbSession, staff: Officer,
    now: Now, context: Context,
) -> Response:
    decision, reason = form.get("decision", ""), form.get("reason", "")
    try:
        outcome = casework.decide_case(
            db, hashing=context.hashing, staff_id=staff.account_id,
            organisation_id=organisation_id, decision=decision, reason=reason, now=now,
            issuer=context.issuer, expected_version=_version(form),
            request_id=request.state.request_id,
        )
    except InvalidOrganisation as exc:
        db.rollback()
        return _case_page(request, db, staff, organisation_id, status=422,
                          errors=_field_errors(exc),
                          typed={"decision": decision, "reason": reason})
    except _CASE_ERRORS as exc:
        db.rollback()
        return _refused(request, organisation_id, exc)
    db.commit()
    return _after(organisation_id, outcome.action)


@router.post(VIEW + "/{organisation_id}/supervision")
def supervise(
    organisation_id: str, request: Request, form: PostedForm, db: DbSession, staff: Officer,
    now: Now,
) -> Response:
    action, reason = form.get("action", ""), form.get("reason", "")
    if action not in casework.SUPERVISION:
        return _case_page(request, db, staff, organisation_id, status=422,
                          errors={"action": "review.error.action_unknown"},
                          typed={"supervision_reason": reason})
    try:
        casework.supervise(
            db, action=action, staff_id=staff.account_id, organisation_id=organisation_id,
            reason=reason, now=now, request_id=request.state.request_id,
        )
    except InvalidOrganisation as exc:
        db.rollback()
        errors = {("supervision_reason" if k == "reason" else k): v
                  for k, v in _field_errors(exc).items()}
        return _case_page(request, db, staff, organisation_id, status=422, errors=errors,
                          typed={"supervision_reason": reason})
    except _CASE_ERRORS as exc:
        db.rollback()
        return _refused(request, organisation_id, exc)
    db.commit()
    return _after(organisation_id, action)
