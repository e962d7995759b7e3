"""The dispatch view for staff with role `letter_dispatch`: queued PIN letters, one batch PDF,
mark as dispatched. Staff log in like everyone else; the role is checked on every request."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.accounts.service import get_account
from servicekonto.accounts.sessions import load_session
from servicekonto.audit.service import record
from servicekonto.errors import Forbidden, InvalidInput, NotFound, ServiceKontoError
from servicekonto.letters import service
from servicekonto.letters.service import LetterUnreadable
from servicekonto.oidc.routes import db_session
from servicekonto.web.pages import (
    check_post,
    cookie_name,
    error_page,
    provider_of,
    render,
    see_other,
)
from servicekonto.web.routes.forms import first, form_fields

router = APIRouter(include_in_schema=False)
GERMAN_TIME = ZoneInfo("Europe/Berlin")
ROLE = "letter_dispatch"


def _staff(request: Request, db: Session) -> str | None:
    """The account id of a logged-in dispatcher; None when not logged in; 403 without the role."""
    session = load_session(
        db,
        cookie_value=request.cookies.get(cookie_name(request, "sk_session")),
        now=provider_of(request).clock.now(),
    )
    if session is None:
        return None
    account = get_account(db, session.account_id)
    if account is None or ROLE not in (account.roles or []):
        raise Forbidden("the letter_dispatch role is required")
    return account.id


@router.get("/staff/letters")
def dispatch_view(request: Request, db: Session = Depends(db_session)) -> Response:
    staff = _staff(request, db)
    db.commit()
    if staff is None:
        return see_other("/login")
    letters = service.list_queued(db, now=provider_of(request).clock.now())
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
                "administration": s.administration_slug or "",
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
    if staff is None:
        db.commit()
        return see_other("/login")
    try:
        ids, pdf = service.export_batch(
            db, letter_ids=_chosen(fields) or None, now=provider_of(request).clock.now()
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
    if staff is None:
        db.commit()
        return see_other("/login")
    count = service.mark_dispatched(
        db, letter_ids=_chosen(fields), now=provider_of(request).clock.now()
    )
    _audit(request, db, staff=staff, event="letters.dispatched", letters=count)
    db.commit()
    return see_other("/staff/letters")
