"""The applicant's side of the registration (issue 12 items 1–2, domain layer): drafts,
documents in the blobs port, submitting, one live organisation per register entry, answering a
request for more information, activation as first admin and the Widerrufscode's block."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.blobs import service as blobs
from servicekonto.clock import FixedClock
from servicekonto.companies import members, review, service
from servicekonto.companies.errors import (
    DocumentsMissing,
    IllegalTransition,
    InvalidOrganisation,
    RegisterEntryTaken,
    TooManyApplications,
)
from servicekonto.db.models import Organisation, OrganisationDocument
from servicekonto.errors import NotFound
from servicekonto.staff.service import REGISTRATION_SUPERVISOR
from tests.companies.factories import (
    ISSUER,
    PDF,
    activated,
    decided,
    draft,
    events_of,
    form,
    person,
    staff,
    state_of,
    store,
    submitted,
)


def add(db: Session, applicant: str, org: str, now: datetime, **overrides: object) -> object:
    arguments: dict[str, object] = {
        "doc_type": "gewerbeanmeldung", "data": PDF, "content_type": "application/pdf",
        "original_filename": "Gewerbe.pdf", "scan_status": "clean", **overrides,
    }
    return service.add_document(db, applicant_id=applicant, organisation_id=org, now=now,
                                store=store(db), **arguments)  # type: ignore[arg-type]


def test_a_document_goes_to_the_blobs_port_under_our_name_with_its_digest(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    applicant = person(sessions, now)
    org = draft(sessions, now, applicant, documents=0)
    with sessions() as db:
        document = service.add_document(
            db, applicant_id=applicant, organisation_id=org, doc_type="satzung", data=PDF,
            content_type="application/pdf", original_filename="../../etc/Satzung 2024.pdf",
            scan_status="skipped", store=store(db), now=now,
        )
        db.commit()
        row = db.get(OrganisationDocument, document.id)
        assert row is not None
        assert row.blob_id == f"organisation-document:{document.id}"
        assert row.original_filename == "Satzung 2024.pdf"  # display only, no path part
        assert (row.size, row.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
        stored = blobs.get(db, blob_id=row.blob_id)
        assert stored is not None and PDF not in stored.data  # sealed at rest
        content = service.document_for_applicant(db, applicant_id=applicant,
                                                 organisation_id=org, document_id=document.id,
                                                 store=store(db))
        assert content.data == PDF
        service.remove_document(db, applicant_id=applicant, organisation_id=org,
                                document_id=document.id, store=store(db), now=now)
        db.commit()
        assert blobs.get(db, blob_id=row.blob_id) is None
    assert events_of(sessions, org) == [
        "organisation.created", "organisation.document_added", "organisation.document_removed"
    ]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"doc_type": "passport"}, "doc_type_unknown"),
        ({"content_type": "text/html"}, "content_type_not_allowed"),
        ({"scan_status": "infected"}, "scan_status_not_accepted"),
        ({"scan_status": "pending"}, "scan_status_not_accepted"),
        ({"data": b""}, "file_empty"),
        ({"data": b"%PDF" + b"0" * (10 * 1024 * 1024)}, "file_too_large"),
        ({"original_filename": "a\x00.pdf"}, "control_characters"),
    ],
)
def test_a_document_the_domain_would_not_keep_leaves_nothing_stored(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime,
    overrides: dict[str, object], code: str,
) -> None:
    applicant = person(sessions, now)
    org = draft(sessions, now, applicant, documents=0)
    with sessions() as db, pytest.raises(InvalidOrganisation) as refused:
        add(db, applicant, org, now, **overrides)
    assert code in [p.code.value for p in refused.value.problems]
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(OrganisationDocument)) == 0
        assert blobs.ids_with_prefix(db, "organisation-document:") == []


def test_an_application_is_submitted_with_at_least_one_document(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    applicant = person(sessions, now)
    org = draft(sessions, now, applicant, documents=0)
    with sessions() as db, pytest.raises(DocumentsMissing):
        service.submit(db, applicant_id=applicant, organisation_id=org, now=now)
    with sessions() as db:
        add(db, applicant, org, now)
        submitted_view = service.submit(db, applicant_id=applicant, organisation_id=org, now=now)
        db.commit()
    assert (submitted_view.state, submitted_view.submitted_at) == ("submitted", now)
    with sessions() as db, pytest.raises(IllegalTransition):
        add(db, applicant, org, now)  # what the officers review stays as submitted


def test_one_register_entry_is_live_once_and_free_again_after_rejection(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    first = submitted(sessions, now, person(sessions, now))
    second_applicant = person(sessions, now)
    # the same entry typed differently, and a draft holds nothing
    second = draft(sessions, now, second_applicant, register_number="1234b",
                   register_court="Koblenz")
    with sessions() as db, pytest.raises(RegisterEntryTaken) as taken:
        service.submit(db, applicant_id=second_applicant, organisation_id=second, now=now)
    assert taken.value.status == 409
    # the same number at another court is another company
    elsewhere = submitted(sessions, now, person(sessions, now), register_court="Montabaur")
    assert state_of(sessions, elsewhere) == "submitted"

    decided(sessions, now, officer, first, "reject", "Keine Vertretungsbefugnis.")
    with sessions() as db:
        service.submit(db, applicant_id=second_applicant, organisation_id=second, now=now)
        db.commit()
    assert state_of(sessions, second) == "submitted"


def test_changing_the_register_entry_while_asked_for_more_keeps_it_unique(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    submitted(sessions, now, person(sessions, now), register_number="HRB 500")
    applicant = person(sessions, now)
    org = submitted(sessions, now, applicant)
    decided(sessions, now, officer, org, "request_info", "Nummer stimmt nicht.")
    with sessions() as db, pytest.raises(RegisterEntryTaken):
        service.update_draft(db, applicant_id=applicant, organisation_id=org,
                             form=form(register_number="HRB 500"), now=now)
    with sessions() as db:
        updated = service.update_draft(db, applicant_id=applicant, organisation_id=org,
                                       form=form(register_number="HRB 501"), now=now)
        db.commit()
        assert db.scalar(select(Organisation.register_key)
                         .where(Organisation.id == org)) == "HRB|501|koblenz"
    assert updated.register_entry == "Amtsgericht Koblenz, HRB 501"


def test_a_request_for_more_is_answered_by_text_or_a_new_document(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, clock: FixedClock
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    applicant = person(sessions, now)
    org = submitted(sessions, now, applicant)
    decided(sessions, now, officer, org, "request_info", "Bitte die Gewerbeanmeldung.")
    with sessions() as db, pytest.raises(InvalidOrganisation) as empty:
        service.supplement(db, applicant_id=applicant, organisation_id=org, answer="  ",
                           now=now)
    assert [p.code.value for p in empty.value.problems] == ["answer_required"]
    later = clock.advance(hours=2)
    with sessions() as db:
        add(db, applicant, org, later)
        service.supplement(db, applicant_id=applicant, organisation_id=org, answer="",
                           now=later)
        db.commit()
    assert state_of(sessions, org) == "submitted"
    with sessions() as db:
        history = service.history_for_applicant(db, applicant_id=applicant, organisation_id=org)
    assert [(s.decision, s.reason) for s in history] == [
        ("submit", None),
        ("request_info", "Bitte die Gewerbeanmeldung."),
        ("supplement", None),
    ]


def test_activation_makes_the_applicant_the_first_admin(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    applicant = person(sessions, now)
    org = submitted(sessions, now, applicant)
    decided(sessions, now, staff(sessions, now, "vg-cochem"), org, "approve")
    with sessions() as db, pytest.raises(NotFound):
        service.complete_activation(db, organisation_id=org, account_id=person(sessions, now),
                                    now=now)
    with sessions() as db:
        view = service.complete_activation(db, organisation_id=org, account_id=applicant,
                                           now=now)
        db.commit()
        assert (view.state, view.activated_at) == ("activated", now)
        [membership] = members.memberships_for(db, account_id=applicant)
    assert (membership.organisation_id, membership.role, membership.legal_form_name) == (
        org, "admin", "GmbH"
    )
    assert events_of(sessions, org)[-2:] == ["organisation.activated",
                                             "organisation.member_added"]


def test_the_widerrufscode_closes_an_approved_organisation_and_frees_its_entry(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    org = submitted(sessions, now, person(sessions, now))
    decided(sessions, now, staff(sessions, now, "vg-cochem"), org, "approve")
    with sessions() as db:
        service.block(db, organisation_id=org, now=now)
        db.commit()
    assert state_of(sessions, org) == "closed"
    with sessions() as db:
        assert db.scalar(select(Organisation.register_key).where(Organisation.id == org)) is None
        with pytest.raises(NotFound):
            service.block(db, organisation_id="0" * 32, now=now)
    # a real applicant can now register the entry
    assert state_of(sessions, submitted(sessions, now, person(sessions, now))) == "submitted"


def test_open_applications_per_person_are_capped(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    applicant = person(sessions, now)
    for number in range(service.MAX_OPEN_APPLICATIONS):
        draft(sessions, now, applicant, documents=0, register_number=f"HRB {number + 1}")
    with sessions() as db, pytest.raises(TooManyApplications):
        service.create_draft(db, applicant_id=applicant, form=form(), now=now)


def test_a_draft_is_discarded_with_its_documents_but_a_submission_stays(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    applicant = person(sessions, now)
    kept = submitted(sessions, now, applicant, register_number="HRB 1")
    gone = draft(sessions, now, applicant, documents=2)
    with sessions() as db:
        service.discard_draft(db, applicant_id=applicant, organisation_id=gone,
                              store=store(db), now=now)
        db.commit()
        assert db.get(Organisation, gone) is None
        assert db.scalar(select(func.count()).select_from(OrganisationDocument)) == 1
        assert len(blobs.ids_with_prefix(db, "organisation-document:")) == 1
        with pytest.raises(IllegalTransition):
            service.discard_draft(db, applicant_id=applicant, organisation_id=kept,
                                  store=store(db), now=now)
    assert events_of(sessions, gone)[-1] == "organisation.discarded"


def test_erasing_the_applicants_account_keeps_the_organisation(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    from sqlalchemy import delete

    from servicekonto.db.models import Account, OrganisationMember

    applicant = person(sessions, now)
    org = activated(sessions, now, applicant, staff(sessions, now, "vg-cochem"))
    with sessions() as db:
        db.execute(delete(Account).where(Account.id == applicant))
        db.commit()
        row = db.get(Organisation, org)
        assert row is not None and (row.state, row.applicant_account_id) == ("activated", None)
        assert db.scalar(select(func.count()).select_from(OrganisationMember)) == 0


def test_notes_are_for_officers_and_never_reach_the_applicant(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    officer = staff(sessions, now, "vg-cochem")
    supervisor = staff(sessions, now, "vg-cochem", REGISTRATION_SUPERVISOR)
    applicant = person(sessions, now)
    org = submitted(sessions, now, applicant)
    with sessions() as db:
        review.add_note(db, staff_id=officer, organisation_id=org,
                        text="Registerauszug online abgerufen,\nStand 20.11.2026.", now=now)
        db.commit()
        case = review.get_for_staff(db, staff_id=supervisor, organisation_id=org)
        history = service.history_for_applicant(db, applicant_id=applicant, organisation_id=org)
    assert [n.text for n in case.notes] == ["Registerauszug online abgerufen,\nStand 20.11.2026."]
    assert all("Registerauszug" not in (s.reason or "") for s in history)
    with sessions() as db, pytest.raises(InvalidOrganisation):
        review.add_note(db, staff_id=officer, organisation_id=org, text=" ", now=now)


def test_an_approved_application_mails_the_applicant_with_a_link(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    from servicekonto.db.models import OutboxMessage

    officer = staff(sessions, now, "vg-cochem")
    org = activated(sessions, now, person(sessions, now, email="chefin@weingut.example"),
                    officer)
    with sessions() as db:
        [mail] = [row.payload for row in db.scalars(select(OutboxMessage))]
    assert mail["to"] == "chefin@weingut.example"
    assert f"{ISSUER}/organizations/{org}" in mail["body"]
