"""Issue 12 item 3: "two officers deciding at once → exactly one decision wins, the other gets a
clear answer" — on SQLite and PostgreSQL, with real threads and one connection each, released
together by a barrier. Also the other races the database decides: one register entry submitted
twice, two admins demoting each other, one invitation accepted twice.

On PostgreSQL the losers usually read the old state and lose the conditional UPDATE
(ConcurrentDecision); on SQLite writers queue (BEGIN IMMEDIATE), so they read the new state and
the step is no longer possible (IllegalTransition). Both are 409 with a stable code."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.audit.service import verify_chain
from servicekonto.companies import members, review, service
from servicekonto.companies.errors import (
    AlreadyMember,
    ConcurrentDecision,
    FourEyesSameOfficer,
    IllegalTransition,
    InvitationInvalid,
    LastAdmin,
    NotOrganisationAdmin,
    RegisterEntryTaken,
)
from servicekonto.db.models import (
    Administration,
    OrganisationDecision,
    OrganisationMember,
    OutboxMessage,
)
from servicekonto.errors import ServiceKontoError
from tests.companies.factories import (
    ISSUER,
    activated,
    draft,
    person,
    staff,
    state_of,
    submitted,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

T = TypeVar("T")
LOST = (ConcurrentDecision, IllegalTransition)


def race(
    sessions: sessionmaker[Session], calls: list[Callable[[Session], T]]
) -> list[T | ServiceKontoError]:
    """Run each call in its own thread and transaction, all released at once; the result or
    the typed error of each, in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[Session], T]) -> T | ServiceKontoError:
        with sessions() as db:
            barrier.wait(timeout=30)
            try:
                result = call(db)
                db.commit()
                return result
            except ServiceKontoError as error:
                db.rollback()
                return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _decision(officer: str, org: str, decision: str, now: datetime,
              version: int | None = None) -> Callable[[Session], str]:
    def call(db: Session) -> str:
        return review.decide(db, staff_id=officer, organisation_id=org, decision=decision,
                             reason=f"{decision} by {officer[:6]}", now=now, issuer=ISSUER,
                             expected_version=version).action
    return call


def _version(sessions: sessionmaker[Session], officer: str, org: str) -> int:
    """The version the officer's page shows."""
    with sessions() as db:
        return review.get_for_staff(db, staff_id=officer, organisation_id=org).organisation.version


@pytest.mark.parametrize("shown_version", [True, False])
def test_of_officers_deciding_at_once_exactly_one_wins(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str,
    shown_version: bool,
) -> None:
    applicant = person(sessions, now)
    officers = [staff(sessions, now, "vg-cochem") for _ in range(6)]
    org = submitted(sessions, now, applicant)
    decisions = ["approve", "reject", "request_info"] * 2
    version = _version(sessions, officers[0], org) if shown_version else None

    results = race(sessions, [
        _decision(officer, org, decision, now, version) for officer, decision in zip(
            officers, decisions, strict=True)
    ])

    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if not isinstance(r, str)]
    assert len(won) == 1, (backend, results)
    # with the version the pages showed, every loser is told someone else was quicker
    answer = ConcurrentDecision if shown_version else LOST
    assert all(isinstance(r, answer) and r.status == 409 for r in lost), results
    expected_state = {"approve": "approved", "reject": "rejected",
                      "request_info": "info_requested"}[won[0]]
    assert state_of(sessions, org) == expected_state
    with sessions() as db:
        steps = list(db.scalars(select(OrganisationDecision.decision).where(
            OrganisationDecision.organisation_id == org).order_by(OrganisationDecision.id)))
        assert steps == ["submit", won[0]]
        # one mail to the applicant: the winning decision's
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        assert verify_chain(db).intact


def test_one_officer_clicking_approve_twice_under_four_eyes_is_one_first_approval(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str
) -> None:
    with sessions() as db:
        db.execute(update(Administration).where(Administration.slug == "vg-cochem")
                   .values(four_eyes=True))
        db.commit()
    officer = staff(sessions, now, "vg-cochem")
    org = submitted(sessions, now, person(sessions, now))

    results = race(sessions, [_decision(officer, org, "approve", now) for _ in range(4)])

    assert [r for r in results if isinstance(r, str)] == ["first_approval"], (backend, results)
    assert all(isinstance(r, (*LOST, FourEyesSameOfficer)) for r in results
               if not isinstance(r, str))
    assert state_of(sessions, org) == "in_review"


