"""Issue 12 item 5 (domain layer): invitations by e-mail (single-use link, 7 days), roles, the
clients a member may use for the organisation, removing and leaving, the last-admin rule; every
change audited with ids only and visible to the organisation's admins. Item 6's questions:
`memberships_for` and `may_act_for`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clock import FixedClock
from servicekonto.companies import members, review
from servicekonto.companies.errors import (
    AlreadyMember,
    InvalidOrganisation,
    InvitationForOtherAddress,
    InvitationInvalid,
    LastAdmin,
    NotOrganisationAdmin,
    OrganisationNotActive,
)
from servicekonto.db.models import OrganisationInvitation, OutboxMessage
from servicekonto.errors import NotFound
from servicekonto.security.secrets import digest
from servicekonto.staff.service import REGISTRATION_SUPERVISOR
from tests.companies.factories import ISSUER, activated, audit_rows, person, staff

COLLEAGUE = "kollege@weingut.example"


@pytest.fixture
def firm(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> tuple[str, str]:
    """An activated organisation and its first admin: (organisation id, admin id)."""
    admin = person(sessions, now, email="chefin@weingut.example")
    return activated(sessions, now, admin, staff(sessions, now, "vg-cochem")), admin


def invite(sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime,
           email: str = COLLEAGUE, role: str = members.MEMBER) -> members.IssuedInvitation:
    org, admin = firm
    with sessions() as db:
        issued = members.invite(db, organisation_id=org, admin_id=admin, email=email, role=role,
                                now=now, issuer=ISSUER)
        db.commit()
    return issued


def accept(sessions: sessionmaker[Session], token: str, account: str,
           now: datetime) -> members.Membership:
    with sessions() as db:
        joined = members.accept_invitation(db, token=token, account_id=account, now=now)
        db.commit()
    return joined


def roles(sessions: sessionmaker[Session], firm: tuple[str, str]) -> dict[str, str]:
    org, admin = firm
    with sessions() as db:
        return {m.account_id: m.role for m in members.members_of(db, organisation_id=org,
                                                                 admin_id=admin)}


def test_an_invitation_is_mailed_as_a_link_and_stored_as_a_digest(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    issued = invite(sessions, firm, now, email="  Kollege@Weingut.Example ")
    assert issued.link == f"{ISSUER}/organizations/invitations/{issued.token}"
    assert issued.expires_at == now + timedelta(days=7)
    with sessions() as db:
        row = db.scalar(select(OrganisationInvitation))
        assert row is not None
        assert (row.email, row.token_digest) == (COLLEAGUE, digest(issued.token))
        mails = [m.payload for m in db.scalars(select(OutboxMessage))]
    invitation_mail = mails[-1]
    assert invitation_mail["to"] == COLLEAGUE and issued.link in invitation_mail["body"]
    assert "Moselweingut Beispiel GmbH" in invitation_mail["subject"]
    rows = [r for r in audit_rows(sessions) if r["event"] == "organisation.member_invited"]
    assert rows and all(issued.token not in str(r) and "@" not in str(r) for r in rows)


def test_an_invitation_is_accepted_once(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    colleague = person(sessions, now, email=COLLEAGUE)
    issued = invite(sessions, firm, now)
    with sessions() as db:
        shown = members.invitation_for(db, token=issued.token, now=now)
    assert (shown.organisation_name, shown.role) == ("Moselweingut Beispiel GmbH", "member")
    joined = accept(sessions, issued.token, colleague, now)
    assert (joined.organisation_id, joined.role) == (firm[0], "member")
    assert roles(sessions, firm)[colleague] == "member"

    # replay: by the same person, by anyone, or just looking at it
    with sessions() as db:
        with pytest.raises(InvitationInvalid) as replayed:
            members.accept_invitation(db, token=issued.token, account_id=colleague, now=now)
        assert replayed.value.status == 404
        with pytest.raises(InvitationInvalid):
            members.invitation_for(db, token=issued.token, now=now)
        with pytest.raises(InvitationInvalid):
            members.accept_invitation(db, token="not-a-token", account_id=colleague, now=now)


def test_an_invitation_expires_after_seven_days(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime, clock: FixedClock
) -> None:
    colleague = person(sessions, now, email=COLLEAGUE)
    issued = invite(sessions, firm, now)
    late = clock.advance(days=7)
    with sessions() as db, pytest.raises(InvitationInvalid):
        members.accept_invitation(db, token=issued.token, account_id=colleague, now=late)
    assert colleague not in roles(sessions, firm)
    # one second earlier it would still have worked
    assert accept(sessions, issued.token, colleague, late - timedelta(seconds=1)).role == "member"


def test_only_the_invited_address_may_accept_and_a_refusal_does_not_use_it_up(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    issued = invite(sessions, firm, now)
    stranger = person(sessions, now)
    unverified = person(sessions, now, email="kollege2@weingut.example", verified=False)
    issued_unverified = invite(sessions, firm, now, email="kollege2@weingut.example")
    for token, account in ((issued.token, stranger), (issued_unverified.token, unverified)):
        with sessions() as db, pytest.raises(InvitationForOtherAddress):
            members.accept_invitation(db, token=token, account_id=account, now=now)
    colleague = person(sessions, now, email=COLLEAGUE)
    assert accept(sessions, issued.token, colleague, now).role == "member"


def test_a_new_invitation_to_the_same_address_replaces_the_old_and_can_be_withdrawn(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    org, admin = firm
    old = invite(sessions, firm, now)
    new = invite(sessions, firm, now, role=members.ADMIN)
    with sessions() as db:
        [pending] = members.pending_invitations(db, organisation_id=org, admin_id=admin, now=now)
        assert (pending.id, pending.role) == (new.id, "admin")
        with pytest.raises(InvitationInvalid):
            members.invitation_for(db, token=old.token, now=now)
        members.withdraw_invitation(db, organisation_id=org, admin_id=admin,
                                    invitation_id=new.id, now=now)
        db.commit()
        with pytest.raises(InvitationInvalid):
            members.invitation_for(db, token=new.token, now=now)
        with pytest.raises(NotFound):
            members.withdraw_invitation(db, organisation_id=org, admin_id=admin,
                                        invitation_id=new.id, now=now)


def test_invitations_are_checked_and_an_existing_member_is_not_invited_again(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    org, admin = firm
    for email, role, code in (("kein-at-zeichen", "member", "email_malformed"),
                              (COLLEAGUE, "owner", "role_unknown")):
        with sessions() as db, pytest.raises(InvalidOrganisation) as refused:
            members.invite(db, organisation_id=org, admin_id=admin, email=email, role=role,
                           now=now, issuer=ISSUER)
        assert [p.code.value for p in refused.value.problems] == [code]
    with sessions() as db, pytest.raises(AlreadyMember):
        members.invite(db, organisation_id=org, admin_id=admin, email="chefin@weingut.example",
                       role="member", now=now, issuer=ISSUER)


def test_only_admins_manage_members_and_strangers_do_not_see_the_organisation(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    org, _admin = firm
    member = person(sessions, now, email=COLLEAGUE)
    accept(sessions, invite(sessions, firm, now).token, member, now)
    stranger = person(sessions, now)
    with sessions() as db:
        with pytest.raises(NotOrganisationAdmin):
            members.invite(db, organisation_id=org, admin_id=member, email="x@example.org",
                           role="member", now=now, issuer=ISSUER)
        with pytest.raises(NotOrganisationAdmin):
            members.members_of(db, organisation_id=org, admin_id=member)
        with pytest.raises(NotFound):
            members.members_of(db, organisation_id=org, admin_id=stranger)
        with pytest.raises(NotFound):
            members.leave(db, organisation_id=org, account_id=stranger, now=now)


def test_the_last_admin_can_neither_leave_nor_be_demoted_nor_removed(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    org, admin = firm
    with sessions() as db:
        for call in (
            lambda: members.leave(db, organisation_id=org, account_id=admin, now=now),
            lambda: members.remove_member(db, organisation_id=org, admin_id=admin,
                                          member_account_id=admin, now=now),
            lambda: members.set_role(db, organisation_id=org, admin_id=admin,
                                     member_account_id=admin, role="member", now=now),
        ):
            with pytest.raises(LastAdmin) as refused:
                call()
            assert refused.value.status == 409
    # with a second admin, the first may step down and leave
    deputy = person(sessions, now, email=COLLEAGUE)
    accept(sessions, invite(sessions, firm, now, role=members.ADMIN).token, deputy, now)
    with sessions() as db:
        members.set_role(db, organisation_id=org, admin_id=admin, member_account_id=admin,
                         role="member", now=now)
        db.commit()
        members.leave(db, organisation_id=org, account_id=admin, now=now)
        db.commit()
    assert roles(sessions, (org, deputy)) == {deputy: "admin"}
    with sessions() as db, pytest.raises(LastAdmin):
        members.leave(db, organisation_id=org, account_id=deputy, now=now)


def test_admins_remove_members_and_members_leave(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    org, admin = firm
    first = person(sessions, now, email=COLLEAGUE)
    second = person(sessions, now, email="azubi@weingut.example")
    accept(sessions, invite(sessions, firm, now).token, first, now)
    accept(sessions, invite(sessions, firm, now, email="azubi@weingut.example").token, second,
           now)
    with sessions() as db:
        members.remove_member(db, organisation_id=org, admin_id=admin, member_account_id=first,
                              now=now)
        members.leave(db, organisation_id=org, account_id=second, now=now)
        db.commit()
        assert members.memberships_for(db, account_id=first) == []
        activity = members.activity(db, organisation_id=org, admin_id=admin)
    assert [entry.event for entry in activity][:2] == [
        "organisation.member_left", "organisation.member_removed"
    ]
    assert activity[1].details == {"member": f"account:{first}"}
    assert roles(sessions, firm) == {admin: "admin"}


def test_members_act_for_the_clients_an_admin_allowed_admins_for_all(
    sessions: sessionmaker[Session], firm: tuple[str, str], now: datetime
) -> None:
    org, admin = firm
    with sessions() as db:
        clients = [
            create_client(db, spec=ClientCreate(name=name,
                                                redirect_uris=["https://p.example/cb"]),
                          now=now).client_id
            for name in ("Gewerbeportal", "Weinbauportal")
        ]
        db.commit()
    member = person(sessions, now, email=COLLEAGUE)
    accept(sessions, invite(sessions, firm, now).token, member, now)

    def may(account: str, client: str) -> bool:
        with sessions() as db:
            return members.may_act_for(db, account_id=account, organisation_id=org,
                                       client_id=client)

    assert [may(member, c) for c in clients] == [False, False]
    assert [may(admin, c) for c in clients] == [True, True]
    with sessions() as db:
        members.set_client_permissions(db, organisation_id=org, admin_id=admin,
                                       member_account_id=member, client_ids=[clients[1]],
                                       now=now)
        db.commit()
        [view] = [m for m in members.members_of(db, organisation_id=org, admin_id=admin)
                  if m.account_id == member]
        assert view.client_ids == (clients[1],)
        with pytest.raises(InvalidOrganisation):
            members.set_client_permissions(db, organisation_id=org, admin_id=admin,
                                           member_account_id=member,
                                           client_ids=["no-such-client"], now=now)
    assert [may(member, c) for c in clients] == [False, True]
    assert may(person(sessions, now), clients[1]) is False

    # suspended: nobody acts for it, and it is no choice at login
    supervisor = staff(sessions, now, "vg-cochem", REGISTRATION_SUPERVISOR)
    with sessions() as db:
        review.suspend(db, staff_id=supervisor, organisation_id=org, reason="Prüfung", now=now)
        db.commit()
        assert members.memberships_for(db, account_id=admin) == []
        with pytest.raises(OrganisationNotActive):
            members.invite(db, organisation_id=org, admin_id=admin, email="neu@example.org",
                           role="member", now=now, issuer=ISSUER)
    assert [may(admin, c) for c in clients] == [False, False]
    assert may(member, clients[1]) is False


def test_memberships_list_the_activated_organisations_by_name(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    person_id = person(sessions, now)
    officer = staff(sessions, now, "vg-cochem")
    activated(sessions, now, person_id, officer, name="Zander Weinbau GmbH",
              register_number="HRB 2")
    activated(sessions, now, person_id, officer, name="Ahr & Mosel e. V.", kind="verein",
              legal_form="e. V.", register_type="VR", register_number="VR 31")
    with sessions() as db:
        listed = members.memberships_for(db, account_id=person_id)
    assert [(m.name, m.legal_form_name, m.role) for m in listed] == [
        ("Ahr & Mosel e. V.", "e. V.", "admin"),
        ("Zander Weinbau GmbH", "GmbH", "admin"),
    ]
