"""The dispatch view for staff with role `letter_dispatch`: queued PIN letters, one batch PDF,
mark as dispatched. Staff log in like everyone else; the role is checked on every request.

The view hands out readable activation codes, so a password alone is not enough (issue 15 item
5): the session must carry a *bound* second factor (`second_factor_state`). `otp` in `amr` is not
proof: whoever holds a staff password can enrol an authenticator of their own, which stays
unbound (`accounts.means` module doc) yet adds `otp`. A password-only staff session gets a page
that sends it to enter the code or to set up the app; one with only an unbound app gets a page
that says how to confirm (bind) it. Not logged in: the login, which returns here (`next`). No
role: "Kein Zugriff" (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import has_active_totp, has_bound_totp
from servicekonto.accounts.service import get_account
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.audit.service import record
from servicekonto.errors import InvalidInput, NotFound, ServiceKontoError
from servicekonto.letters import service
from servicekonto.letters.service import LetterUnreadable
from servicekonto.oidc import acr
from servicekonto.oidc.routes import db_session
from servicekonto.staff.service import has_role
from servicekonto.web.pages import (
    PageRefused,
    check_post,
    error_page,
    provider_of,
    render,
    see_other,
)
from servicekonto.web.routes.account import STAFF_ROLE as ROLE
from servicekonto.web.routes.account import STAFF_VIEW as VIEW
from servicekonto.web.routes.account import with_next
from servicekonto.web.routes.forms import first, form_fields_up_to
from servicekonto.web.routes.signin import current_session

router = APIRouter(include_in_schema=False)
GERMAN_TIME = ZoneInfo("Europe/Berlin")
SecondFactor = Literal["bound", "unbound", "missing"]


@dataclass(frozen=True)
class _Refusal:
    """Why the request does not reach the view, as the response to give instead."""

    response: Response


def second_factor_state(db: Session, session: ActiveSession) -> SecondFactor:
    """Whether this session used a second factor bound to the person (TR-03160-1 §4.2/§4.3).

    `bound`: the eID (`hwk`; a card is bound when linked), a level of `substantial` or above
    (only bound means reach it), or `otp` while the account's active TOTP is bound. The level
    alone cannot tell: a staff account's identity is usually `basic`, which caps even a bound
    TOTP's login at `low` (`signin.second_factor_level`). `unbound`: `otp` from an app that
    was enrolled with the password alone. `missing`: a password-only session.
    """
    if acr.AMR_HARDWARE_KEY in session.amr or session.level >= TrustLevel.SUBSTANTIAL:
        return "bound"
    if acr.AMR_OTP not in session.amr:
        return "missing"
    # One active TOTP per account (`start_totp_enrolment`), so it is the one this session used
    # unless it was replaced since, which needs blocking or removing the old one first.
    return "bound" if has_bound_totp(db, session.account_id) else "unbound"


def _staff(request: Request, db: Session) -> str | _Refusal:
    """The account id of a dispatcher with a bound second factor in this session, or the
    refusal.

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
    if second_factor_state(db, session) != "bound":
        page = _second_factor_page(request, db, account.id)
        db.commit()
        return _Refusal(page)
    db.commit()
    return account.id


def _forbidden(request: Request) -> Response:
    """A citizen (or other staff) at the dispatch view: "Kein Zugriff", not a form error."""
    return error_page(
        request, status=403, title_key="error.forbidden_title", message_key="error.forbidden"
    )


def _second_factor_page(request: Request, db: Session, account_id: str) -> Response:
    """403 with the way on, by the account's app: enter the bound app's code; confirm (bind) an
    unbound app on the security page after an eID login (its code would not help); or set an
    app up first."""
    if has_bound_totp(db, account_id):
        title, text = "dispatch.second_factor.title", "dispatch.second_factor.text"
        action = (with_next("/login/otp", VIEW), "dispatch.second_factor.enter_code")
    elif has_active_totp(db, account_id):
        title, text = "dispatch.unbound.title", "dispatch.unbound.text"
        action = ("/account/security", "dispatch.unbound.action")
    else:
        title, text = "dispatch.second_factor.title", "dispatch.second_factor.enrol_text"
        action = ("/account/security/totp", "dispatch.second_factor.enrol")
    return error_page(request, status=403, title_key=title, message_key=text, action=action)


def _administration_name(summary: service.LetterSummary) -> str:
    return summary.administration_name or summary.administration_slug or ""


#: The kind of letter as the view names it (an i18n key per `Letter.kind`).
_KIND_KEYS = {
    service.PIN: "dispatch.kind.pin",
    service.ORG_ACTIVATION: "dispatch.kind.org_activation",
}


@router.get(VIEW)
def dispatch_view(request: Request, db: Session = Depends(db_session)) -> Response:
    staff = _staff(request, db)
    if isinstance(staff, _Refusal):
        return staff.response
    letters = service.list_queued(db, now=provider_of(request).clock.now(), staff=staff)
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
                "created_at": s.created_at.astimezone(GERMAN_TIME).strftime("%d.%m.%Y %H:%M"),
                "valid_until": s.valid_until.astimezone(GERMAN_TIME).strftime("%d.%m.%Y"),
                "administration": _administration_name(s),
                "kind_key": _KIND_KEYS.get(s.kind, "dispatch.kind.pin"),
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


#: A dispatch form: one field per chosen letter, the CSRF token, and room to spare. Page forms
#: carry at most `forms.MAX_FIELDS` (100), fewer than one export may hold.
_MAX_FORM_FIELDS = service.EXPORT_LIMIT + 10


async def letter_form(request: Request) -> list[tuple[str, str]]:
    """The form of the dispatch view, with room for `EXPORT_LIMIT` letters. More is refused with
    the German page that says how many may be chosen, not the generic "invalid request" of a
    form with too many fields."""
    fields = await form_fields_up_to(request, _MAX_FORM_FIELDS)
    if fields is None:
        raise PageRefused(
            "too many letters chosen",
            message_key="dispatch.error.too_many",
            status=422,
            title_key="dispatch.error.too_many_title",
        )
    return fields


def _chosen(fields: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in fields if name == "letter_ids"]


@router.post("/staff/letters/export")
def export(
    request: Request,
    fields: list[tuple[str, str]] = Depends(letter_form),
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
    fields: list[tuple[str, str]] = Depends(letter_form),
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