def test_two_officers_approving_a_shown_case_at_once_under_four_eyes_give_one_first_approval(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str
) -> None:
    with sessions() as db:
        db.execute(update(Administration).where(Administration.slug == "vg-cochem")
                   .values(four_eyes=True))
        db.commit()
    first, second = staff(sessions, now, "vg-cochem"), staff(sessions, now, "vg-cochem")
    org = submitted(sessions, now, person(sessions, now))
    version = _version(sessions, first, org)

    results = race(sessions, [_decision(first, org, "approve", now, version),
                              _decision(second, org, "approve", now, version)])

    assert sorted(type(r).__name__ for r in results) == ["ConcurrentDecision", "str"], results
    assert "first_approval" in results
    assert state_of(sessions, org) == "in_review"


def test_two_officers_approving_at_once_under_four_eyes_never_approve_alone(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str
) -> None:
    with sessions() as db:
        db.execute(update(Administration).where(Administration.slug == "vg-cochem")
                   .values(four_eyes=True))
        db.commit()
    first, second = staff(sessions, now, "vg-cochem"), staff(sessions, now, "vg-cochem")
    org = submitted(sessions, now, person(sessions, now))

    results = race(sessions, [_decision(first, org, "approve", now),
                              _decision(second, org, "approve", now)])

    # exactly one first approval; the other either lost the race or, having read the first
    # approval (SQLite queues writers), is the second, different officer's approval
    assert sorted(r if isinstance(r, str) else "lost" for r in results) in (
        ["first_approval", "lost"], ["approve", "first_approval"]
    ), (backend, results)
    with sessions() as db:
        actors = set(db.scalars(select(OrganisationDecision.actor_account_id).where(
            OrganisationDecision.organisation_id == org,
            OrganisationDecision.decision.in_(["first_approval", "approve"]))))
    assert len(actors) == len([r for r in results if isinstance(r, str)])


def test_one_register_entry_submitted_twice_at_once_is_taken_once(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str
) -> None:
    applicants = [person(sessions, now) for _ in range(4)]
    drafts = [(a, draft(sessions, now, a)) for a in applicants]

    def submit(applicant: str, org: str) -> Callable[[Session], str]:
        def call(db: Session) -> str:
            return service.submit(db, applicant_id=applicant, organisation_id=org,
                                  now=now).state
        return call

    results = race(sessions, [submit(a, org) for a, org in drafts])

    assert [r for r in results if isinstance(r, str)] == ["submitted"], (backend, results)
    assert all(isinstance(r, RegisterEntryTaken) for r in results if not isinstance(r, str))
    assert sorted(state_of(sessions, org) for _a, org in drafts) == [
        "draft", "draft", "draft", "submitted"
    ]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str
) -> None:
    first = person(sessions, now)
    org = activated(sessions, now, first, staff(sessions, now, "vg-cochem"))
    other = person(sessions, now)
    with sessions() as db:
        members.add_member(db, organisation_id=org, account_id=other, role=members.ADMIN,
                           now=now, actor=first)
        db.commit()

    def demote(admin: str, target: str) -> Callable[[Session], str]:
        def call(db: Session) -> str:
            members.set_role(db, organisation_id=org, admin_id=admin, member_account_id=target,
                             role=members.MEMBER, now=now)
            return "demoted"
        return call

    results = race(sessions, [demote(first, other), demote(other, first)])

    assert results.count("demoted") == 1, (backend, results)
    assert all(isinstance(r, (LastAdmin, NotOrganisationAdmin)) for r in results
               if r != "demoted")
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(OrganisationMember).where(
            OrganisationMember.organisation_id == org,
            OrganisationMember.role == members.ADMIN)) == 1


def test_one_invitation_accepted_twice_at_once_makes_one_membership(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, backend: str
) -> None:
    admin = person(sessions, now)
    org = activated(sessions, now, admin, staff(sessions, now, "vg-cochem"))
    colleague = person(sessions, now, email="kollegin@weingut.example")
    with sessions() as db:
        issued = members.invite(db, organisation_id=org, admin_id=admin,
                                email="kollegin@weingut.example", role=members.MEMBER,
                                now=now, issuer=ISSUER)
        db.commit()

    def accept(db: Session) -> str:
        return members.accept_invitation(db, token=issued.token, account_id=colleague,
                                         now=now).role

    results = race(sessions, [accept] * 4)

    assert results.count("member") == 1, (backend, results)
    assert all(isinstance(r, (InvitationInvalid, AlreadyMember)) for r in results
               if r != "member")
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(OrganisationMember).where(
            OrganisationMember.organisation_id == org)) == 2
