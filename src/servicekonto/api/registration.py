"""JSON API for citizen self-registration and identity confirmation (issue 3 item 2 and 4).

Registration and e-mail confirmation are open (rate-limited per IP, one generic answer for
every outcome). Identity confirmation needs the person's own access token with scope `account`
(a self-service app of the account holder), never a client-credentials token.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from servicekonto.accounts.service import get_account
from servicekonto.api.auth import require_scope
from servicekonto.api.deps import Principal, db_session, now
from servicekonto.api.problems import problems
from servicekonto.errors import Forbidden, InvalidInput
from servicekonto.letters.service import letter_status
from servicekonto.registration import service
from servicekonto.registration.schemas import RegistrationAccepted, RegistrationInput
from servicekonto.security.ratelimit import Limits

router = APIRouter(prefix="/api/v1", tags=["registration"])
account_scope = require_scope("account")


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=128)


class Activation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    activation_code: str = Field(min_length=1, max_length=64)


class LetterView(BaseModel):
    status: str
    reference: str
    created_at: datetime
    valid_until: datetime
    attempts_left: int


class IdentityView(BaseModel):
    verified: bool
    letter: LetterView | None


def _collaborators(request: Request) -> service.Collaborators:
    found: service.Collaborators = request.app.state.registration
    return found


def _limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limit(request: Request) -> None:
    _limits(request).login.check(_ip(request), now(request))


def _person(principal: Principal) -> str:
    if principal.account_id is None:
        raise Forbidden("a token of the account holder is required")
    return principal.account_id


@router.post(
    "/registrations",
    response_model=RegistrationAccepted,
    status_code=202,
    responses=problems(400, 422, 429, 503),
)
def register(
    data: RegistrationInput, request: Request, db: Session = Depends(db_session)
) -> RegistrationAccepted:
    """Register a person. 503 when the civil register cannot answer (nothing is stored); 422
    with the refused rules for a password; otherwise the same 202 for every outcome. 429 beyond
    the per-IP and per-address limits, shared with the sign-up page."""
    _limits(request).check_registration(
        ip=_ip(request), address=str(data.email), now=now(request)
    )
    try:
        service.register_citizen(
            db,
            _collaborators(request),
            data=data,
            now=now(request),
            request_id=request.state.request_id,
        )
    except Exception:
        db.rollback()
        raise
    db.commit()
    return RegistrationAccepted()


@router.post(
    "/registrations/confirmations",
    status_code=204,
    response_class=Response,
    responses=problems(400, 422, 429),
)
def confirm(body: Confirmation, request: Request, db: Session = Depends(db_session)) -> Response:
    """Confirm the e-mail address with the token from the link (single use, 7 days)."""
    _limit(request)
    ok = service.confirm_email(db, token=body.token, now=now(request))
    db.commit()
    if not ok:
        raise InvalidInput("the token is invalid, used or expired")
    return Response(status_code=204)


def _identity(db: Session, account_id: str) -> IdentityView:
    account = get_account(db, account_id)
    letter = letter_status(db, account_id=account_id)
    return IdentityView(
        verified=bool(account and account.register_record_id),
        letter=None
        if letter is None
        else LetterView(
            status=letter.status,
            reference=letter.reference,
            created_at=letter.created_at,
            valid_until=letter.valid_until,
            attempts_left=letter.attempts_left,
        ),
    )


@router.get("/account/identity", response_model=IdentityView, responses=problems(401, 403))
def identity(
    db: Session = Depends(db_session), principal: Principal = Depends(account_scope)
) -> IdentityView:
    return _identity(db, _person(principal))


@router.post(
    "/account/identity/activation",
    response_model=IdentityView,
    responses=problems(400, 401, 403, 404, 422),
)
def activate(
    body: Activation,
    request: Request,
    db: Session = Depends(db_session),
    principal: Principal = Depends(account_scope),
) -> IdentityView:
    """Enter the PIN letter's code. Wrong, expired and void codes get the same 422."""
    account_id = _person(principal)
    ok = service.activate_identity(
        db,
        _collaborators(request),
        account_id=account_id,
        code=body.activation_code,
        now=now(request),
        request_id=request.state.request_id,
    )
    db.commit()
    if not ok:
        raise InvalidInput("the code is wrong, expired or no longer valid")
    return _identity(db, account_id)


@router.post(
    "/account/identity/letters",
    response_model=IdentityView,
    status_code=202,
    responses=problems(401, 403, 404, 422, 429, 503),
)
def order_letter(
    request: Request,
    db: Session = Depends(db_session),
    principal: Principal = Depends(account_scope),
) -> IdentityView:
    """Order a new PIN letter (voids the pending one; at most 3 per 90 days → 429)."""
    account_id = _person(principal)
    sent = service.order_new_letter(
        db,
        _collaborators(request),
        account_id=account_id,
        now=now(request),
        request_id=request.state.request_id,
    )
    db.commit()
    if not sent:
        raise InvalidInput("no letter can be sent: identity bound or no unique register match")
    return _identity(db, account_id)
