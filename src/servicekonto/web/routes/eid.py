"""The browser's way through an eID login (DESIGN §5, BSI TR-03130 §3).

`POST /eid/start` opens an eID-Server session (`useID`) and sends the browser to the eID client
(the AusweisApp simulator in dev mode). The client sends it back to `/eid/return/<id>`, where we
fetch the result (`getResult` with a growing request counter) and sign in, link or register.

The transaction is bound to the browser that started it by the `sk_eid` cookie, and consumed by
one conditional UPDATE, so a return link that leaks or is replayed opens nothing (login CSRF,
checklist). Purposes: `login` ignores any session in the browser (the card decides who signs
in; a session already there ends through the logout path); `step_up` raises or links the
signed-in account and refuses a card of someone else; `delete` is a `step_up` that returns to
the account deletion page (re-authentication of an account without a password).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import update
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import get_account
from servicekonto.accounts.sessions import step_up_session
from servicekonto.audit.service import record
from servicekonto.db.models import EidTransaction, PendingAuthorization
from servicekonto.eid.model import (
    EidError,
    EidResult,
    EidUnavailable,
    Operation,
    Requirement,
    ResultMinor,
    UseIdRequest,
)
from servicekonto.eid.port import EidServer
from servicekonto.mail.notices import queue_means_notice
from servicekonto.oidc.routes import db_session
from servicekonto.security.ratelimit import Limits
from servicekonto.security.secrets import digest, random_token
from servicekonto.signin.eid import (
    EidLinking,
    EidSignIn,
    EidSignInRefused,
    Outcome,
    sign_in_with_eid_once,
)
from servicekonto.web.pages import (
    check_post,
    clear_cookie,
    client_ip,
    cookie_name,
    error_page,
    provider_of,
    see_other,
    set_cookie,
)
from servicekonto.web.routes.forms import first, form_fields
from servicekonto.web.routes.signin import EID_AMR, begin_session, current_session, session_cookie

router = APIRouter(include_in_schema=False)

#: What we ask of the chip: the pseudonym, names and birth date are needed to find or open an
#: account; the rest the holder may withhold (TR-03130 `OperationsAllowedByUser`).
OPERATIONS = {
    Operation.RESTRICTED_ID: Requirement.REQUIRED,
    Operation.GIVEN_NAMES: Requirement.REQUIRED,
    Operation.FAMILY_NAMES: Requirement.REQUIRED,
    Operation.DATE_OF_BIRTH: Requirement.REQUIRED,
    Operation.DOCUMENT_TYPE: Requirement.REQUIRED,
    Operation.ISSUING_STATE: Requirement.REQUIRED,
    Operation.DATE_OF_EXPIRY: Requirement.REQUIRED,
    Operation.BIRTH_NAME: Requirement.ALLOWED,
    Operation.PLACE_OF_BIRTH: Requirement.ALLOWED,
    Operation.NATIONALITY: Requirement.ALLOWED,
    Operation.PLACE_OF_RESIDENCE: Requirement.ALLOWED,
}
#: Purposes that act on the signed-in account (module doc).
SIGNED_IN_PURPOSES = ("step_up", "delete")
TRANSACTION_TTL = timedelta(minutes=10)
#: getResult polling after the client returned: the result is normally ready at once.
POLL_ATTEMPTS = 5
POLL_PAUSE_SECONDS = 0.2

#: result minor → German explanation key
_FAILURES = {
    ResultMinor.CANCELLATION_BY_USER: "eid.error.cancelled",
    ResultMinor.DENIED_DOCUMENT: "eid.error.revoked",
    ResultMinor.INVALID_DOCUMENT: "eid.error.expired",
}


def _server(request: Request) -> EidServer | None:
    server: EidServer | None = request.app.state.eid_server
    return server


def _failure(request: Request, message_key: str, *, status: int = 400) -> Response:
    return error_page(request, status=status, title_key="eid.error.title", message_key=message_key)


@router.post("/eid/start")
def start(
    request: Request,
    fields: list[tuple[str, str]] = Depends(form_fields),
    db: Session = Depends(db_session),
) -> Response:
    form = first(fields)
    check_post(request, form)
    provider = provider_of(request)
    now = provider.clock.now()
    server = _server(request)
    if server is None:
        return _failure(request, "eid.error.unavailable", status=503)
    purpose = form.get("purpose", "")
    purpose = purpose if purpose in SIGNED_IN_PURPOSES else "login"
    pending_id = form.get("pending") or None
    if pending_id is not None and db.get(PendingAuthorization, pending_id[:64]) is None:
        return error_page(
            request, status=400, title_key="error.title", message_key="error.interaction_expired"
        )
    if purpose in SIGNED_IN_PURPOSES and current_session(request, db) is None:
        db.commit()
        return see_other("/login")
    db.commit()
    # Each start holds one of the eID-Server's sessions (issue 15 item 6): limited per IP, and
    # a browser holds at most one open transaction, recorded before `useID` is called.
    limits: Limits = request.app.state.limits
    limits.eid_start.check(f"eid_start:{client_ip(request)}", now)
    _void_open_transaction(db, request.cookies.get(cookie_name(request, "sk_eid")), now)
    transaction_id = random_token(24)
    binding = random_token(32)
    transaction = EidTransaction(
        id=transaction_id,
        binding_digest=digest(binding),
        eid_session="",  # set once useID answers
        request_counter=0,
        purpose=purpose,
        pending_id=pending_id[:64] if pending_id else None,
        created_at=now,
        expires_at=now + TRANSACTION_TTL,
    )
    db.add(transaction)
    db.commit()
    try:
        opened = server.use_id(
            UseIdRequest(
                operations=OPERATIONS,
                refresh_address=f"{provider.issuer}/eid/return/{transaction_id}",
            )
        )
    except (EidError, EidUnavailable):
        db.delete(transaction)
        db.commit()
        return _failure(request, "eid.error.unavailable", status=503)
    transaction.eid_session = opened.session
    db.commit()
    response = see_other(opened.client_url)
    set_cookie(request, response, "sk_eid", binding, max_age=int(TRANSACTION_TTL.total_seconds()))
    return response


def _void_open_transaction(db: Session, binding: str | None, now: datetime) -> None:
    """A new start ends the browser's open transaction: its return link opens nothing."""
    if not binding:
        return
    db.execute(
        update(EidTransaction)
        .where(
            EidTransaction.binding_digest == digest(binding),
            EidTransaction.consumed_at.is_(None),
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )


def _consume(
    db: Session, transaction_id: str, binding: str | None, now: datetime
) -> EidTransaction | None:
    """Take the transaction exactly once, only in the browser that started it."""
    if not binding:
        return None
    taken = db.execute(
        update(EidTransaction)
        .where(
            EidTransaction.id == transaction_id[:64],
            EidTransaction.binding_digest == digest(binding),
            EidTransaction.consumed_at.is_(None),
            EidTransaction.expires_at > now,
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    db.commit()
    return db.get(EidTransaction, transaction_id[:64])


def _fetch_result(server: EidServer, db: Session, transaction: EidTransaction) -> EidResult:
    """Poll `getResult` (TR-03130 §3.4) with counter 1, 2, … while it says `noResultYet`."""
    for attempt in range(POLL_ATTEMPTS):
        transaction.request_counter += 1
        db.flush()
        try:
            return server.get_result(transaction.eid_session, transaction.request_counter)
        except EidError as exc:
            if exc.minor != ResultMinor.NO_RESULT_YET or attempt == POLL_ATTEMPTS - 1:
                raise
        time.sleep(POLL_PAUSE_SECONDS)
    raise EidUnavailable("no eID result")  # pragma: no cover - the loop returns or raises


def _signed_in(
    request: Request, db: Session, transaction: EidTransaction, outcome: EidSignIn, now: datetime
) -> tuple[str, str]:
    """(new cookie value, where to go): a fresh `high` session, or the raised current one."""
    cookie = session_cookie(request)
    session = current_session(request, db)
    if transaction.purpose in SIGNED_IN_PURPOSES and cookie and session:
        raised = step_up_session(
            db, cookie_value=cookie, level=TrustLevel.HIGH, added_amr=EID_AMR, now=now
        )
        assert raised is not None  # loaded just above in this transaction
        cookie_value = raised[0]
    else:
        cookie_value = begin_session(
            request, db, account_id=outcome.account_id, level=TrustLevel.HIGH, amr=EID_AMR, now=now
        )
    if transaction.pending_id:
        pending = db.get(PendingAuthorization, transaction.pending_id)
        if pending is not None:
            pending.login_done_at = now
            return cookie_value, f"/interaction/{pending.id}"
    if outcome.outcome is Outcome.REGISTERED:
        return cookie_value, "/account?notice=eid_registered"
    if transaction.purpose == "delete":
        return cookie_value, "/account/delete"
    if transaction.purpose == "step_up":
        notice = "eid_linked" if outcome.outcome is Outcome.LINKED else "eid_confirmed"
        return cookie_value, f"/account/security?notice={notice}"
    return cookie_value, "/account"


@router.get("/eid/return/{transaction_id}")
def finish(transaction_id: str, request: Request, db: Session = Depends(db_session)) -> Response:
    provider = provider_of(request)
    now = provider.clock.now()
    server = _server(request)
    if server is None:
        return _failure(request, "eid.error.unavailable", status=503)
    transaction = _consume(
        db, transaction_id, request.cookies.get(cookie_name(request, "sk_eid")), now
    )
    if transaction is None:
        db.commit()
        return _failure(request, "eid.error.expired_transaction")
    request_id = getattr(request.state, "request_id", "")
    session = current_session(request, db)
    signed_in = (
        session.account_id if transaction.purpose in SIGNED_IN_PURPOSES and session else None
    )
    try:
        result = _fetch_result(server, db, transaction)
        linking: EidLinking = request.app.state.eid_linking
        outcome = sign_in_with_eid_once(
            db, linking, result=result, signed_in_account_id=signed_in, now=now
        )
    except EidError as exc:
        db.rollback()
        record(
            db,
            at=now,
            event="login.failed",
            actor="anonymous",
            details={"method": "eid", "minor": exc.minor.rsplit("#", 1)[-1]},
            request_id=request_id,
        )
        db.commit()
        return _failure(request, _FAILURES.get(exc.minor, "eid.error.failed"))
    except EidUnavailable:
        db.rollback()
        return _failure(request, "eid.error.unavailable", status=503)
    except EidSignInRefused as exc:
        db.rollback()
        record(
            db,
            at=now,
            event="eid.refused",
            actor=f"account:{signed_in}" if signed_in else "anonymous",
            details={"reason": exc.reason},
            request_id=request_id,
        )
        db.commit()
        return _failure(request, f"eid.refused.{exc.reason}", status=409)
    cookie_value, target = _signed_in(request, db, transaction, outcome, now)
    if outcome.outcome in (Outcome.LINKED, Outcome.RELINKED):
        account = get_account(db, outcome.account_id)
        queue_means_notice(
            db,
            to=account.email if account else None,
            event="eid_linked",
            kind="eid",
            now=now,
            issuer=provider.issuer,
        )
    record(
        db,
        at=now,
        event=f"eid.{outcome.outcome.value}",
        actor=f"account:{outcome.account_id}",
        details={"method": "eid"},
        request_id=request_id,
    )
    db.delete(transaction)
    db.commit()
    response = see_other(target)
    set_cookie(request, response, "sk_session", cookie_value)
    clear_cookie(request, response, "sk_eid")
    return response


def eid_choice(request: Request, *, pending_id: str | None, purpose: str) -> dict[str, Any]:
    """Template context for an "Online-Ausweis" button (login, step-up and security pages)."""
    return {
        "eid_available": request.app.state.eid_server is not None
        and provider_of(request).eid_available,
        "eid_action": "/eid/start",
        "eid_pending": pending_id or "",
        "eid_purpose": purpose,
    }
