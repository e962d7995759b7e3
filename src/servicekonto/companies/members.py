"""Members of an activated organisation: invitations, roles, which online services a member may
use for it, removing and leaving (issue 12 item 5), and the questions the login asks
(`memberships_for`, `may_act_for`, item 6).

Rules and where they are enforced:

* one membership per (organisation, account): UNIQUE in the database;
* an invitation is a random link token of which only the SHA-256 digest is stored, valid 7 days,
  for the e-mail address it was sent to (the accepting account's verified address must be
  that one), consumed once by one conditional UPDATE (`consumed_at IS NULL AND expires_at >
  now`): a replay, an expired and a withdrawn invitation get one answer, InvitationInvalid;
* the last administrator can neither leave, nor be removed, nor lose the admin role, nor delete
  their account (`sole_admin_of`, asked by the deletion page): counted
  under a lock on the organisation's row (PostgreSQL `SELECT … FOR UPDATE`; SQLite serialises
  writers with BEGIN IMMEDIATE), so two admins demoting each other at once cannot both succeed;
* admins may act for the organisation at every client; a member at the clients an admin allowed
  (Mein Unternehmenskonto's Berechtigungssteuerung);
* every change is audited with ids only (subject `organisation:<id>`), and the organisation's
  admins can read these events (`activity`).

Removing a member, their leaving, and a role or permission change that takes a client away
revoke that member's grants acting for the organisation (at those clients) at once, with
back-channel logout (`companies.revocation`).

A person who is not a member gets NotFound for the organisation, a member who is not an admin
NotOrganisationAdmin.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.accounts.service import attributes_of
from servicekonto.audit.service import record
from servicekonto.companies import lifecycle, revocation
from servicekonto.companies.errors import (
    AlreadyMember,
    FieldProblem,
    InvalidOrganisation,
    InvitationForOtherAddress,
    InvitationInvalid,
    LastAdmin,
    NotOrganisationAdmin,
    OrganisationNotActive,
    Problem,
    TooManyInvitations,
)
from servicekonto.companies.legal_forms import legal_form
from servicekonto.companies.states import State
from servicekonto.companies.views import OrganisationView
from servicekonto.db.models import (
    Account,
    AuditEvent,
    Client,
    MemberClientPermission,
    Organisation,
    OrganisationInvitation,
    OrganisationMember,
)
from servicekonto.db.views import view_of
from servicekonto.errors import NotFound
from servicekonto.mail.service import queue_mail
from servicekonto.security.secrets import digest, random_token

__all__ = [
    "ADMIN",
    "INVITATION_PATH",
    "INVITATION_TTL",
    "MAX_PENDING_INVITATIONS",
    "MEMBER",
    "ROLES",
    "ActivityEntry",
    "ClientChoice",
    "InvitationView",
    "IssuedInvitation",
    "MemberOrganisation",
    "MemberView",
    "Membership",
    "accept_invitation",
    "activity",
    "add_member",
    "invitation_for",
    "invite",
    "leave",
    "may_act_for",
    "members_of",
    "memberships_for",
    "organisation_clients",
    "organisation_for_member",
    "pending_invitations",
    "people",
    "remove_member",
    "set_client_permissions",
    "set_role",
    "sole_admin_of",
    "withdraw_invitation",
]

ADMIN: Final = "admin"
MEMBER: Final = "member"
ROLES: Final = (ADMIN, MEMBER)
#: Issue 12 item 5: "single-use link, 7 days".
INVITATION_TTL: Final = timedelta(days=7)
#: Open invitations per organisation: a cap on the mails one admin account can cause.
MAX_PENDING_INVITATIONS: Final = 50
#: Where the invitation link points; the page there shows the invitation and accepts it by POST.
INVITATION_PATH: Final = "/organizations/invitations/"
#: The audit events of membership that the organisation's admins see.
MEMBER_EVENTS: Final = (
    "organisation.member_added",
    "organisation.member_invited",
    "organisation.invitation_withdrawn",
    "organisation.invitation_accepted",
    "organisation.member_role_changed",
    "organisation.member_permissions_changed",
    "organisation.member_removed",
    "organisation.member_left",
)
#: Where members are managed; leaving and removing also while suspended.
_MANAGED: Final = frozenset({State.ACTIVATED.value})
_LEAVABLE: Final = frozenset({State.ACTIVATED.value, State.SUSPENDED.value})


@dataclass(frozen=True)
class Membership:
    """An organisation the person may act for (the Befugnis prompt lists these)."""

    organisation_id: str
    name: str
    legal_form: str
    legal_form_name: str
    role: str


@dataclass(frozen=True)
class MemberView:
    account_id: str
    email: str | None
    role: str
    #: The clients a member may use for the organisation (admins: every client).
    client_ids: tuple[str, ...]
    since: datetime


@dataclass(frozen=True)
class IssuedInvitation:
    id: str
    #: The link token, shown once (it is in the mail); only its digest is stored.
    token: str
    link: str
    expires_at: datetime


@dataclass(frozen=True)
class InvitationView:
    id: str
    organisation_id: str
    organisation_name: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    #: The admin who sent it (None once their account is gone); `people` names them.
    invited_by: str | None = None


@dataclass(frozen=True)
class ActivityEntry:
    at: datetime
    event: str
    actor: str
    details: dict[str, Any]


@dataclass(frozen=True)
class MemberOrganisation:
    """The organisation as its members see it, with the viewer's role."""

    organisation: OrganisationView
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class ClientChoice:
    """An online service a member can be allowed to use for the organisation."""

    client_id: str
    name: str


