"""Tie work outside the database to the outcome of the session's transaction (port doc).

A store outside the database cannot join the transaction, so it does the next best thing: a
write happens at once (the same request reads it back) and is undone if the transaction rolls
back or the session closes without committing; a deletion waits until the transaction has
committed, so a rolled-back request never loses an object its rows still point to. A crash
between the write and the commit leaves an unreferenced object behind — sealed, and found by the
owner's clean-up through `ids_with_prefix` — never a row pointing at nothing.

The per-transaction state lives in `Session.info` under a key per store; the session's
`after_commit` and `after_transaction_end` events (SQLAlchemy ORM events) run it. A failure
while finishing is logged (type only), never raised: the database has already decided.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_log = logging.getLogger(__name__)
_STATES = "servicekonto.blobs.pending"
_LISTENING = "servicekonto.blobs.listening"


class Pending(Protocol):
    """What a store keeps for the running transaction."""

    def commit(self) -> None:
        """The transaction committed: make the deferred changes (deletions) final."""

    def rollback(self) -> None:
        """The transaction ended without a commit: undo the writes."""


P = TypeVar("P", bound=Pending)


def pending(db: Session, key: str, factory: Callable[[], P]) -> P:
    """The state of store `key` for the session's current transaction, created on first use."""
    if not db.in_transaction():
        # Begin now, so the end of this transaction (commit, rollback or close) fires the events
        # even when the store is the only thing the request touches.
        db.begin()
    if not db.info.get(_LISTENING):
        event.listen(db, "after_commit", _after_commit)
        event.listen(db, "after_transaction_end", _after_transaction_end)
        db.info[_LISTENING] = True
    states: dict[str, Any] = db.info.setdefault(_STATES, {})
    state = states.get(key)
    if state is None:
        state = states[key] = factory()
    return state


def peek(db: Session, key: str) -> Pending | None:
    """The state of store `key` in the current transaction, or None (nothing created)."""
    states: dict[str, Pending] = db.info.get(_STATES, {})
    return states.get(key)


def _after_commit(db: Session) -> None:
    for state in _take(db):
        _finish(state.commit)


def _after_transaction_end(db: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction decides; a savepoint ending is not the end of the work.
    # After a commit `_after_commit` has already taken the states, so this undoes nothing then.
    if transaction.parent is None:
        for state in _take(db):
            _finish(state.rollback)


def _take(db: Session) -> list[Pending]:
    states: dict[str, Pending] = db.info.pop(_STATES, {})
    return list(states.values())


def _finish(step: Callable[[], None]) -> None:
    try:
        step()
    except Exception as exc:  # the database has decided; log and go on
        _log.error("blob store could not finish a transaction: %s", type(exc).__name__)
