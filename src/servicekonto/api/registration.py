"""JSON API for citizen self-registration and identity confirmation (issue 3 item 2 and 4).

Registration and e-mail confirmation are open (rate-limited per IP, one generic answer for
every outcome). Identity confirmation needs the person's own access token with scope `account`
(a self-service app of the account holder), never a client-credentials token.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from servicekonto.http.limits import rate_limit
from servicekonto.http.registration import register_within_limits
from servicekonto.letters.service import letter_status
from servicekonto.registration import service
from servicekonto.registration.schemas import RegistrationAccepted, RegistrationInput
from servicekonto.registration.service import Collaborators

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


def _person(principal: AccountToken) -> str:
    """The account of the token's holder; a client-credentials token has none."""
    if principal.account_id is None:
        raise Forbidden("a token of the account holder is required")
    return principal.account_id


Person = Annotated[str, Depends(_person)]


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
    try:
        register_within_limits(request, db, limits, collaborators, data, now)
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
def identity(db: DbSession, account_id: Person) -> IdentityView:
    return _identity(db, account_id)


@dataclass(frozen=True)
class _Step:
    """What an identity step of the person's own account (code entry, new letter) hands the
    registration service besides its own input; one dependency, so both routes declare it once."""

    account_id: str
    collaborators: Collaborators
    now: datetime
    request_id: str


def _step(request: Request, account_id: Person, now: Now, collaborators: Registration) -> _Step:
    return _Step(account_id, collaborators, now, request.state.request_id)


IdentityStep = Annotated[_Step, Depends(_step)]


def _identity_after(db: DbSession, account_id: str, done: bool, refusal: str) -> IdentityView:
    """The answer of an identity step (code entry, new letter): committed, then 422 with
    `refusal` when it did not happen, else the identity as it now stands."""
    db.commit()
    if not done:
        raise InvalidInput(refusal)
    return _identity(db, account_id)


@router.post(
    "/account/identity/activation",
    response_model=IdentityView,
    responses=problems(400, 401, 403, 404, 422),
)
def activate(body: Activation, db: DbSession, step: IdentityStep) -> IdentityView:
    """Enter the PIN letter's code. Wrong, expired and void codes get the same 422."""
    ok = service.activate_identity(
        db,
        step.collaborators,
        account_id=step.account_id,
        code=body.activation_code,
        now=step.now,
        request_id=step.request_id,
    )
    return _identity_after(
        db, step.account_id, ok, "the code is wrong, expired or no longer valid"
    )


@router.post(
    "/account/identity/letters",
    response_model=IdentityView,
    status_code=202,
    responses=problems(401, 403, 404, 422, 429, 503),
)
def order_letter(db: DbSession, step: IdentityStep) -> IdentityView:
    """Order a new PIN letter (voids the pending one; at most 3 per 90 days → 429)."""
    sent = service.order_new_letter(
        db,
        step.collaborators,
        account_id=step.account_id,
        now=step.now,
        request_id=step.request_id,
    )
    return _identity_after(
        db, step.account_id, sent,
        "no letter can be sent: identity bound or no unique register match",
    )
