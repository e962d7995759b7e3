"""Issue 12 item 3 / "tenant isolation matrix" at the service level: staff of one administration
cannot list, open, download from or decide another administration's applications; a foreign id
is NotFound exactly like an id that does not exist (404, not 403), and nothing changes."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.companies import review, service
from servicekonto.errors import NotFound
from servicekonto.staff.service import LETTER_DISPATCH, REGISTRATION_SUPERVISOR
from tests.companies.factories import (
    ISSUER,
    PDF,
    activated,
    audit_rows,
    person,
    staff,
    state_of,
    store,
    submitted,
)

#: The scoping is SQL (`restrict()` subqueries, LIKE with escapes): proven on both databases.
pytestmark = pytest.mark.postgres

ZELL = {"postal_code": "56856", "locality": "Zell (Mosel)"}


@pytest.fixture
def world(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> dict[str, str]:
    """An application in Cochem and one in Zell, and staff of each."""
    return {
        "cochem_org": submitted(sessions, now, person(sessions, now)),
        "zell_org": submitted(sessions, now, person(sessions, now), register_number="HRB 77",
                              **ZELL),
        "cochem_officer": staff(sessions, now, "vg-cochem"),
        "zell_officer": staff(sessions, now, "vg-zell"),
        "zell_supervisor": staff(sessions, now, "vg-zell", REGISTRATION_SUPERVISOR),
        "dispatcher": staff(sessions, now, "vg-cochem", LETTER_DISPATCH),
    }


def test_the_queue_lists_the_officers_administration_only(
    sessions: sessionmaker[Session], world: dict[str, str], now: datetime
) -> None:
    with sessions() as db:
        cochem = review.review_queue(db, staff_id=world["cochem_officer"], now=now)
        zell = review.review_queue(db, staff_id=world["zell_officer"], now=now)
        supervised = review.review_queue(db, staff_id=world["zell_supervisor"], now=now)
        dispatched = review.review_queue(db, staff_id=world["dispatcher"], now=now)
    assert [e.id for e in cochem] == [world["cochem_org"]]
    assert [e.id for e in zell] == [world["zell_org"]] == [e.id for e in supervised]
    assert dispatched == []  # letter dispatch is no registration role


def test_a_foreign_id_is_not_found_like_a_missing_one(
    sessions: sessionmaker[Session], world: dict[str, str], now: datetime
) -> None:
    officer, foreign = world["cochem_officer"], world["zell_org"]
    with sessions() as db:
        documents = review.get_for_staff(db, staff_id=world["zell_officer"],
                                         organisation_id=foreign).documents
    before = len(audit_rows(sessions))
    calls = {
        "open": lambda db, org: review.get_for_staff(db, staff_id=officer, organisation_id=org),
        "download": lambda db, org: review.document_for_staff(
            db, staff_id=officer, organisation_id=org, document_id=documents[0].id,
            store=store(db)),
        "decide": lambda db, org: review.decide(
            db, staff_id=officer, organisation_id=org, decision="approve", reason="Passt.",
            now=now, issuer=ISSUER),
        "start_review": lambda db, org: review.start_review(
            db, staff_id=officer, organisation_id=org, now=now),
        "note": lambda db, org: review.add_note(
            db, staff_id=officer, organisation_id=org, text="Notiz", now=now),
    }
    for name, call in calls.items():
        for org in (foreign, "0" * 32):
            with sessions() as db, pytest.raises(NotFound) as missing:
                call(db, org)
            assert (missing.value.status, missing.value.description) == (
                404, "no such organisation"
            ), name
    assert state_of(sessions, foreign) == "submitted"
    assert len(audit_rows(sessions)) == before


def test_a_document_is_reached_only_through_its_own_organisation(
    sessions: sessionmaker[Session], world: dict[str, str]
) -> None:
    with sessions() as db:
        zell_doc = review.get_for_staff(db, staff_id=world["zell_officer"],
                                        organisation_id=world["zell_org"]).documents[0]
        own = review.document_for_staff(db, staff_id=world["zell_officer"],
                                        organisation_id=world["zell_org"],
                                        document_id=zell_doc.id, store=store(db))
        assert own.data == PDF and own.document.sha256 == zell_doc.sha256
        # the Cochem officer's own organisation id with Zell's document id
        with pytest.raises(NotFound):
            review.document_for_staff(db, staff_id=world["cochem_officer"],
                                      organisation_id=world["cochem_org"],
                                      document_id=zell_doc.id, store=store(db))


def test_supervisors_act_on_their_administration_only(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    cochem_org = activated(sessions, now, person(sessions, now), staff(sessions, now,
                                                                        "vg-cochem"))
    zell_supervisor = staff(sessions, now, "vg-zell", REGISTRATION_SUPERVISOR)
    with sessions() as db, pytest.raises(NotFound):
        review.suspend(db, staff_id=zell_supervisor, organisation_id=cochem_org,
                       reason="Missbrauch", now=now)
    assert state_of(sessions, cochem_org) == "activated"


def test_the_applicant_sees_only_their_own_applications(
    sessions: sessionmaker[Session], world: dict[str, str], now: datetime
) -> None:
    stranger = person(sessions, now)
    with sessions() as db:
        assert service.list_for_applicant(db, applicant_id=stranger) == []
        for call in (
            lambda: service.get_for_applicant(db, applicant_id=stranger,
                                              organisation_id=world["zell_org"]),
            lambda: service.documents_for_applicant(db, applicant_id=stranger,
                                                    organisation_id=world["zell_org"]),
            lambda: service.submit(db, applicant_id=stranger,
                                   organisation_id=world["zell_org"], now=now),
        ):
            with pytest.raises(NotFound):
                call()


def test_the_queue_filters_by_state_and_finds_by_name_or_register_number(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    mueller = submitted(sessions, now, person(sessions, now),
                        name="Weingut Müller-Thurgau GmbH", register_number="HRB 20611 B")
    other = submitted(sessions, now, person(sessions, now), name="Cochemer Fährbetrieb GmbH",
                      register_number="HRB 4711")
    with sessions() as db:
        review.decide(db, staff_id=officer, organisation_id=other, decision="request_info",
                      reason="Bitte Vollmacht.", now=now, issuer=ISSUER)
        db.commit()

    def found(**query: object) -> list[str]:
        with sessions() as db:
            return [e.id for e in review.review_queue(db, staff_id=officer, now=now,
                                                      **query)]  # type: ignore[arg-type]

    assert found() == [mueller]
    assert found(states=("info_requested",)) == [other]
    assert found(states=("submitted", "info_requested"), search="MUELLER") == [mueller]
    assert found(states=("submitted", "info_requested"), search="müller") == [mueller]
    assert found(states=("submitted", "info_requested"), search="fähr") == [other]
    assert found(states=("submitted", "info_requested"), search="HRB 20611 b") == [mueller]
    assert found(states=("submitted", "info_requested"), search="4711") == [other]
    assert found(states=("submitted", "info_requested"), search="100%_") == []


def test_days_waiting_count_from_the_last_submission(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    from datetime import timedelta

    officer = staff(sessions, now, "vg-cochem")
    submitted(sessions, now, person(sessions, now))
    with sessions() as db:
        [entry] = review.review_queue(db, staff_id=officer, now=now + timedelta(days=3, hours=5))
    assert entry.days_waiting == 3
    assert entry.register_entry == "Amtsgericht Koblenz, HRB 1234 B"
    assert entry.legal_form_name == "GmbH"
