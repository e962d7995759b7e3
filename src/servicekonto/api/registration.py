"""JSON API for citizen self-registration and identity confirmation (issue 3 item 2 and 4).

Registration and e-mail confirmation are open (rate-limited per IP, one generic answer for
every outcome). Identity confirmation needs the person's own access token with scope `account`
(a self-service app of the account holder), never a client-credentials token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from servicekonto.accounts.service import account_view
from servicekonto.api.auth import require_scope
from servicekonto.api.problems import problems
from servicekonto.errors import Forbidden, InvalidInput
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Now, RateLimits, Registration
from servicekonto.http.database import DbSession
from servicekonto.http.limits import client_ip, rate_limit
from servicekonto.letters.service import letter_status
from servicekonto.registration import service
from servicekonto.registration.schemas import RegistrationAccepted, RegistrationInput

router = APIRouter(prefix="/api/v1", tags=["registration"])
AccountToken = Annotated[Principal, Depends(require_scope("account"))]


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
    data: RegistrationInput,
    request: Request,
    db: DbSession,
    now: Now,
    limits: RateLimits,
    collaborators: Registration,
) -> RegistrationAccepted:
    """Register a person. 503 when the civil register cannot answer (nothing is stored); 422
    with the refused rules for a password; otherwise the same 202 for every outcome. 429 beyond
    the per-IP and per-address limits, shared with the sign-up page."""
    limits.check_registration(ip=client_ip(request), address=str(data.email), now=now)
    try:
        service.register_citizen(
            db,
            collaborators,
            data=data,
            now=now,
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
def confirm(body: Confirmation, request: Request, db: DbSession, now: Now) -> Response:
    """Confirm the e-mail address with the token from the link (single use, 7 days)."""
    rate_limit(request, None)
    ok = service.confirm_email(db, token=body.token, now=now)
    db.commit()
    if not ok:
        raise InvalidInput("the token is invalid, used or expired")
    return Response(status_code=204)


def _identity(db: DbSession, account_id: str) -> IdentityView:
    account = account_view(db, account_id)
    letter = letter_status(db, account_id=account_id)
    return IdentityView(
        verified=bool(account and account.register_bound),
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
def identity(db: DbSession, principal: AccountToken) -> IdentityView:
    return _identity(db, _person(principal))


@router.post(
    "/account/identity/activation",
    response_model=IdentityView,
    responses=problems(400, 401, 403, 404, 422),
)
def activate(
    body: Activation,
    request: Request,
    db: DbSession,
    principal: AccountToken,
    now: Now,
    collaborators: Registration,
) -> IdentityView:
    """Enter the PIN letter's code. Wrong, expired and void codes get the same 422."""
    account_id = _person(principal)
    ok = service.activate_identity(
        db,
        collaborators,
        account_id=account_id,
        code=body.activation_code,
        now=now,
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
    db: DbSession,
    principal: AccountToken,
    now: Now,
    collaborators: Registration,
) -> IdentityView:
    """Order a new PIN letter (voids the pending one; at most 3 per 90 days → 429)."""
    account_id = _person(principal)
    sent = service.order_new_letter(
        db,
        collaborators,
        account_id=account_id,
        now=now,
        request_id=request.state.request_id,
    )
    db.commit()
    if not sent:
        raise InvalidInput("no letter can be sent: identity bound or no unique register match")
    return _identity(db, account_id)
