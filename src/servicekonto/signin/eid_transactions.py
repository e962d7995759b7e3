"""The browser's eID transactions (DESIGN §5, BSI TR-03130 §3; table `eid_transactions`).

A transaction is bound to the browser that started it (a digest of its `sk_eid` cookie value), a
new start voids the browser's open one, and the return consumes it with one conditional UPDATE,
so a return link that leaks or is replayed opens nothing (login CSRF). The result is fetched with
`getResult` and a request counter that grows with every call.

The page to return to after the sign-in (a step-up from a Postfach message) rides in the binding
cookie itself (`new_binding`): the table stores the digest of the whole value, so a page changed
in the browser matches no transaction. No column, no signing key, and it expires with the cookie.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from servicekonto.db.models import EidTransaction
from servicekonto.eid.model import EidError, EidResult, EidUnavailable, ResultMinor
from servicekonto.eid.port import EidServer
from servicekonto.security.secrets import digest, random_token

TRANSACTION_TTL = timedelta(minutes=10)
#: getResult polling after the client returned: the result is normally ready at once.
POLL_ATTEMPTS = 5
POLL_PAUSE_SECONDS = 0.2
#: Longer ids from a return URL are cut before the lookup (ours are 32 characters).
MAX_ID = 64
#: Between the binding's random part and its `next` page: in neither's alphabet (base64url).
_NEXT_SEPARATOR = "."


@dataclass(frozen=True)
class Transaction:
    id: str
    #: `login`, `step_up` or `delete` (`web.routes.eid` module doc).
    purpose: str
    #: The authorization request this serves, if any (`signin.pending`).
    pending_id: str | None
    #: Where the browser asked to return, as it rode in the binding (`new_binding`). Not
    #: checked here: the caller accepts local paths only.
    next_page: str | None = None


def new_binding(next_page: str | None = None) -> str:
    """A fresh value for the browser's binding cookie, carrying `next_page` if given (module
    doc); `open_transaction` stores its digest."""
    token = random_token(32)
    if not next_page:
        return token
    encoded = base64.urlsafe_b64encode(next_page.encode("utf-8")).rstrip(b"=").decode("ascii")
    return f"{token}{_NEXT_SEPARATOR}{encoded}"


def _next_page_of(binding: str) -> str | None:
    _, separator, encoded = binding.partition(_NEXT_SEPARATOR)
    if not separator or not encoded:
        return None
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def void_open_transaction(db: Session, *, binding: str | None, now: datetime) -> None:
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


def open_transaction(
    db: Session, *, binding: str, purpose: str, pending_id: str | None, now: datetime
) -> str:
    """A new transaction for the browser holding `binding`; its id. The eID-Server's session
    is recorded once `useID` answers (`record_eid_session`)."""
    transaction_id = random_token(24)
    db.add(
        EidTransaction(
            id=transaction_id,
            binding_digest=digest(binding),
            eid_session="",
            request_counter=0,
            purpose=purpose,
            pending_id=pending_id[:MAX_ID] if pending_id else None,
            created_at=now,
            expires_at=now + TRANSACTION_TTL,
        )
    )
    return transaction_id


def record_eid_session(db: Session, transaction_id: str, eid_session: str) -> None:
    _update(db, transaction_id, eid_session=eid_session)


def drop_transaction(db: Session, transaction_id: str) -> None:
    """Forget the transaction (`useID` failed, or the sign-in it served is done)."""
    db.execute(
        delete(EidTransaction)
        .where(EidTransaction.id == transaction_id[:MAX_ID])
        .execution_options(synchronize_session=False)
    )


def consume_transaction(
    db: Session, *, transaction_id: str, binding: str | None, now: datetime
) -> Transaction | None:
    """Take the transaction exactly once, only in the browser that started it. The caller
    commits at once, so it stays used whatever happens next."""
    if not binding:
        return None
    taken = db.execute(
        update(EidTransaction)
        .where(
            EidTransaction.id == transaction_id[:MAX_ID],
            EidTransaction.binding_digest == digest(binding),
            EidTransaction.consumed_at.is_(None),
            EidTransaction.expires_at > now,
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return None
    row = db.get(EidTransaction, transaction_id[:MAX_ID])
    assert row is not None  # taken just above in this transaction
    return Transaction(
        id=row.id, purpose=row.purpose, pending_id=row.pending_id,
        next_page=_next_page_of(binding),
    )


def fetch_result(db: Session, server: EidServer, transaction_id: str) -> EidResult:
    """Poll `getResult` (TR-03130 §3.4) with counter 1, 2, … while it says `noResultYet`."""
    row = db.get(EidTransaction, transaction_id[:MAX_ID])
    if row is None:
        raise EidUnavailable("the eID transaction is gone")
    for attempt in range(POLL_ATTEMPTS):
        row.request_counter += 1
        db.flush()
        try:
            return server.get_result(row.eid_session, row.request_counter)
        except EidError as exc:
            if exc.minor != ResultMinor.NO_RESULT_YET or attempt == POLL_ATTEMPTS - 1:
                raise
        time.sleep(POLL_PAUSE_SECONDS)
    raise EidUnavailable("no eID result")  # pragma: no cover - the loop returns or raises


def _update(db: Session, transaction_id: str, **values: Any) -> None:
    db.execute(
        update(EidTransaction)
        .where(EidTransaction.id == transaction_id[:MAX_ID])
        .values(**values)
        .execution_options(synchronize_session=False)
    )
