"""The dispatch view for staff with role `letter_dispatch`: queued PIN letters, one batch PDF,
mark as dispatched. Staff log in like everyone else; the role is checked on every request.

The view hands out readable activation codes, so a password alone is not enough (issue 15 item
5): the session must carry a second factor (`otp` from the authenticator app, or the eID's
`hwk`). A password-only staff session gets a page that sends it to enter the code or to set up
the app. Not logged in: the login, which returns here (`next`). No role: "Kein Zugriff" (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.accounts.means import has_active_totp
from servicekonto.accounts.service import get_account
from servicekonto.audit.service import record
from servicekonto.errors import InvalidInput, NotFound, ServiceKontoError
from servicekonto.letters import service
from servicekonto.letters.service import LetterUnreadable
from servicekonto.oidc import acr
from servicekonto.oidc.routes import db_session
from servicekonto.staff.service import has_role
from servicekonto.web.pages import (
    check_post,
    error_page,
    provider_of,
    render,
    see_other,
)
from servicekonto.web.routes.account import STAFF_ROLE as ROLE
from servicekonto.web.routes.account import STAFF_VIEW as VIEW
from servicekonto.web.routes.account import with_next
from servicekonto.web.routes.forms import first, form_fields
from servicekonto.web.routes.signin import current_session

router = APIRouter(include_in_schema=False)
GERMAN_TIME = ZoneInfo("Europe/Berlin")
#: `amr` values that prove a second factor: the authenticator app, the eID card's chip.
SECOND_FACTORS = frozenset({acr.AMR_OTP, acr.AMR_HARDWARE_KEY})


@dataclass(frozen=True)
class _Refusal:
    """Why the request does not reach the view, as the response to give instead."""

    response: Response


def _staff(request: Request, db: Session) -> str | _Refusal:
    """The account id of a dispatcher with a second factor in this session, or the refusal.

    Commits the session touch either way, so callers need not.
    """
    session = current_session(request, db)
    account = get_account(db, session.account_id) if session else None
    if session is None or account is None:
        db.commit()
        return _Refusal(see_other(with_next("/login", VIEW)))
    if not has_role(db, account_id=account.id, role=ROLE):
        db.commit()
        return _Refusal(_forbidden(request))
    if not SECOND_FACTORS.intersection(session.amr):
        enrolled = has_active_totp(db, account.id)
        db.commit()
        return _Refusal(_second_factor_page(request, enrolled=enrolled))
    db.commit()
    return account.id


def _forbidden(request: Request) -> Response:
    """A citizen (or other staff) at the dispatch view: "Kein Zugriff", not a form error."""
    return error_page(
        request, status=403, title_key="error.forbidden_title", message_key="error.forbidden"
    )


def _second_factor_page(request: Request, *, enrolled: bool) -> Response:
    """403 with the way on: enter the app's code, or set the app up first."""
    if enrolled:
        action = (with_next("/login/otp", VIEW), "dispatch.second_factor.enter_code")
    else:
        action = ("/account/security/totp", "dispatch.second_factor.enrol")
    return error_page(
        request,
        status=403,
        title_key="dispatch.second_factor.title",
        message_key="dispatch.second_factor.text",
        action=action,
    )


def _administration_name(summary: service.LetterSummary) -> str:
    return summary.administration_name or summary.administration_slug or ""


@router.get(VIEW)
def dispatch_view(request: Request, db: Session = Depends(db_session)) -> Response:
    staff = _staff(request, db)
    if isinstance(staff, _Refusal):
        return staff.response
    letters = service.list_queued(db, now=provider_of(request).clock.now(), staff=staff)
    db.commit()
    return render(
        request,
        "letters_dispatch.html",
        export_action="/staff/letters/export",
        dispatch_action="/staff/letters/dispatch",
        letters=[
            {
                "id": s.letter_id,
                "reference": s.reference,
                "created_at": s.created_at.astimezone(GERMAN_TIME).strftime("%d.%m.%Y %H:%M"),
                "valid_until": s.valid_until.astimezone(GERMAN_TIME).strftime("%d.%m.%Y"),
                "administration": _administration_name(s),
                "recipient_lines": s.recipient_lines,
            }
            for s in letters
        ],
    )


def _audit(
    request: Request,
    db: Session,
    *,
    staff: str,
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
        at=provider_of(request).clock.now(),
        event=event,
        actor=f"account:{staff}",
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


def _chosen(fields: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in fields if name == "letter_ids"]


@router.post("/staff/letters/export")
def export(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    check_post(request, first(fields))
    staff = _staff(request, db)
    if isinstance(staff, _Refusal):
        return staff.response
    try:
        ids, pdf = service.export_batch(
            db,
            letter_ids=_chosen(fields) or None,
            now=provider_of(request).clock.now(),
            staff=staff,
        )
    except ServiceKontoError as exc:
        db.rollback()
        return _export_refused(request, exc)
    _audit(request, db, staff=staff, event="letters.exported", letter_ids=ids)
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
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    check_post(request, first(fields))
    staff = _staff(request, db)
    if isinstance(staff, _Refusal):
        return staff.response
    count = service.mark_dispatched(
        db, letter_ids=_chosen(fields), now=provider_of(request).clock.now(), staff=staff
    )
    _audit(request, db, staff=staff, event="letters.dispatched", letters=count)
    db.commit()
    return see_other(VIEW)