#: Clients that ask for this scope act for organisations (DESIGN §9): the choices an admin has.
ORGANIZATION_SCOPE: Final = "organization"


# -- for the login ------------------------------------------------------------------------------


def memberships_for(db: Session, *, account_id: str) -> list[Membership]:
    """The activated organisations the account belongs to, by name."""
    rows = db.execute(
        select(Organisation.id, Organisation.name, Organisation.legal_form, OrganisationMember.role)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .where(
            OrganisationMember.account_id == account_id,
            Organisation.state == State.ACTIVATED.value,
        )
        .order_by(Organisation.name, Organisation.id)
    ).all()
    return [
        Membership(
            organisation_id=row.id, name=row.name, legal_form=row.legal_form,
            legal_form_name=legal_form(row.legal_form).name, role=row.role,
        )
        for row in rows
    ]


def may_act_for(db: Session, *, account_id: str, organisation_id: str, client_id: str) -> bool:
    """Whether the account may act for the organisation at this client: a member of an
    activated organisation, and an admin or allowed for the client."""
    member = db.execute(
        select(OrganisationMember.id, OrganisationMember.role)
        .join(Organisation, Organisation.id == OrganisationMember.organisation_id)
        .where(
            OrganisationMember.account_id == account_id,
            OrganisationMember.organisation_id == organisation_id,
            Organisation.state == State.ACTIVATED.value,
        )
    ).first()
    if member is None:
        return False
    if member.role == ADMIN:
        return True
    allowed = db.scalar(
        select(MemberClientPermission.client_id).where(
            MemberClientPermission.member_id == member.id,
            MemberClientPermission.client_id == client_id,
        )
    )
    return allowed is not None


# -- for the organisation's pages ---------------------------------------------------------------


