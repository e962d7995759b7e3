"""The organisation's page for its members, and the invitation link (issue 12 item 5).

`/organizations/{id}`: every member of an *activated* organisation sees its name, legal form,
register entry and their own role, and may leave it; admins also manage the members (roles,
the online services a member may use for the organisation, removal), the open invitations and
read the activity log. Everyone else gets 404, the answer for an id that does not exist. The
rules (last admin, who may do what) are the domain's (`companies.members`); a refused action
shows the page again with the reason.

`/organizations/invitations/{token}`: the link from the invitation mail. The token is a
secret, so the page is served with `Referrer-Policy: no-referrer` (no request from it names the
URL), the access log records the route template only, and a login started here returns here
(`next`, a local path). Its accept form therefore posts with `Origin: null`, which
`posted_form(referrer_free=True)` takes together with `Sec-Fetch-Site: same-origin`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekonto.accounts.service import account_view
from servicekonto.companies import members
from servicekonto.companies.errors import (
    AlreadyMember,
    InvalidOrganisation,
    InvitationForOtherAddress,
    InvitationInvalid,
    LastAdmin,
    OrganisationNotActive,
    TooManyInvitations,
)
from servicekonto.errors import ServiceKontoError
from servicekonto.http.browser import SignedIn, SignedInAccount, current_session
from servicekonto.http.context import Now, RateLimits
from servicekonto.http.database import DbSession
from servicekonto.http.forms import Form, posted_form
from servicekonto.http.limits import rate_limit
from servicekonto.http.posts import SignedInPost
from servicekonto.http.refusals import LoginRequired
from servicekonto.web.pages import render, see_other

router = APIRouter(include_in_schema=False)

#: Longest token part of an invitation link we look up (they are 43 characters).
_MAX_TOKEN = 128
#: The page of an invitation link names nothing to other requests (module doc).
NO_REFERRER = {"Referrer-Policy": "no-referrer"}
#: Notices after a redirect: `?notice=` → text code.
NOTICES = {
    "invited": "members.notice.invited",
    "withdrawn": "members.notice.withdrawn",
    "role": "members.notice.role",
    "services": "members.notice.services",
    "removed": "members.notice.removed",
    "joined": "members.notice.joined",
}
#: The domain's error codes that the page explains in its own words.
_ERRORS = {
    "last_admin",
    "already_member",
    "too_many_invitations",
    "not_organisation_admin",
    "organisation_not_active",
    "invalid_organisation",
    "not_found",
}
#: Field problems of the invitation form, by domain code.
_FIELD_ERRORS = {
    "email_malformed": "members.error.email_malformed",
    "role_unknown": "members.error.role_unknown",
    "client_unknown": "members.error.client_unknown",
}

InvitationForm = Annotated[Form, Depends(posted_form(referrer_free=True))]


def _path(organisation_id: str) -> str:
    return f"/organizations/{quote(organisation_id, safe='')}"


def _activity_rows(
    entries: list[members.ActivityEntry], names: dict[str, str], clients: dict[str, str]
) -> list[dict[str, Any]]:
    """Each entry as the log shows it: when, who, what (a text code), whom, and the new role
    or the allowed services."""
    rows = []
    for entry in entries:
        member = str(entry.details.get("member", "")).removeprefix("account:")
        rows.append({
            "at": entry.at,
            "actor": names.get(entry.actor.removeprefix("account:"), ""),
            "event_key": f"members.event.{entry.event.removeprefix('organisation.')}",
            "member": names.get(member, "") if member else "",
            "role": entry.details.get("role"),
            "services": [clients.get(c, c) for c in entry.details.get("clients", [])],
        })
    return rows


def _page(
    request: Request,
    db: DbSession,
    *,
    account_id: str,
    organisation_id: str,
    now: datetime,
    status: int = 200,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    invitation: dict[str, str] | None = None,
) -> Response:
    """The organisation's page (NotFound for non-members); the admin parts for admins only."""
    seen = members.organisation_for_member(
        db, organisation_id=organisation_id, account_id=account_id
    )
    context: dict[str, Any] = {}
    if seen.is_admin:
        member_views = members.members_of(
            db, organisation_id=organisation_id, admin_id=account_id
        )
        choices = members.organisation_clients(db)
        client_names = {c.client_id: c.name for c in choices}
        entries = members.activity(db, organisation_id=organisation_id, admin_id=account_id)
        people = members.people(
            db,
            account_ids={m.account_id for m in member_views}
            | {e.actor.removeprefix("account:") for e in entries}
            | {str(e.details.get("member", "")).removeprefix("account:") for e in entries},
        )
        context = {
            "members": [
                {
                    "account_id": m.account_id,
                    "label": people.get(m.account_id) or m.email or "",
                    "email": m.email,
                    "role": m.role,
                    "client_ids": set(m.client_ids),
                    "since": m.since,
                    "is_self": m.account_id == account_id,
                }
                for m in member_views
            ],
            "clients": choices,
            "invitations": members.pending_invitations(
                db, organisation_id=organisation_id, admin_id=account_id, now=now
            ),
            "activity": _activity_rows(entries, people, client_names),
        }
    db.commit()
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return render(
        request,
        "organizations/organization.html",
        status=status,
        organisation=seen.organisation,
        role=seen.role,
        is_admin=seen.is_admin,
        path=_path(organisation_id),
        notice=notice,
        error=error,
        field_errors=field_errors or {},
        invitation=invitation or {"email": "", "role": members.MEMBER},
        **context,
    )


