"""Issue 12 item 1: every state transition and every illegal one. Each action is tried from each
of the nine states through the service that performs it: where the table in
`companies.states` allows it, the state moves, a history row and an audit event (ids only) are
written; everywhere else IllegalTransition (409) and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.companies import review, service
from servicekonto.companies.errors import IllegalTransition
from servicekonto.companies.lifecycle import EVENTS
from servicekonto.companies.states import LIVE, TRANSITIONS, Action, State
from servicekonto.db.models import (
    Administration,
    AuditEvent,
    Organisation,
    OrganisationDecision,
)
from servicekonto.staff.service import REGISTRATION_OFFICER, REGISTRATION_SUPERVISOR
from tests.companies.factories import ISSUER, audit_rows, draft, person, staff, state_of

REASON = "Begründung für die antragstellende Person."


class Actors:
    def __init__(self, sessions: sessionmaker[Session], now: datetime) -> None:
        self.applicant = person(sessions, now)
        self.officer = staff(sessions, now, "vg-cochem", REGISTRATION_OFFICER)
        self.supervisor = staff(sessions, now, "vg-cochem", REGISTRATION_SUPERVISOR)


Perform = Callable[[Session, str, Actors, datetime], object]


def _decide(decision: str) -> Perform:
    def perform(db: Session, org: str, who: Actors, now: datetime) -> object:
        return review.decide(db, staff_id=who.officer, organisation_id=org, decision=decision,
                             reason=REASON, now=now, issuer=ISSUER)
    return perform


PERFORM: dict[Action, Perform] = {
    Action.SUBMIT: lambda db, org, who, now: service.submit(
        db, applicant_id=who.applicant, organisation_id=org, now=now),
    Action.START_REVIEW: lambda db, org, who, now: review.start_review(
        db, staff_id=who.officer, organisation_id=org, now=now),
    Action.REQUEST_INFO: _decide("request_info"),
    Action.SUPPLEMENT: lambda db, org, who, now: service.supplement(
        db, applicant_id=who.applicant, organisation_id=org, answer="Anbei die Antwort.",
        now=now),
    Action.FIRST_APPROVAL: _decide("approve"),  # with four-eyes on
    Action.APPROVE: _decide("approve"),
    Action.REJECT: _decide("reject"),
    Action.ACTIVATE: lambda db, org, who, now: service.complete_activation(
        db, organisation_id=org, account_id=who.applicant, now=now),
    Action.SUSPEND: lambda db, org, who, now: review.suspend(
        db, staff_id=who.supervisor, organisation_id=org, reason=REASON, now=now),
    Action.REINSTATE: lambda db, org, who, now: review.reinstate(
        db, staff_id=who.supervisor, organisation_id=org, reason=REASON, now=now),
    Action.CLOSE: lambda db, org, who, now: review.close(
        db, staff_id=who.supervisor, organisation_id=org, reason=REASON, now=now),
    Action.BLOCK: lambda db, org, who, now: service.block(db, organisation_id=org, now=now),
}


def in_state(sessions: sessionmaker[Session], now: datetime, who: Actors, state: State,
             number: int) -> str:
    """An application (with a document) put into `state` directly, as the services would have
    left it; each with its own register number, so live ones do not clash."""
    organisation_id = draft(sessions, now, who.applicant, register_number=f"HRB {number}")
    with sessions() as db:
        db.execute(
            update(Organisation).where(Organisation.id == organisation_id).values(
                state=state.value,
                register_key=f"HRB|{number}|koblenz" if state in LIVE else None,
                submitted_at=None if state is State.DRAFT else now,
            )
        )
        db.commit()
    return organisation_id


@pytest.mark.parametrize("action", list(Action))
def test_each_action_moves_exactly_from_its_states(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, action: Action
) -> None:
    who = Actors(sessions, now)
    with sessions() as db:
        db.execute(update(Administration).where(Administration.slug == "vg-cochem")
                   .values(four_eyes=action is Action.FIRST_APPROVAL))
        db.commit()
    sources, target = TRANSITIONS[action]
    for number, state in enumerate(State, start=1000):
        organisation_id = in_state(sessions, now, who, state, number)
        before = len(audit_rows(sessions))
        if state in sources or (action is Action.START_REVIEW and state is State.IN_REVIEW):
            with sessions() as db:
                PERFORM[action](db, organisation_id, who, now)
                db.commit()
            if action is Action.START_REVIEW and state is State.IN_REVIEW:
                # taking a case already in review is no step at all
                assert state_of(sessions, organisation_id) == State.IN_REVIEW
                assert len(audit_rows(sessions)) == before
                continue
            assert state_of(sessions, organisation_id) == target, (action, state)
            with sessions() as db:
                step = db.scalars(
                    select(OrganisationDecision)
                    .where(OrganisationDecision.organisation_id == organisation_id)
                    .order_by(OrganisationDecision.id.desc())
                ).first()
            assert step is not None
            assert (step.decision, step.from_state, step.to_state) == (
                action.value, state.value, target.value
            )
            new_events = [
                row for row in audit_rows(sessions)[before:]
                if row["subject"] == f"organisation:{organisation_id}"
            ]
            assert EVENTS[action] in [row["event"] for row in new_events]
            moved = next(row for row in new_events if row["event"] == EVENTS[action])
            assert moved["details"] == {"from": state.value, "to": target.value,
                                        "decision": step.id}
        else:
            with sessions() as db, pytest.raises(IllegalTransition) as refused:
                PERFORM[action](db, organisation_id, who, now)
            assert refused.value.status == 409
            assert (refused.value.action, refused.value.state) == (action.value, state.value)
            assert state_of(sessions, organisation_id) == state
            assert len(audit_rows(sessions)) == before


def test_the_whole_journey_leaves_a_readable_history_and_an_intact_audit_chain(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    from servicekonto.audit.service import verify_chain

    who = Actors(sessions, now)
    org = draft(sessions, now, who.applicant)
    steps: list[tuple[Action, Perform]] = [
        (Action.SUBMIT, PERFORM[Action.SUBMIT]),
        (Action.START_REVIEW, PERFORM[Action.START_REVIEW]),
        (Action.REQUEST_INFO, PERFORM[Action.REQUEST_INFO]),
        (Action.SUPPLEMENT, PERFORM[Action.SUPPLEMENT]),
        (Action.APPROVE, PERFORM[Action.APPROVE]),
        (Action.ACTIVATE, PERFORM[Action.ACTIVATE]),
        (Action.SUSPEND, PERFORM[Action.SUSPEND]),
        (Action.REINSTATE, PERFORM[Action.REINSTATE]),
        (Action.CLOSE, PERFORM[Action.CLOSE]),
    ]
    for _action, perform in steps:
        with sessions() as db:
            perform(db, org, who, now)
            db.commit()
    with sessions() as db:
        history = service.history_for_applicant(db, applicant_id=who.applicant,
                                                organisation_id=org)
        assert [step.decision for step in history] == [action.value for action, _ in steps]
        assert history[2].reason == REASON and history[3].reason == "Anbei die Antwort."
        registered = db.scalar(select(Organisation.register_key).where(Organisation.id == org))
        assert registered is None  # closed: the register entry is free again
        assert verify_chain(db).intact
        # ids only: no name, e-mail or reason text in the audit rows
        for row in db.scalars(select(AuditEvent)):
            flat = f"{row.actor} {row.subject} {row.details}"
            assert "Moselweingut" not in flat and "@" not in flat and REASON not in flat
        assert db.scalar(
            select(func.count()).select_from(OrganisationDecision)
            .where(OrganisationDecision.organisation_id == org)
        ) == len(steps)