def organisation_for_member(
    db: Session, *, organisation_id: str, account_id: str
) -> MemberOrganisation:
    """The activated organisation and the member's role; NotFound for everyone else and for
    an organisation that is not activated (the same answer as for an id that does not exist)."""
    row = db.execute(
        select(Organisation, OrganisationMember.role)
        .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
        .where(
            Organisation.id == organisation_id,
            OrganisationMember.account_id == account_id,
            Organisation.state == State.ACTIVATED.value,
        )
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound("no such organisation")
    organisation, role = row
    return MemberOrganisation(organisation=OrganisationView.of(organisation), role=role)


def organisation_clients(db: Session) -> list[ClientChoice]:
    """The enabled clients registered for scope `organization`, by name: only they can ask a
    person to act for an organisation, so only they are worth allowing."""
    rows = db.execute(
        select(Client.client_id, Client.name, Client.scopes)
        .where(Client.disabled.is_(False))
        .order_by(Client.name, Client.client_id)
    ).all()
    return [
        ClientChoice(client_id=row.client_id, name=row.name)
        for row in rows
        if ORGANIZATION_SCOPE in (row.scopes or [])
    ]


def people(db: Session, *, account_ids: Collection[str]) -> dict[str, str]:
    """How the organisation's pages name accounts (activity, inviter): the name where the
    account has one, else its e-mail address. Ids without an account are left out."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    labels: dict[str, str] = {}
    for account in db.scalars(select(Account).where(Account.id.in_(wanted))):
        attributes = attributes_of(account)
        name = " ".join(
            str(attributes[n].value) for n in ("given_name", "family_name") if n in attributes
        )
        labels[account.id] = name or account.email or ""
    return labels


# -- for the organisation's admins --------------------------------------------------------------


def members_of(db: Session, *, organisation_id: str, admin_id: str) -> list[MemberView]:
    _require_admin(db, organisation_id, admin_id, _LEAVABLE)
    rows = db.execute(
        select(OrganisationMember, Account.email)
        .join(Account, Account.id == OrganisationMember.account_id)
        .where(OrganisationMember.organisation_id == organisation_id)
        .order_by(OrganisationMember.created_at, OrganisationMember.id)
    ).all()
    permissions: dict[int, list[str]] = {}
    for member_id, client_id in db.execute(
        select(MemberClientPermission.member_id, MemberClientPermission.client_id)
        .join(OrganisationMember, OrganisationMember.id == MemberClientPermission.member_id)
        .where(OrganisationMember.organisation_id == organisation_id)
        .order_by(MemberClientPermission.client_id)
    ):
        permissions.setdefault(member_id, []).append(client_id)
    return [
        MemberView(
            account_id=member.account_id, email=email, role=member.role,
            client_ids=tuple(permissions.get(member.id, [])), since=member.created_at,
        )
        for member, email in rows
    ]


def invite(
    db: Session, *, organisation_id: str, admin_id: str, email: str, role: str, now: datetime,
    issuer: str, request_id: str = "",
) -> IssuedInvitation:
    """Invite `email` as `role`: a link by mail (outbox, same transaction), valid 7 days, once.
    An earlier open invitation to the same address is withdrawn (only the newest link works)."""
    organisation = _require_admin(db, organisation_id, admin_id, _MANAGED, lock=True)
    address = _email(email)
    if role not in ROLES:
        raise InvalidOrganisation([FieldProblem("role", Problem.ROLE_UNKNOWN)])
    is_member = db.scalar(
        select(OrganisationMember.id)
        .join(Account, Account.id == OrganisationMember.account_id)
        .where(OrganisationMember.organisation_id == organisation_id, Account.email == address)
    )
    if is_member is not None:
        raise AlreadyMember("this address belongs to a member already")
    db.execute(
        update(OrganisationInvitation)
        .where(
            OrganisationInvitation.organisation_id == organisation_id,
            OrganisationInvitation.email == address,
            OrganisationInvitation.consumed_at.is_(None),
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    pending = db.scalar(
        select(func.count()).select_from(OrganisationInvitation).where(
            OrganisationInvitation.organisation_id == organisation_id,
            OrganisationInvitation.consumed_at.is_(None),
            OrganisationInvitation.expires_at > now,
        )
    )
    if (pending or 0) >= MAX_PENDING_INVITATIONS:
        raise TooManyInvitations(f"at most {MAX_PENDING_INVITATIONS} open invitations")
    token = random_token(32)
    invitation = OrganisationInvitation(
        organisation_id=organisation_id, email=address, role=role, token_digest=digest(token),
        invited_by=admin_id, created_at=now, expires_at=now + INVITATION_TTL,
    )
    db.add(invitation)
    db.flush()
    link = f"{issuer}{INVITATION_PATH}{token}"
    queue_mail(
        db, to=address, now=now,
        subject=f"Einladung zum Unternehmenskonto „{organisation.name}“",
        body=_INVITATION.format(
            organisation=organisation.name,
            role="Administrator/in" if role == ADMIN else "Mitglied",
            link=link,
            until=invitation.expires_at.strftime("%d.%m.%Y"),
        ),
    )
    record(
        db, at=now, event="organisation.member_invited", actor=f"account:{admin_id}",
        subject=lifecycle.subject(organisation_id),
        details={"invitation": invitation.id, "role": role}, request_id=request_id,
    )
    return IssuedInvitation(
        id=invitation.id, token=token, link=link, expires_at=invitation.expires_at
    )


def pending_invitations(
    db: Session, *, organisation_id: str, admin_id: str, now: datetime
) -> list[InvitationView]:
    organisation = _require_admin(db, organisation_id, admin_id, _LEAVABLE)
    rows = db.scalars(
        select(OrganisationInvitation)
        .where(
            OrganisationInvitation.organisation_id == organisation_id,
            OrganisationInvitation.consumed_at.is_(None),
            OrganisationInvitation.expires_at > now,
        )
        .order_by(OrganisationInvitation.created_at, OrganisationInvitation.id)
    )
    return [_invitation_view(row, organisation.name) for row in rows]


def withdraw_invitation(
    db: Session, *, organisation_id: str, admin_id: str, invitation_id: str, now: datetime,
    request_id: str = "",
) -> None:
    _require_admin(db, organisation_id, admin_id, _LEAVABLE)
    withdrawn = db.execute(
        update(OrganisationInvitation)
        .where(
            OrganisationInvitation.id == invitation_id,
            OrganisationInvitation.organisation_id == organisation_id,
            OrganisationInvitation.consumed_at.is_(None),
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if withdrawn != 1:
        raise NotFound("no such open invitation")
    record(
        db, at=now, event="organisation.invitation_withdrawn", actor=f"account:{admin_id}",
        subject=lifecycle.subject(organisation_id), details={"invitation": invitation_id},
        request_id=request_id,
    )


def set_role(
    db: Session, *, organisation_id: str, admin_id: str, member_account_id: str, role: str,
    now: datetime, request_id: str = "",
) -> None:
    """Make a member admin or member; the last admin keeps the role (LastAdmin)."""
    if role not in ROLES:
        raise InvalidOrganisation([FieldProblem("role", Problem.ROLE_UNKNOWN)])
    _require_admin(db, organisation_id, admin_id, _MANAGED, lock=True)
    member = _member(db, organisation_id, member_account_id)
    if member.role == role:
        return
    if member.role == ADMIN and _admin_count(db, organisation_id) <= 1:
        raise LastAdmin("the organisation needs at least one admin")
    member.role, member.updated_at = role, now
    db.flush()
    _withdraw_lost_clients(db, organisation_id, member_account_id, now)
    record(
        db, at=now, event="organisation.member_role_changed", actor=f"account:{admin_id}",
        subject=lifecycle.subject(organisation_id),
        details={"member": f"account:{member_account_id}", "role": role}, request_id=request_id,
    )


def set_client_permissions(
    db: Session, *, organisation_id: str, admin_id: str, member_account_id: str,
    client_ids: Collection[str], now: datetime, request_id: str = "",
) -> None:
    """The clients (online services) the member may use for the organisation, replacing the
    earlier list. For an admin the list is kept but does not restrict (admins may use all)."""
    _require_admin(db, organisation_id, admin_id, _MANAGED, lock=True)
    member = _member(db, organisation_id, member_account_id)
    wanted = sorted(set(client_ids))
    known = set(db.scalars(select(Client.client_id).where(Client.client_id.in_(wanted))))
    if len(known) != len(wanted):
        raise InvalidOrganisation([FieldProblem("client_ids", Problem.CLIENT_UNKNOWN)])
    db.execute(delete(MemberClientPermission).where(MemberClientPermission.member_id == member.id))
    db.add_all(MemberClientPermission(member_id=member.id, client_id=c) for c in wanted)
    member.updated_at = now
    db.flush()
    _withdraw_lost_clients(db, organisation_id, member_account_id, now)
    record(
        db, at=now, event="organisation.member_permissions_changed", actor=f"account:{admin_id}",
        subject=lifecycle.subject(organisation_id),
        details={"member": f"account:{member_account_id}", "clients": wanted},
        request_id=request_id,
    )


def remove_member(
    db: Session, *, organisation_id: str, admin_id: str, member_account_id: str, now: datetime,
    request_id: str = "",
) -> None:
    """An admin removes a member (or, naming themselves, leaves); never the last admin."""
    if member_account_id == admin_id:
        leave(db, organisation_id=organisation_id, account_id=admin_id, now=now,
              request_id=request_id)
        return
    _require_admin(db, organisation_id, admin_id, _LEAVABLE, lock=True)
    member = _member(db, organisation_id, member_account_id)
    if member.role == ADMIN and _admin_count(db, organisation_id) <= 1:
        raise LastAdmin("the organisation needs at least one admin")
    db.delete(member)
    db.flush()
    revocation.revoke_acting(db, organisation_id=organisation_id, account_id=member_account_id,
                             now=now, reason=revocation.MEMBERSHIP_ENDED)
    record(
        db, at=now, event="organisation.member_removed", actor=f"account:{admin_id}",
        subject=lifecycle.subject(organisation_id),
        details={"member": f"account:{member_account_id}"}, request_id=request_id,
    )


def leave(
    db: Session, *, organisation_id: str, account_id: str, now: datetime, request_id: str = "",
) -> None:
    """A member leaves; the last admin cannot (LastAdmin: make someone else admin first)."""
    organisation = _lock(db, organisation_id)
    member = db.scalar(
        select(OrganisationMember).where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.account_id == account_id,
        )
    )
    if organisation is None or member is None:
        raise NotFound("no such organisation")
    if organisation.state not in _LEAVABLE:
        raise OrganisationNotActive("the organisation is not active")
    if member.role == ADMIN and _admin_count(db, organisation_id) <= 1:
        raise LastAdmin("the organisation needs at least one admin")
    db.delete(member)
    db.flush()
    revocation.revoke_acting(db, organisation_id=organisation_id, account_id=account_id,
                             now=now, reason=revocation.MEMBERSHIP_ENDED)
    record(
        db, at=now, event="organisation.member_left", actor=f"account:{account_id}",
        subject=lifecycle.subject(organisation_id), request_id=request_id,
    )


def sole_admin_of(db: Session, *, account_id: str) -> list[Membership]:
    """The organisations (activated or suspended, as for `leave`) of which the account is the
    only admin: deleting the account would leave them without one, so it is refused as leaving
    is (LastAdmin). Each organisation's row stays locked until the transaction ends, so a
    deletion in the same transaction and another admin's demotion cannot both succeed."""
    candidates = db.scalars(
        select(OrganisationMember.organisation_id)
        .where(OrganisationMember.account_id == account_id, OrganisationMember.role == ADMIN)
        .order_by(OrganisationMember.organisation_id)
    ).all()
    sole = []
    for organisation_id in candidates:
        organisation = _lock(db, organisation_id)
        if organisation is None or organisation.state not in _LEAVABLE:
            continue
        # Read again under the lock: the role may have changed since the first query.
        role = db.scalar(
            select(OrganisationMember.role).where(
                OrganisationMember.organisation_id == organisation_id,
                OrganisationMember.account_id == account_id,
            )
        )
        if role == ADMIN and _admin_count(db, organisation_id) <= 1:
            sole.append(Membership(
                organisation_id=organisation.id, name=organisation.name,
                legal_form=organisation.legal_form,
                legal_form_name=legal_form(organisation.legal_form).name, role=ADMIN,
            ))
    return sole


def activity(
    db: Session, *, organisation_id: str, admin_id: str, limit: int = 200
) -> list[ActivityEntry]:
    """The membership changes of the organisation, newest first (from the audit log)."""
    _require_admin(db, organisation_id, admin_id, _LEAVABLE)
    rows = db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.subject == lifecycle.subject(organisation_id),
            AuditEvent.event.in_(MEMBER_EVENTS),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [
        ActivityEntry(at=row.at, event=row.event, actor=row.actor, details=dict(row.details))
        for row in rows
    ]


# -- for the invited person ---------------------------------------------------------------------


def invitation_for(db: Session, *, token: str, now: datetime) -> InvitationView:
    """The open invitation behind a link (for the page that asks to accept it)."""
    row, organisation = _open_invitation(db, token, now)
    return _invitation_view(row, organisation.name)


def accept_invitation(
    db: Session, *, token: str, account_id: str, now: datetime, request_id: str = "",
) -> Membership:
    """Join with the invitation's role. The account's verified e-mail address must be the one
    invited; the token is consumed by one conditional UPDATE, so a second use (also a parallel
    one) gets InvitationInvalid."""
    row, organisation = _open_invitation(db, token, now)
    account = db.get(Account, account_id)
    if (
        account is None
        or not account.email_verified
        or (account.email or "").lower() != row.email
    ):
        raise InvitationForOtherAddress("the invitation was sent to another address")
    if organisation.state != State.ACTIVATED:
        raise OrganisationNotActive("the organisation is not active")
    existing = db.scalar(
        select(OrganisationMember.id).where(
            OrganisationMember.organisation_id == organisation.id,
            OrganisationMember.account_id == account_id,
        )
    )
    if existing is not None:
        raise AlreadyMember("the account is a member already")
    consumed = db.execute(
        update(OrganisationInvitation)
        .where(
            OrganisationInvitation.id == row.id,
            OrganisationInvitation.consumed_at.is_(None),
            OrganisationInvitation.expires_at > now,
        )
        .values(consumed_at=now, accepted_by=account_id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if consumed != 1:
        raise InvitationInvalid("the invitation is no longer valid")
    record(
        db, at=now, event="organisation.invitation_accepted", actor=f"account:{account_id}",
        subject=lifecycle.subject(organisation.id), details={"invitation": row.id},
        request_id=request_id,
    )
    add_member(db, organisation_id=organisation.id, account_id=account_id, role=row.role,
               now=now, actor=account_id, request_id=request_id)
    return Membership(
        organisation_id=organisation.id, name=organisation.name,
        legal_form=organisation.legal_form,
        legal_form_name=legal_form(organisation.legal_form).name, role=row.role,
    )


# -- shared -------------------------------------------------------------------------------------


def add_member(
    db: Session, *, organisation_id: str, account_id: str, role: str, now: datetime, actor: str,
    request_id: str = "",
) -> None:
    """Insert a membership (activation's first admin, an accepted invitation)."""
    try:
        with db.begin_nested():
            db.add(OrganisationMember(
                organisation_id=organisation_id, account_id=account_id, role=role,
                created_at=now, updated_at=now,
            ))
            db.flush()
    except IntegrityError as exc:  # UNIQUE (organisation_id, account_id)
        raise AlreadyMember("the account is a member already") from exc
    record(
        db, at=now, event="organisation.member_added", actor=f"account:{actor}",
        subject=lifecycle.subject(organisation_id),
        details={"member": f"account:{account_id}", "role": role}, request_id=request_id,
    )


def _withdraw_lost_clients(
    db: Session, organisation_id: str, account_id: str, now: datetime
) -> None:
    """After a change of role or client permissions: the member's grants for the organisation
    at clients they may no longer act for are revoked (issue 12 item 7)."""
    held = revocation.acting_clients(db, organisation_id=organisation_id, account_id=account_id)
    kept = {
        c for c in held
        if may_act_for(db, account_id=account_id, organisation_id=organisation_id, client_id=c)
    }
    if held - kept:
        revocation.revoke_acting(db, organisation_id=organisation_id, account_id=account_id,
                                 except_clients=kept, now=now,
                                 reason=revocation.PERMISSION_WITHDRAWN)


def _lock(db: Session, organisation_id: str) -> Organisation | None:
    """The organisation's row, locked until the transaction ends (PostgreSQL; SQLite holds the
    database's write lock from BEGIN IMMEDIATE anyway), so membership changes of one
    organisation happen one after the other."""
    return db.scalar(
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _require_admin(
    db: Session, organisation_id: str, admin_id: str, states: frozenset[str], *,
    lock: bool = False,
) -> Organisation:
    organisation = _lock(db, organisation_id) if lock else lifecycle.load(db, organisation_id)
    role = db.scalar(
        select(OrganisationMember.role).where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.account_id == admin_id,
        )
    )
    if organisation is None or role is None:
        raise NotFound("no such organisation")
    if role != ADMIN:
        raise NotOrganisationAdmin("only the organisation's admins may do this")
    if organisation.state not in states:
        raise OrganisationNotActive("the organisation is not active")
    return organisation


def _member(db: Session, organisation_id: str, account_id: str) -> OrganisationMember:
    member = db.scalar(
        select(OrganisationMember)
        .where(
            OrganisationMember.organisation_id == organisation_id,
            OrganisationMember.account_id == account_id,
        )
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise NotFound("no such member")
    return member


def _admin_count(db: Session, organisation_id: str) -> int:
    return int(
        db.scalar(
            select(func.count()).select_from(OrganisationMember).where(
                OrganisationMember.organisation_id == organisation_id,
                OrganisationMember.role == ADMIN,
            )
        ) or 0
    )


def _open_invitation(
    db: Session, token: str, now: datetime
) -> tuple[OrganisationInvitation, Organisation]:
    row = db.scalar(
        select(OrganisationInvitation)
        .where(OrganisationInvitation.token_digest == digest(token))
        .execution_options(populate_existing=True)
    )
    if row is None or row.consumed_at is not None or row.expires_at <= now:
        raise InvitationInvalid("the invitation is unknown, expired or used")
    organisation = lifecycle.load(db, row.organisation_id)
    if organisation is None:
        raise InvitationInvalid("the invitation is unknown, expired or used")
    return row, organisation


def _invitation_view(row: OrganisationInvitation, organisation_name: str) -> InvitationView:
    return view_of(InvitationView, row, organisation_name=organisation_name)


def _email(value: str) -> str:
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidOrganisation([FieldProblem("email", Problem.EMAIL_MALFORMED)]) from exc
    return checked.normalized.lower()


_INVITATION = """Guten Tag,

Sie sind eingeladen, im ServiceKonto für das Unternehmenskonto „{organisation}“ zu handeln,
als {role}.

Die Einladung nehmen Sie mit diesem Link an; melden Sie sich dazu mit dem ServiceKonto an, das
zu dieser E-Mail-Adresse gehört:

{link}

Der Link gilt bis zum {until} und nur einmal. Wenn Sie mit dieser Einladung nichts anfangen
können, ignorieren Sie diese Nachricht.

Ihr ServiceKonto
"""
