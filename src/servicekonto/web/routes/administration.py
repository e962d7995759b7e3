"""The administration admin's page (issue 12 item 3): the staff of their own administration with
their roles, adding a role by e-mail address, taking one away, and the four-eyes setting.

Like every staff view it needs the role (`administration_admin`) and a second factor bound to
the person in this session (`http.staff.staff_with_role`). Everything is scoped by the domain
(`companies.administration_staff`): another administration's slug or staff answers 404. An
admin of several administrations picks one with `?administration=<slug>`.

A role for an address without an account creates the account; its one-time password and
authenticator secret are shown once, on the answer to that POST (never stored readable, never
in a URL), for the admin to hand over, as the CLI shows them to the operator.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekonto.accounts.means import SecondFactor
from servicekonto.companies import administration_staff as staffing
from servicekonto.companies.staffing import EmailMalformed, StaffGrant, UnknownRole
from servicekonto.errors import NotFound
from servicekonto.http.context import Context, Now, TotpSealer
from servicekonto.http.database import DbSession
from servicekonto.http.forms import PostedForm
from servicekonto.http.limits import rate_limit
from servicekonto.http.refusals import PageRefused
from servicekonto.http.staff import StaffMember, staff_with_role
from servicekonto.staff.service import ADMINISTRATION_ADMIN, STAFF_ROLES
from servicekonto.web.pages import render, see_other
from servicekonto.web.routes.account import with_next

router = APIRouter(include_in_schema=False)
VIEW = "/staff/administration"
NOTICES = {
    "added": "staffadmin.notice.added",
    "unchanged": "staffadmin.notice.unchanged",
    "removed": "staffadmin.notice.removed",
    "four_eyes_on": "staffadmin.notice.four_eyes_on",
    "four_eyes_off": "staffadmin.notice.four_eyes_off",
}


def _second_factor_refused(app: SecondFactor) -> PageRefused:
    """403 with the way on, as the dispatch view says it (`web.routes.dispatch`)."""
    if app == "bound":
        text = "staffadmin.second_factor.text"
        action = (with_next("/login/otp", VIEW), "dispatch.second_factor.enter_code")
    elif app == "unbound":
        text, action = "staffadmin.unbound.text", ("/account/security", "dispatch.unbound.action")
    else:
        text = "staffadmin.second_factor.enrol_text"
        action = ("/account/security/totp", "dispatch.second_factor.enrol")
    return PageRefused(
        "no bound second factor in this session", status=403,
        title_key="dispatch.second_factor.title", message_key=text, action=action,
    )


Admin = Annotated[
    StaffMember,
    Depends(staff_with_role(ADMINISTRATION_ADMIN, view=VIEW, second_factor=_second_factor_refused)),
]


def _chosen(request: Request, admin: StaffMember, value: str | None = None) -> str:
    """The administration the page is about: `?administration=` (or the form's field), else
    the first the admin administers. Any other slug: 404."""
    slug = value or request.query_params.get("administration") or admin.administrations[0]
    if slug not in admin.administrations:
        raise NotFound("no such administration")
    return slug


def _view(slug: str, admin: StaffMember, notice: str | None = None) -> str:
    query = f"?administration={quote(slug)}" if len(admin.administrations) > 1 else ""
    if notice:
        query += ("&" if query else "?") + f"notice={notice}"
    return VIEW + query


def _page(
    request: Request,
    db: DbSession,
    admin: StaffMember,
    slug: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    created: StaffGrant | None = None,
    notice: str | None = None,
) -> Response:
    administrations = staffing.administered_by(db, admin_id=admin.account_id)
    current = next(a for a in administrations if a.slug == slug)
    staff = staffing.staff_of(db, admin_id=admin.account_id, administration_slug=slug)
    db.commit()
    people: dict[str, dict[str, Any]] = {}
    for member in staff:
        person = people.setdefault(
            member.account_id,
            {"account_id": member.account_id, "email": member.email, "roles": []},
        )
        person["roles"].append(member.role)
    return render(
        request,
        "staff/administration.html",
        status=status,
        administration=current,
        administrations=administrations if len(administrations) > 1 else [],
        staff=list(people.values()),
        roles=STAFF_ROLES,
        own_id=admin.account_id,
        admin_role=ADMINISTRATION_ADMIN,
        slug=slug,
        notice=notice or NOTICES.get(request.query_params.get("notice", "")),
        errors=errors or {},
        entered=entered or {"email": "", "role": ""},
        created=created,
    )


@router.get(VIEW)
def administration_view(request: Request, db: DbSession, admin: Admin) -> Response:
    return _page(request, db, admin, _chosen(request, admin))


@router.post(f"{VIEW}/staff")
def add_staff(
    request: Request,
    form: PostedForm,
    db: DbSession,
    admin: Admin,
    context: Context,
    sealer: TotpSealer,
    now: Now,
) -> Response:
    """Give the role (fields `email`, `role`); a new account's secrets are shown once here."""
    rate_limit(request, "staff_administration")  # a new account costs a password hash
    slug = _chosen(request, admin, form.get("administration"))
    entered = {"email": form.get("email", "")[:254], "role": form.get("role", "")[:32]}
    try:
        added = staffing.add(
            db, admin_id=admin.account_id, administration_slug=slug, email=entered["email"],
            role=entered["role"], hashing=context.hashing, sealer=sealer, now=now,
        )
    except (EmailMalformed, UnknownRole) as exc:
        db.rollback()
        field = "email" if isinstance(exc, EmailMalformed) else "role"
        return _page(request, db, admin, slug, status=422, entered=entered,
                     errors={field: f"staffadmin.error.{exc.code}"})
    db.commit()
    if added.created_account:  # the secrets exist in this answer only: no redirect
        return _page(request, db, admin, slug, created=added, notice="staffadmin.notice.added")
    return see_other(_view(slug, admin, "added" if added.granted else "unchanged"))


@router.post(f"{VIEW}/staff/remove")
def remove_staff(
    request: Request, form: PostedForm, db: DbSession, admin: Admin, now: Now
) -> Response:
    """Take a role (fields `account_id`, `role`)."""
    slug = _chosen(request, admin, form.get("administration"))
    try:
        staffing.remove(
            db, admin_id=admin.account_id, administration_slug=slug,
            account_id=form.get("account_id", "")[:64], role=form.get("role", "")[:32], now=now,
            request_id=request.state.request_id,
        )
    except staffing.OwnAdminRole:
        db.rollback()
        return _page(request, db, admin, slug, status=409,
                     errors={"remove": "staffadmin.error.own_admin_role"})
    db.commit()
    return see_other(_view(slug, admin, "removed"))


@router.post(f"{VIEW}/four-eyes")
def four_eyes(
    request: Request, form: PostedForm, db: DbSession, admin: Admin, now: Now
) -> Response:
    """Four-eyes on (`four_eyes=on`) or off."""
    slug = _chosen(request, admin, form.get("administration"))
    enabled = form.get("four_eyes") == "on"
    staffing.set_four_eyes(
        db, admin_id=admin.account_id, administration_slug=slug, enabled=enabled, now=now,
        request_id=request.state.request_id,
    )
    db.commit()
    return see_other(_view(slug, admin, "four_eyes_on" if enabled else "four_eyes_off"))
