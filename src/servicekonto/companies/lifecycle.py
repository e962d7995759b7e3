"""Moving an organisation from one state to the next: one conditional UPDATE, one history row,
one audit event (ids only).

`move` is the only writer of `organisations.state`. Its UPDATE names the state and the version
it read (every change counts the version up), so of two people acting on the same organisation
at once exactly one matches a row; the other gets `ConcurrentDecision`. A staff member's UPDATE
is also scoped to their administrations (`db.scoping.restrict`), so not even a forged id changes
another administration's row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.companies.errors import (
    ConcurrentDecision,
    IllegalTransition,
    RegisterEntryTaken,
)
from servicekonto.companies.states import FINAL, LIVE, Action, State, can, target
from servicekonto.db.models import Organisation, OrganisationDecision
from servicekonto.db.scoping import Roles, restrict
from servicekonto.errors import NotFound

#: Audit event per action (past tense: what happened).
EVENTS: dict[Action, str] = {
    Action.SUBMIT: "organisation.submitted",
    Action.START_REVIEW: "organisation.review_started",
    Action.REQUEST_INFO: "organisation.info_requested",
    Action.SUPPLEMENT: "organisation.supplemented",
    Action.FIRST_APPROVAL: "organisation.first_approval",
    Action.APPROVE: "organisation.approved",
    Action.REJECT: "organisation.rejected",
    Action.ACTIVATE: "organisation.activated",
    Action.SUSPEND: "organisation.suspended",
    Action.REINSTATE: "organisation.reinstated",
    Action.CLOSE: "organisation.closed",
    Action.BLOCK: "organisation.blocked",
}


def subject(organisation_id: str) -> str:
    """The audit subject of everything that happens to an organisation."""
    return f"organisation:{organisation_id}"


def load(db: Session, organisation_id: str) -> Organisation | None:
    """The row as it is now (not a copy the session remembers from before an UPDATE)."""
    return db.scalar(
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .execution_options(populate_existing=True)
    )


def load_scoped(db: Session, organisation_id: str, *, staff: str, role: Roles) -> Organisation:
    """The row if it belongs to an administration where `staff` holds `role`; NotFound
    otherwise, the same answer as for an id that does not exist (no oracle)."""
    row = db.scalar(
        restrict(select(Organisation), staff=staff, role=role)
        .where(Organisation.id == organisation_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("no such organisation")
    return row


def move(
    db: Session,
    *,
    row: Organisation,
    action: Action,
    actor: str | None,
    now: datetime,
    reason: str | None = None,
    values: dict[str, Any] | None = None,
    scope: tuple[str, Roles] | None = None,
    audit_actor: str | None = None,
    request_id: str = "",
) -> int:
    """Move `row` (as read) by `action`; returns the history row's id.

    `actor`: the acting account id (None for the system); `scope`: (staff id, roles) to limit
    the UPDATE to their administrations; `values`: further columns to set. IllegalTransition
    when the action cannot start from the state read, ConcurrentDecision when the row changed in
    between, RegisterEntryTaken when another live organisation holds the register entry.
    """
    if not can(action, row.state):
        raise IllegalTransition(action=action.value, state=row.state)
    to = target(action)
    changes: dict[str, Any] = {
        "state": to.value, "updated_at": now, "version": row.version + 1, **(values or {})
    }
    if action is not Action.FIRST_APPROVAL:
        # Any other move ends a pending four-eyes approval: it was for the case as it stood.
        changes.setdefault("first_approval_by", None)
        changes.setdefault("first_approval_at", None)
    if to in FINAL:
        changes["register_key"] = None  # frees the register entry for a new application
    write_unchanged(db, row=row, values=changes, scope=scope)
    decision = OrganisationDecision(
        organisation_id=row.id,
        actor_account_id=actor,
        decision=action.value,
        from_state=row.state,
        to_state=to.value,
        reason=reason,
        at=now,
    )
    db.add(decision)
    db.flush()
    record(
        db,
        at=now,
        event=EVENTS[action],
        actor=audit_actor or (f"account:{actor}" if actor else "system"),
        subject=subject(row.id),
        details={"from": row.state, "to": to.value, "decision": decision.id},
        request_id=request_id,
    )
    return decision.id


def register_key_free(db: Session, *, key: str | None, organisation_id: str) -> None:
    """RegisterEntryTaken if another organisation holds `key` now (the common case, answered
    before any write; the UNIQUE constraint still decides a race)."""
    if key is None:
        return
    holder = db.scalar(select(Organisation.id).where(Organisation.register_key == key))
    if holder is not None and holder != organisation_id:
        raise RegisterEntryTaken("another organisation holds this register entry")


def holds_register_entry(state: str) -> bool:
    return State(state) in LIVE


def write_unchanged(
    db: Session, *, row: Organisation, values: dict[str, Any],
    scope: tuple[str, Roles] | None = None,
) -> None:
    """Set `values` on `row` with one UPDATE that names the state and version read (module doc),
    limited to the staff member's administrations with `scope`. ConcurrentDecision when the row
    changed in between, RegisterEntryTaken when another live organisation holds the register
    entry (the UNIQUE `register_key`)."""
    statement = (
        update(Organisation)
        .where(
            Organisation.id == row.id,
            Organisation.state == row.state,
            Organisation.version == row.version,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if scope is not None:
        statement = restrict(statement, staff=scope[0], role=scope[1])
    try:
        with db.begin_nested():
            written = db.execute(statement).rowcount  # type: ignore[attr-defined]
    except IntegrityError as exc:
        raise RegisterEntryTaken("another organisation holds this register entry") from exc
    if written != 1:
        raise ConcurrentDecision("the organisation was changed by someone else meanwhile")