def _refused(
    request: Request, db: DbSession, exc: ServiceKontoError, *, account_id: str,
    organisation_id: str, now: datetime, invitation: dict[str, str] | None = None,
) -> Response:
    """The page again, saying why the action was refused (nothing of it was kept)."""
    db.rollback()
    field_errors: dict[str, str] = {}
    if isinstance(exc, InvalidOrganisation):
        field_errors = {
            p.field: _FIELD_ERRORS.get(p.code.value, "members.error.invalid_organisation")
            for p in exc.problems
        }
    code = exc.code if exc.code in _ERRORS else "generic"
    error = f"members.error.{code}"
    if "client_ids" in field_errors:  # the services form has no field to show it at
        error = field_errors.pop("client_ids")
    return _page(
        request, db, account_id=account_id, organisation_id=organisation_id, now=now,
        status=exc.status, error=error, field_errors=field_errors,
        invitation=invitation,
    )


# -- the invitation link ------------------------------------------------------------------------


def _invitation_invalid(request: Request) -> Response:
    response = render(request, "organizations/invitation_invalid.html", status=404)
    response.headers.update(NO_REFERRER)
    return response


def _invitation_page(
    request: Request,
    db: DbSession,
    *,
    token: str,
    now: datetime,
    signed_in: SignedIn | None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    try:
        invitation = members.invitation_for(db, token=token, now=now)
    except InvitationInvalid:
        db.rollback()
        return _invitation_invalid(request)
    names = members.people(
        db, account_ids=[invitation.invited_by] if invitation.invited_by else []
    )
    db.commit()
    path = f"{members.INVITATION_PATH}{token}"
    response = render(
        request,
        "organizations/invitation.html",
        status=status,
        invitation=invitation,
        inviter=names.get(invitation.invited_by or ""),
        signed_in_as=signed_in.account.email if signed_in else None,
        other_address=bool(
            signed_in and (signed_in.account.email or "").lower() != invitation.email
        ),
        action=path,
        login_link=f"/login?next={quote(path)}",
        error=error,
    )
    response.headers.update(NO_REFERRER)
    return response


def _signed_in(request: Request, db: DbSession, now: datetime) -> SignedIn | None:
    session = current_session(request, db, now)
    account = account_view(db, session.account_id) if session else None
    if session is None or account is None:
        return None
    return SignedIn(session=session, account=account)


@router.get("/organizations/invitations/{token}")
def invitation_page(token: str, request: Request, db: DbSession, now: Now) -> Response:
    """The organisation and who invited; accepting needs a login (which returns here)."""
    return _invitation_page(
        request, db, token=token[:_MAX_TOKEN], now=now, signed_in=_signed_in(request, db, now)
    )


@router.post("/organizations/invitations/{token}")
def accept(
    token: str, request: Request, form: InvitationForm, db: DbSession, now: Now
) -> Response:
    token = token[:_MAX_TOKEN]
    signed_in = _signed_in(request, db, now)
    if signed_in is None:
        db.commit()
        raise LoginRequired(next_page=f"{members.INVITATION_PATH}{token}")
    rate_limit(request, "org_invitation_accept")
    try:
        joined = members.accept_invitation(
            db, token=token, account_id=signed_in.account.id, now=now,
            request_id=request.state.request_id,
        )
    except InvitationInvalid:
        db.rollback()
        return _invitation_invalid(request)
    except (InvitationForOtherAddress, AlreadyMember, OrganisationNotActive) as exc:
        db.rollback()
        return _invitation_page(
            request, db, token=token, now=now, signed_in=signed_in, status=exc.status,
            error="members.error.already_member_self"
            if isinstance(exc, AlreadyMember) else f"members.error.{exc.code}",
        )
    db.commit()
    return see_other(f"{_path(joined.organisation_id)}?notice=joined")


@router.get("/organizations/left")
def left(request: Request, signed_in: SignedInAccount, db: DbSession) -> Response:
    db.commit()
    return render(request, "organizations/left.html")


# -- the organisation's page -------------------------------------------------------------------


@router.get("/organizations/{organisation_id}")
def organisation_page(
    organisation_id: str, request: Request, db: DbSession, signed_in: SignedInAccount, now: Now
) -> Response:
    return _page(
        request, db, account_id=signed_in.account.id, organisation_id=organisation_id, now=now
    )


@router.post("/organizations/{organisation_id}/invitations")
def invite(organisation_id: str, post: SignedInPost, limits: RateLimits) -> Response:
    """Invite `email` as `role` (DESIGN §9): the domain issues the link and queues the mail;
    the link is never shown here nor logged. Rate-limited per IP and per invited address."""
    request, db, form, now = post.request, post.db, post.form, post.now
    rate_limit(request, "org_invitation")
    entered = {"email": form.get("email", "")[:254], "role": form.get("role", "")[:16]}
    limits.check_address("org_invitation", entered["email"], now)
    admin = post.account.id
    try:
        members.invite(
            db, organisation_id=organisation_id, admin_id=admin, email=entered["email"],
            role=entered["role"], now=now, issuer=post.context.issuer,
            request_id=post.request_id,
        )
    except (InvalidOrganisation, AlreadyMember, TooManyInvitations) as exc:
        return _refused(request, db, exc, account_id=admin, organisation_id=organisation_id,
                        now=now, invitation=entered)
    db.commit()
    return see_other(f"{_path(organisation_id)}?notice=invited#invitations")


class AdminAction(Protocol):
    """A domain action of `companies.members` an admin takes on their organisation, with its
    own arguments bound (`functools.partial`); `AdminPost.done` supplies the common ones."""

    def __call__(
        self, db: DbSession, *, organisation_id: str, admin_id: str, now: datetime,
        request_id: str,
    ) -> object: ...


@dataclass(frozen=True)
class AdminPost:
    """A posted admin action on one organisation (CSRF and Origin checked by `PostedForm`):
    who acts, where and when, and how every such action ends."""

    request: Request
    form: Form
    db: DbSession
    organisation_id: str
    admin: str
    now: datetime

    @property
    def request_id(self) -> str:
        return str(self.request.state.request_id)

    def done(
        self,
        act: AdminAction,
        *,
        refusals: tuple[type[ServiceKontoError], ...],
        notice: str,
        elsewhere: str | None = None,
    ) -> Response:
        """Run the domain action as this admin on this organisation, now; a refusal shows the
        page again with its reason (nothing kept), success is committed and ends on the page
        with `notice` (`notice#anchor`), or at `elsewhere` when the page is no longer the
        actor's."""
        try:
            act(self.db, organisation_id=self.organisation_id, admin_id=self.admin,
                now=self.now, request_id=self.request_id)
        except refusals as exc:
            return _refused(self.request, self.db, exc, account_id=self.admin,
                            organisation_id=self.organisation_id, now=self.now)
        self.db.commit()
        return see_other(elsewhere or f"{_path(self.organisation_id)}?notice={notice}")


def _admin_post(organisation_id: str, post: SignedInPost) -> AdminPost:
    return AdminPost(post.request, post.form, post.db, organisation_id, post.account.id, post.now)


Admin = Annotated[AdminPost, Depends(_admin_post)]


@router.post("/organizations/{organisation_id}/invitations/{invitation_id}/withdraw")
def withdraw(invitation_id: str, post: Admin) -> Response:
    return post.done(
        partial(members.withdraw_invitation, invitation_id=invitation_id[:64]),
        refusals=(),
        notice="withdrawn#invitations",
    )


@router.post("/organizations/{organisation_id}/members/{account_id}/role")
def change_role(account_id: str, post: Admin) -> Response:
    return post.done(
        partial(members.set_role, member_account_id=account_id[:64],
                role=post.form.get("role", "")[:16]),
        refusals=(LastAdmin, InvalidOrganisation),
        notice="role#members",
    )


@router.post("/organizations/{organisation_id}/members/{account_id}/services")
def change_services(account_id: str, post: Admin) -> Response:
    """The online services the member may use for the organisation (checkboxes `client_ids`)."""
    return post.done(
        partial(members.set_client_permissions, member_account_id=account_id[:64],
                client_ids=[c[:64] for c in post.form.all("client_ids")]),
        refusals=(InvalidOrganisation,),
        notice="services#members",
    )


@router.post("/organizations/{organisation_id}/members/{account_id}/remove")
def remove(account_id: str, post: Admin) -> Response:
    return post.done(
        partial(members.remove_member, member_account_id=account_id[:64]),
        refusals=(LastAdmin,),
        notice="removed#members",
        # an admin naming themselves has left
        elsewhere="/organizations/left" if account_id[:64] == post.admin else None,
    )


@router.post("/organizations/{organisation_id}/leave")
def leave(organisation_id: str, post: SignedInPost) -> Response:
    """"Organisation verlassen"; the last admin is told to appoint another one first."""
    db, account_id = post.db, post.account.id
    members.organisation_for_member(  # NotFound for non-members and inactive organisations
        db, organisation_id=organisation_id, account_id=account_id
    )
    try:
        members.leave(db, organisation_id=organisation_id, account_id=account_id, now=post.now,
                      request_id=post.request_id)
    except LastAdmin as exc:
        return _refused(post.request, db, exc, account_id=account_id,
                        organisation_id=organisation_id, now=post.now)
    db.commit()
    return see_other("/organizations/left")
