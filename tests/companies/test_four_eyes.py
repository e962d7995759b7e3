"""Issue 12 item 3: a four-eyes setting per administration — an approval needs a second,
different officer; the first approval records itself. Decisions carry a reason the applicant
reads by mail; nobody decides their own application."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.companies import review, service
from servicekonto.companies.errors import (
    FourEyesSameOfficer,
    InvalidOrganisation,
    OwnApplication,
)
from servicekonto.db.models import Administration, Organisation, OutboxMessage
from servicekonto.errors import NotFound
from servicekonto.staff.service import ADMINISTRATION_ADMIN, REGISTRATION_OFFICER, grant
from tests.companies.factories import (
    ISSUER,
    activated,
    decided,
    events_of,
    person,
    staff,
    state_of,
    submitted,
)


def four_eyes(sessions: sessionmaker[Session], slug: str, on: bool) -> None:
    with sessions() as db:
        db.execute(update(Administration).where(Administration.slug == slug)
                   .values(four_eyes=on))
        db.commit()


def mails(sessions: sessionmaker[Session]) -> list[dict[str, str]]:
    with sessions() as db:
        return [dict(row.payload) for row in db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "mail").order_by(OutboxMessage.id)
        )]


def test_with_four_eyes_the_first_approval_records_itself_and_a_second_officer_completes(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    four_eyes(sessions, "vg-cochem", True)
    applicant = person(sessions, now, email="antrag@weingut.example")
    first, second = (staff(sessions, now, "vg-cochem") for _ in range(2))
    org = submitted(sessions, now, applicant)

    with sessions() as db:
        outcome = review.decide(db, staff_id=first, organisation_id=org, decision="approve",
                                reason="Register stimmt.", now=now, issuer=ISSUER)
        db.commit()
    assert (outcome.action, outcome.state, outcome.complete) == (
        "first_approval", "in_review", False
    )
    with sessions() as db:
        row = db.get(Organisation, org)
        assert row is not None and (row.first_approval_by, row.approved_at) == (first, None)
        queue = review.review_queue(db, staff_id=second, now=now)
        assert [(e.id, e.awaiting_second_approval) for e in queue] == [(org, True)]
    assert mails(sessions)[1:] == []  # the applicant hears of complete decisions only

    with sessions() as db, pytest.raises(FourEyesSameOfficer) as same:
        review.decide(db, staff_id=first, organisation_id=org, decision="approve",
                      reason="Nochmals.", now=now, issuer=ISSUER)
    assert same.value.status == 409
    assert state_of(sessions, org) == "in_review"

    assert decided(sessions, now, second, org, "approve") == "approved"
    with sessions() as db:
        row = db.get(Organisation, org)
        assert row is not None and row.approved_at == now and row.first_approval_by is None
        history = service.history_for_applicant(db, applicant_id=applicant, organisation_id=org)
    # the internal first approval is not the applicant's to read
    assert [step.decision for step in history] == ["submit", "approve"]
    assert events_of(sessions, org)[-2:] == ["organisation.first_approval",
                                             "organisation.approved"]
    [approval] = [m for m in mails(sessions) if m["to"] == "antrag@weingut.example"]
    assert "genehmigt" in approval["subject"]
    assert "Geprüft anhand des Registers." in approval["body"]
    assert f"{ISSUER}/organizations/{org}" in approval["body"]


def test_a_rejection_after_a_first_approval_ends_it(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    four_eyes(sessions, "vg-cochem", True)
    first, second = (staff(sessions, now, "vg-cochem") for _ in range(2))
    org = submitted(sessions, now, person(sessions, now))
    decided(sessions, now, first, org, "approve")
    assert decided(sessions, now, second, org, "reject", "Nicht vertretungsberechtigt.") == (
        "rejected"
    )
    with sessions() as db:
        row = db.get(Organisation, org)
        assert row is not None and row.first_approval_by is None


def test_after_more_information_both_approvals_are_needed_again(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    four_eyes(sessions, "vg-cochem", True)
    applicant = person(sessions, now)
    first, second = (staff(sessions, now, "vg-cochem") for _ in range(2))
    org = submitted(sessions, now, applicant)
    decided(sessions, now, first, org, "approve")
    decided(sessions, now, second, org, "request_info", "Bitte die Gewerbeanmeldung.")
    with sessions() as db:
        service.supplement(db, applicant_id=applicant, organisation_id=org,
                           answer="Liegt bei.", now=now)
        db.commit()
    # the first officer's approval was for the case before the answer
    assert decided(sessions, now, second, org, "approve") == "in_review"
    assert decided(sessions, now, first, org, "approve") == "approved"


def test_without_four_eyes_one_officer_approves(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-zell")
    org = submitted(sessions, now, person(sessions, now), postal_code="56856",
                    locality="Zell (Mosel)")
    assert decided(sessions, now, officer, org, "approve") == "approved"


def test_four_eyes_is_switched_by_the_administrations_admin_only(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    admin = staff(sessions, now, "vg-ulmen", ADMINISTRATION_ADMIN)
    officer = staff(sessions, now, "vg-ulmen", REGISTRATION_OFFICER)
    with sessions() as db:
        review.set_four_eyes(db, staff_id=admin, administration_slug="vg-ulmen", enabled=True,
                             now=now)
        db.commit()
        assert db.scalar(select(Administration.four_eyes)
                         .where(Administration.slug == "vg-ulmen")) is True
    for who, slug in ((officer, "vg-ulmen"), (admin, "vg-cochem"), (admin, "vg-nowhere")):
        with sessions() as db, pytest.raises(NotFound):
            review.set_four_eyes(db, staff_id=who, administration_slug=slug, enabled=False,
                                 now=now)


def test_every_decision_needs_a_reason_and_a_known_decision(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    org = submitted(sessions, now, person(sessions, now))
    for decision, reason, code in (
        ("approve", "  \n ", "reason_required"),
        ("reject", "", "reason_required"),
        ("approve", "x" * 4001, "too_long"),
        ("approve", "Gut\x1b[31m", "control_characters"),
        ("ok", "Gut", "decision_unknown"),
    ):
        with sessions() as db, pytest.raises(InvalidOrganisation) as refused:
            review.decide(db, staff_id=officer, organisation_id=org, decision=decision,
                          reason=reason, now=now, issuer=ISSUER)
        assert [p.code.value for p in refused.value.problems] == [code]
    assert state_of(sessions, org) == "submitted"


def test_staff_never_decide_their_own_application_or_organisation(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    own = submitted(sessions, now, officer)
    with sessions() as db, pytest.raises(OwnApplication):
        review.decide(db, staff_id=officer, organisation_id=own, decision="approve",
                      reason="Passt.", now=now, issuer=ISSUER)
    colleague = staff(sessions, now, "vg-cochem")
    other = activated(sessions, now, officer, colleague, register_number="HRB 99")
    supervisor = staff(sessions, now, "vg-cochem", "registration_supervisor")
    with sessions() as db:
        review.suspend(db, staff_id=supervisor, organisation_id=other, reason="Prüfung", now=now)
        db.commit()
    with sessions() as db:
        grant(db, account_id=officer, administration_slug="vg-cochem",
              role="registration_supervisor")
        db.commit()
    with sessions() as db, pytest.raises(OwnApplication):
        # a member (here the first admin) may not reinstate their organisation either
        review.reinstate(db, staff_id=officer, organisation_id=other, reason="Passt.", now=now)
    assert state_of(sessions, other) == "suspended"
