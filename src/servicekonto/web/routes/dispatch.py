"""The dispatch view for staff with role `letter_dispatch`: queued PIN letters, one batch PDF,
mark as dispatched. Staff log in like everyone else; the role is checked on every request.

The view hands out readable activation codes, so a password alone is not enough (issue 15 item
5): the session must carry a *bound* second factor (`accounts.means.second_factor_state`, checked
with the role by `http.staff`). `otp` in `amr` is not proof: whoever holds a staff password can
enrol an authenticator of their own, which stays unbound (`accounts.means` module doc) yet adds
`otp`. A password-only staff session gets a page that sends it to enter the code or to set up the
app; one with only an unbound app gets a page that says how to confirm (bind) it. Not logged in:
the login, which returns here (`next`). No role: "Kein Zugriff" (403).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekonto.accounts.means import SecondFactor
from servicekonto.audit.service import record
from servicekonto.errors import InvalidInput, NotFound, ServiceKontoError
from servicekonto.http.context import Now
from servicekonto.http.database import DbSession
from servicekonto.http.forms import Form, posted_form
from servicekonto.http.refusals import PageRefused
from servicekonto.http.staff import StaffMember, staff_with_role
from servicekonto.letters import service
from servicekonto.letters.service import LetterUnreadable
from servicekonto.web.pages import error_page, render, see_other
from servicekonto.web.routes.account import STAFF_ROLE as ROLE
from servicekonto.web.routes.account import STAFF_VIEW as VIEW
from servicekonto.web.routes.account import with_next

router = APIRouter(include_in_schema=False)


def _second_factor_refused(app: SecondFactor) -> PageRefused:
    """403 with the way on, by the account's app: enter the bound app's code; confirm (bind) an
    unbound app on the security page after an eID login (its code would not help); or set an
    app up first."""
    if app == "bound":
        title, text = "dispatch.second_factor.title", "dispatch.second_factor.text"
        action = (with_next("/login/otp", VIEW), "dispatch.second_factor.enter_code")
    elif app == "unbound":
        title, text = "dispatch.unbound.title", "dispatch.unbound.text"
        action = ("/account/security", "dispatch.unbound.action")
    else:
        title, text = "dispatch.second_factor.title", "dispatch.second_factor.enrol_text"
        action = ("/account/security/totp", "dispatch.second_factor.enrol")
    return PageRefused(
        "no bound second factor in this session",
        status=403,
        title_key=title,
        message_key=text,
        action=action,
    )


#: A dispatcher with a bound second factor in this session (`http.staff`).
Dispatcher = Annotated[
    StaffMember,
    Depends(staff_with_role(ROLE, view=VIEW, second_factor=_second_factor_refused)),
]


def _administration_name(summary: service.LetterSummary) -> str:
    return summary.administration_name or summary.administration_slug or ""


#: The kind of letter as the view names it (an i18n key per `Letter.kind`).
_KIND_KEYS = {
    service.PIN: "dispatch.kind.pin",
    service.ORG_ACTIVATION: "dispatch.kind.org_activation",
}


@router.get(VIEW)
def dispatch_view(request: Request, db: DbSession, staff: Dispatcher, now: Now) -> Response:
    letters = service.list_queued(db, now=now, staff=staff.account_id)
    db.commit()
    return render(
        request,
        "staff/letters_dispatch.html",
        export_action="/staff/letters/export",
        dispatch_action="/staff/letters/dispatch",
        letters=[
            {
                "id": s.letter_id,
                "reference": s.reference,
                "created_at": s.created_at,
                "valid_until": s.valid_until,
                "administration": _administration_name(s),
                "kind_key": _KIND_KEYS.get(s.kind, "dispatch.kind.pin"),
                "recipient_lines": s.recipient_lines,
            }
            for s in letters
        ],
    )


def _audit(
    request: Request,
    db: DbSession,
    *,
    staff: StaffMember,
    now: datetime,
    event: str,
    letters: int | None = None,
    letter_ids: list[str] | None = None,
) -> None:
    """Ids only: the export names the letters it handed out (issue 15 item 5), no address."""
    details: dict[str, object] = {"letters": len(letter_ids) if letter_ids else letters or 0}
    if letter_ids:
        details["letter_ids"] = letter_ids
    record(
        db,
        at=now,
        event=event,
        actor=f"account:{staff.account_id}",
        details=details,
        request_id=request.state.request_id,
    )


#: The German page for each export that cannot deliver a PDF (never an empty document).
_EXPORT_ERRORS = {
    NotFound: "dispatch.error.none_queued",
    LetterUnreadable: "dispatch.error.unreadable",
    InvalidInput: "dispatch.error.too_many",
}


def _export_refused(request: Request, exc: ServiceKontoError) -> Response:
    message = next(
        (key for kind, key in _EXPORT_ERRORS.items() if isinstance(exc, kind)), "error.generic"
    )
    return error_page(
        request, status=exc.status, title_key="dispatch.error_title", message_key=message
    )


#: A dispatch form: one field per chosen letter, the CSRF token, and room to spare. Page forms
#: carry at most `forms.MAX_FIELDS` (100), fewer than one export may hold.
_MAX_FORM_FIELDS = service.EXPORT_LIMIT + 10


def _too_many_letters() -> PageRefused:
    """More than `EXPORT_LIMIT` letters: the German page that says how many may be chosen, not
    the generic "invalid request" of a form with too many fields."""
    return PageRefused(
        "too many letters chosen",
        message_key="dispatch.error.too_many",
        status=422,
        title_key="dispatch.error.too_many_title",
    )


#: The form of the dispatch view, with room for `EXPORT_LIMIT` letters.
LetterForm = Annotated[
    Form, Depends(posted_form(max_fields=_MAX_FORM_FIELDS, too_many=_too_many_letters))
]


@router.post("/staff/letters/export")
def export(
    request: Request, form: LetterForm, db: DbSession, staff: Dispatcher, now: Now
) -> Response:
    try:
        ids, pdf = service.export_batch(
            db,
            letter_ids=form.all("letter_ids") or None,
            now=now,
            staff=staff.account_id,
        )
    except ServiceKontoError as exc:
        db.rollback()
        return _export_refused(request, exc)
    _audit(request, db, staff=staff, now=now, event="letters.exported", letter_ids=ids)
    db.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="pin-briefe.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/staff/letters/dispatch")
def dispatch(
    request: Request, form: LetterForm, db: DbSession, staff: Dispatcher, now: Now
) -> Response:
    count = service.mark_dispatched(
        db, letter_ids=form.all("letter_ids"), now=now, staff=staff.account_id
    )
    _audit(request, db, staff=staff, now=now, event="letters.dispatched", letters=count)
    db.commit()
    return see_other(VIEW)
