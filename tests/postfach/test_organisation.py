"""The organisation's Postfach (issue 13 item 3): addressed by the pairwise organisation id,
read by its admins and the members they allow, who read what visible to the admins; a removed
member loses access at once."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from servicekonto.accounts.levels import TrustLevel
from servicekonto.companies import members
from servicekonto.db.models import (
    ClientOrganisationSubject,
    Organisation,
    PostfachMessage,
    PostfachMessageRead,
)
from servicekonto.errors import NotFound
from servicekonto.mail.service import MAIL
from servicekonto.postfach import access, inbox, status
from servicekonto.postfach.access import organisation_box
from servicekonto.postfach.errors import (
    NoPostfachAccess,
    NotOrganisationAdmin,
    RecipientInactive,
    UnknownRecipient,
)
from servicekonto.postfach.recipients import OrganisationSubjectIds, organisation_subject_for
from servicekonto.postfach.schemas import StatusUpdateRequest
from servicekonto.selfservice import recovery
from tests.companies.factories import activated, seed_region, staff
from tests.postfach.conftest import Postfach, message

IDS = OrganisationSubjectIds("postfach-tests-secret-key-0123456789")


class Firm:
    def __init__(self, pf: Postfach, client_id: str) -> None:
        seed_region(pf.sessions)
        officer = staff(pf.sessions, pf.now, "vg-cochem")
        self.pf = pf
        self.admin = pf.person()
        self.id = activated(pf.sessions, pf.now, self.admin, officer)
        self.member = pf.person()
        self.outsider = pf.person()
        with pf.sessions() as db:
            members.add_member(db, organisation_id=self.id, account_id=self.member,
                               role=members.MEMBER, now=pf.now, actor="test")
            self.subject = organisation_subject_for(db, ids=IDS, organisation_id=self.id,
                                                    client_id=client_id, sector="cochem.example")
            db.commit()

    def open(self, account_id: str, message_id: str) -> str:
        with self.pf.sessions() as db:
            box = organisation_box(db, account_id=account_id, organisation_id=self.id)
            view = inbox.open_message(db, box=box, message_id=message_id,
                                      session_level=TrustLevel.SUBSTANTIAL, now=self.pf.now)
            db.commit()
            return view.content

    def set_reader(self, member: str, allowed: bool, by: str | None = None) -> bool:
        with self.pf.sessions() as db:
            changed = access.set_reader(db, admin_account_id=by or self.admin,
                                        organisation_id=self.id, member_account_id=member,
                                        allowed=allowed, now=self.pf.now)
            db.commit()
            return changed


@pytest.fixture
def firm(pf: Postfach, client_id: str) -> Firm:
    return Firm(pf, client_id)


def test_the_pairwise_organisation_id_is_per_sector_and_stable(pf: Postfach, firm: Firm) -> None:
    other = IDS.subject(organisation_id=firm.id, sector="andere.example")
    assert firm.subject != other and firm.id not in (firm.subject, other)
    assert IDS.subject(organisation_id=firm.id, sector="cochem.example") == firm.subject
    assert IDS.subject(organisation_id=firm.id, sector="x", subject_type="public") == firm.id
    assert pf.count(ClientOrganisationSubject) == 1


def test_admins_read_members_only_when_allowed_and_outsiders_never(
    pf: Postfach, client_id: str, firm: Firm
) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject))
    with pf.sessions() as db:
        row = db.get(PostfachMessage, sent.message_id)
        assert row is not None and (row.organisation_id, row.account_id) == (firm.id, None)

    assert firm.open(firm.admin, sent.message_id).startswith("Guten Tag")
    with pytest.raises(NoPostfachAccess):
        firm.open(firm.member, sent.message_id)
    with pytest.raises(NotFound):
        firm.open(firm.outsider, sent.message_id)
    with pf.sessions() as db:  # not in anyone's personal Postfach either
        assert inbox.list_messages(db, box=access.personal(firm.admin)).total == 0
        assert access.may_read(db, account_id=firm.admin, organisation_id=firm.id)
        assert not access.may_read(db, account_id=firm.member, organisation_id=firm.id)

    assert firm.set_reader(firm.member, True)
    assert not firm.set_reader(firm.member, True)  # already allowed
    assert firm.open(firm.member, sent.message_id).startswith("Guten Tag")
    with pf.sessions() as db:
        assert access.readers(db, admin_account_id=firm.admin, organisation_id=firm.id) == [
            firm.member]


def test_a_removed_member_loses_access_at_once(pf: Postfach, client_id: str, firm: Firm) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject))
    firm.set_reader(firm.member, True)
    firm.open(firm.member, sent.message_id)
    with pf.sessions() as db:
        members.remove_member(db, organisation_id=firm.id, admin_id=firm.admin,
                              member_account_id=firm.member, now=pf.now)
        db.commit()
    with pytest.raises(NotFound):
        firm.open(firm.member, sent.message_id)


def test_a_withdrawn_reader_loses_access_at_once(pf: Postfach, client_id: str, firm: Firm
                                                  ) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject))
    firm.set_reader(firm.member, True)
    assert firm.set_reader(firm.member, False)
    with pytest.raises(NoPostfachAccess):
        firm.open(firm.member, sent.message_id)


def test_only_admins_decide_who_reads(firm: Firm) -> None:
    other = firm.pf.person()
    with firm.pf.sessions() as db:
        members.add_member(db, organisation_id=firm.id, account_id=other, role=members.MEMBER,
                           now=firm.pf.now, actor="test")
        db.commit()
    with pytest.raises(NotOrganisationAdmin):
        firm.set_reader(other, True, by=firm.member)
    with pytest.raises(NotFound):
        firm.set_reader(firm.outsider, True)  # not a member


def test_admins_see_who_read_what(pf: Postfach, client_id: str, firm: Firm) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject))
    firm.set_reader(firm.member, True)
    firm.open(firm.admin, sent.message_id)
    pf.clock.advance(minutes=5)
    firm.open(firm.member, sent.message_id)
    firm.open(firm.member, sent.message_id)  # a second opening adds nothing
    assert pf.count(PostfachMessageRead) == 2
    with pf.sessions() as db:
        box = organisation_box(db, account_id=firm.admin, organisation_id=firm.id)
        seen = inbox.reads(db, box=box)
        member_box = organisation_box(db, account_id=firm.member, organisation_id=firm.id)
        with pytest.raises(NotOrganisationAdmin):
            inbox.reads(db, box=member_box)
        row = db.get(PostfachMessage, sent.message_id)
    assert [(r.account_id, r.message_id) for r in seen] == [
        (firm.member, sent.message_id), (firm.admin, sent.message_id)]
    assert row is not None and row.read_by == firm.admin  # the first opening


def test_the_notice_goes_to_admins_and_readers(pf: Postfach, client_id: str, firm: Firm) -> None:
    firm.set_reader(firm.member, True)
    before = len(pf.outbox(MAIL))  # the approval mail of the organisation
    pf.deposit(client_id, message(organization=firm.subject))
    notices = pf.outbox(MAIL)[before:]
    assert len(notices) == 2  # the admin and the reader; not the outsider
    assert all("Organisation" in m["body"] and "Hundesteuer" not in m["body"]
               for m in notices)


def test_unknown_and_inactive_organisations_take_no_messages(
    pf: Postfach, client_id: str, firm: Firm
) -> None:
    other_client = pf.client("Anderes Fachverfahren", sector="anders.example")
    with pytest.raises(UnknownRecipient):
        pf.deposit(other_client, message(organization=firm.subject))
    with pytest.raises(UnknownRecipient):
        pf.deposit(client_id, message(organization=firm.id))  # our id is not the client's
    with pf.sessions() as db:
        db.execute(update(Organisation).where(Organisation.id == firm.id)
                   .values(state="suspended"))
        db.commit()
    with pytest.raises(RecipientInactive):
        pf.deposit(client_id, message(organization=firm.subject))
    assert pf.count(PostfachMessage) == 0


def test_only_admins_delete_an_organisations_message(pf: Postfach, client_id: str, firm: Firm
                                                      ) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject))
    firm.set_reader(firm.member, True)
    with pf.sessions() as db:
        member_box = organisation_box(db, account_id=firm.member, organisation_id=firm.id)
        with pytest.raises(NotOrganisationAdmin):
            inbox.delete_message(db, box=member_box, message_id=sent.message_id,
                                 blobs=pf.store(db), now=pf.now)
        admin_box = organisation_box(db, account_id=firm.admin, organisation_id=firm.id)
        inbox.delete_message(db, box=admin_box, message_id=sent.message_id,
                             blobs=pf.store(db), now=pf.now)
        db.commit()
    assert pf.count(PostfachMessage) == 0


def test_erasing_a_members_account_keeps_the_organisations_messages(
    pf: Postfach, client_id: str, firm: Firm
) -> None:
    sent = pf.deposit(client_id, message(organization=firm.subject))
    firm.set_reader(firm.member, True)
    firm.open(firm.member, sent.message_id)
    with pf.sessions() as db:
        assert recovery.delete_account(db, account_id=firm.member, now=pf.now,
                                       blobs=pf.store(db))
        db.commit()
    with pf.sessions() as db:
        row = db.get(PostfachMessage, sent.message_id)
        assert row is not None and row.read_by is None and row.read_at is not None
    assert pf.count(PostfachMessageRead) == 0
    assert firm.open(firm.admin, sent.message_id).startswith("Guten Tag")


def test_status_updates_to_an_organisation_show_in_its_timeline(
    pf: Postfach, client_id: str, firm: Firm
) -> None:
    with pf.sessions() as db:
        status.add_status(db, client_id=client_id, now=pf.now, request=StatusUpdateRequest(
            recipient={"organization": firm.subject}, application_id="gewerbe-7",
            status="RECEIVED", public_service_name="Gewerbeanmeldung", sender_name="VG Cochem"))
        db.commit()
    with pf.sessions() as db:
        box = organisation_box(db, account_id=firm.admin, organisation_id=firm.id)
        line = status.timeline(db, box=box, application_id="gewerbe-7")
        assert line.current is not None and line.current.status == "RECEIVED"
        with pytest.raises(NotFound):  # not in the admin's personal Postfach
            status.timeline(db, box=access.personal(firm.admin), application_id="gewerbe-7")
