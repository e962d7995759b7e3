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

A posted (or query) `next`, a local path as the login's `next` (`web.pages.local_path`), is where
`login` and `step_up` return after success, e.g. the Postfach message that asked for `high`; it
rides in the binding cookie, covered by the transaction's digest (`signin.eid_transactions`).
An authorization request in progress and a newly registered account keep their own targets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import account_view
from servicekonto.accounts.sessions import step_up_session
from servicekonto.audit.service import record
from servicekonto.eid.model import (
    EidError,
    EidUnavailable,
    Operation,
    Requirement,
    ResultMinor,
    UseIdRequest,
)
from servicekonto.http.browser import current_session, session_cookie
from servicekonto.http.context import (
    Context,
    EidServerOrNone,
    Linking,
    Now,
    RateLimits,
    context_of,
    eid_server_of,
)
from servicekonto.http.cookies import SESSION, clear_cookie, cookie, set_cookie
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import client_ip
from servicekonto.mail.notices import queue_means_notice
from servicekonto.signin.eid import (
    EidSignIn,
    EidSignInRefused,
    Outcome,
    sign_in_with_eid_once,
)
from servicekonto.signin.eid_transactions import (
    TRANSACTION_TTL,
    Transaction,
    consume_transaction,
    drop_transaction,
    fetch_result,
    new_binding,
    open_transaction,
    record_eid_session,
    void_open_transaction,
)
from servicekonto.signin.pending import mark_login_done, pending_exists
from servicekonto.web.pages import error_page, local_path, see_other
from servicekonto.web.routes.signin import EID_AMR, begin_session

router = APIRouter(include_in_schema=False)
#: The cookie binding a transaction to the browser that started it (module doc).
BINDING = "sk_eid"

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

#: result minor → German explanation key
_FAILURES = {
    ResultMinor.CANCELLATION_BY_USER: "eid.error.cancelled",
    ResultMinor.DENIED_DOCUMENT: "eid.error.revoked",
    ResultMinor.INVALID_DOCUMENT: "eid.error.expired",
}


def _failure(request: Request, message_key: str, *, status: int = 400) -> Response:
    return error_page(request, status=status, title_key="eid.error.title", message_key=message_key)


@router.post("/eid/start")
def start(
    request: Request,
    form: PostedForm,
    db: DbSession,
    context: Context,
    now: Now,
    server: EidServerOrNone,
    limits: RateLimits,
) -> Response:
    if server is None:
        return _failure(request, "eid.error.unavailable", status=503)
    purpose = form.get("purpose", "")
    purpose = purpose if purpose in SIGNED_IN_PURPOSES else "login"
    pending_id = form.get("pending") or None
    next_page = local_path(form.get("next") or request.query_params.get("next"))
    if pending_id is not None and not pending_exists(db, pending_id):
        return error_page(
            request, status=400, title_key="error.title", message_key="error.interaction_expired"
        )
    if purpose in SIGNED_IN_PURPOSES and current_session(request, db, now) is None:
        db.commit()
        return see_other("/login")
    db.commit()
    # Each start holds one of the eID-Server's sessions (issue 15 item 6): limited per IP, and
    # a browser holds at most one open transaction, recorded before `useID` is called.
    limits.eid_start.check(f"eid_start:{client_ip(request)}", now)
    void_open_transaction(db, binding=cookie(request, BINDING), now=now)
    binding = new_binding(next_page)
    transaction_id = open_transaction(
        db, binding=binding, purpose=purpose, pending_id=pending_id, now=now
    )
    db.commit()
    try:
        opened = server.use_id(
            UseIdRequest(
                operations=OPERATIONS,
                refresh_address=f"{context.issuer}/eid/return/{transaction_id}",
            )
        )
    except (EidError, EidUnavailable):
        drop_transaction(db, transaction_id)
        db.commit()
        return _failure(request, "eid.error.unavailable", status=503)
    record_eid_session(db, transaction_id, opened.session)
    db.commit()
    response = see_other(opened.client_url)
    set_cookie(request, response, BINDING, binding, max_age=int(TRANSACTION_TTL.total_seconds()))
    return response


def _signed_in(
    request: Request, db: DbSession, transaction: Transaction, outcome: EidSignIn, now: datetime
) -> tuple[str, str]:
    """(new cookie value, where to go): a fresh `high` session, or the raised current one."""
    session_value = session_cookie(request)
    session = current_session(request, db, now)
    if transaction.purpose in SIGNED_IN_PURPOSES and session_value and session:
        raised = step_up_session(
            db, cookie_value=session_value, level=TrustLevel.HIGH, added_amr=EID_AMR, now=now
        )
        assert raised is not None  # loaded just above in this transaction
        cookie_value = raised[0]
    else:
        cookie_value = begin_session(
            request, db, account_id=outcome.account_id, level=TrustLevel.HIGH, amr=EID_AMR, now=now
        )
    if transaction.pending_id and mark_login_done(db, transaction.pending_id, now=now):
        return cookie_value, f"/interaction/{transaction.pending_id}"
    if outcome.outcome is Outcome.REGISTERED:
        return cookie_value, "/account?notice=eid_registered"
    if transaction.purpose == "delete":
        return cookie_value, "/account/delete"
    next_page = local_path(transaction.next_page)  # checked again: it came back from a cookie
    if next_page:
        return cookie_value, next_page
    if transaction.purpose == "step_up":
        notice = "eid_linked" if outcome.outcome is Outcome.LINKED else "eid_confirmed"
        return cookie_value, f"/account/security?notice={notice}"
    return cookie_value, "/account"


@router.get("/eid/return/{transaction_id}")
def finish(
    transaction_id: str,
    request: Request,
    db: DbSession,
    context: Context,
    now: Now,
    server: EidServerOrNone,
    linking: Linking,
) -> Response:
    if server is None:
        return _failure(request, "eid.error.unavailable", status=503)
    transaction = consume_transaction(
        db, transaction_id=transaction_id, binding=cookie(request, BINDING), now=now
    )
    db.commit()  # used up, whatever happens next
    if transaction is None:
        return _failure(request, "eid.error.expired_transaction")
    request_id = getattr(request.state, "request_id", "")
    session = current_session(request, db, now)
    signed_in = (
        session.account_id if transaction.purpose in SIGNED_IN_PURPOSES and session else None
    )
    try:
        result = fetch_result(db, server, transaction.id)
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
        account = account_view(db, outcome.account_id)
        queue_means_notice(
            db,
            to=account.email if account else None,
            event="eid_linked",
            kind="eid",
            now=now,
            issuer=context.issuer,
        )
    record(
        db,
        at=now,
        event=f"eid.{outcome.outcome.value}",
        actor=f"account:{outcome.account_id}",
        details={"method": "eid"},
        request_id=request_id,
    )
    drop_transaction(db, transaction.id)
    db.commit()
    response = see_other(target)
    set_cookie(request, response, SESSION, cookie_value)
    clear_cookie(request, response, BINDING)
    return response


def eid_choice(
    request: Request, *, pending_id: str | None, purpose: str, next_page: str | None = None
) -> dict[str, Any]:
    """Template context for an "Online-Ausweis" button (login, step-up and security pages);
    `next_page` is where to return after success (module doc)."""
    return {
        "eid_available": eid_server_of(request) is not None
        and context_of(request).eid_available,
        "eid_action": "/eid/start",
        "eid_pending": pending_id or "",
        "eid_purpose": purpose,
        "eid_next": local_path(next_page) or "",
    }
