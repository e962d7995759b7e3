"""JSON API of the administration admin (issue 12 item 3): the staff of their own administration.

`GET /api/v1/staff/administration/staff`, `POST` the same with `{"email", "role"}`, `DELETE
…/staff/{account_id}/{role}`. The caller is a person: their own access token with scope
`staff` and a login with a bound second factor (`api.auth.staff_person`, shared with the
Registrierungsstelle's API), who holds `administration_admin` somewhere. Everything else is
scoped to the administrations they administer: another administration, its slug or its staff's
account ids answer 404, the same as ids that do not exist.

Admins of several administrations name one with `?administration=<slug>`; with one, it is
implied.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from servicekonto.api.auth import staff_person
from servicekonto.api.problems import problems
from servicekonto.companies import administration_staff as staffing
from servicekonto.errors import Forbidden, InvalidInput, NotFound
from servicekonto.http.context import Context, Now, TotpSealer
from servicekonto.http.database import DbSession
from servicekonto.http.limits import rate_limit

router = APIRouter(
    prefix="/api/v1/staff/administration",
    tags=["staff: administration admin"],
    responses=problems(401, 403, 404, 422),
)

StaffRole = Literal[
    "registration_officer", "registration_supervisor", "letter_dispatch", "administration_admin"
]


def administration_admin(account_id: Annotated[str, Depends(staff_person)], db: DbSession) -> str:
    """The account id of a person who administers at least one administration (module doc)."""
    if not staffing.administered_by(db, admin_id=account_id):
        raise Forbidden("the account is no administration_admin")
    return account_id


Admin = Annotated[str, Depends(administration_admin)]
AdministrationQuery = Annotated[
    str | None,
    Query(max_length=64, description="The administration's slug; needed only by admins of "
                                     "several administrations"),
]


class NewStaff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    role: StaffRole


class StaffEntry(BaseModel):
    account_id: str
    email: str | None
    role: str


class StaffList(BaseModel):
    administration: str
    four_eyes: bool
    staff: list[StaffEntry]


class StaffAdded(BaseModel):
    account_id: str
    email: str
    administration: str
    role: str
    #: False: the account held the role already (nothing changed).
    granted: bool
    created_account: bool
    #: The new account can open the staff views (a bound authenticator app or an eID).
    bound_second_factor: bool
    #: Only when the account was created: hand them to the person; they are not shown again.
    password: str | None = None
    totp_secret: str | None = None
    totp_uri: str | None = None


def _administration(
    db: DbSession, admin_id: str, chosen: str | None
) -> staffing.AdministeredAdministration:
    held = staffing.administered_by(db, admin_id=admin_id)
    if chosen is None:
        if len(held) > 1:
            raise InvalidInput("name the administration: ?administration=<slug>")
        return held[0]
    for administration in held:
        if administration.slug == chosen:
            return administration
    raise NotFound("no such administration")


@router.get("/staff", response_model=StaffList)
def list_staff(
    db: DbSession, admin: Admin, administration: AdministrationQuery = None
) -> StaffList:
    """The roles held at the administration, by e-mail address and role."""
    chosen = _administration(db, admin, administration)
    members = staffing.staff_of(db, admin_id=admin, administration_slug=chosen.slug)
    db.commit()
    return StaffList(
        administration=chosen.slug,
        four_eyes=chosen.four_eyes,
        staff=[StaffEntry(account_id=m.account_id, email=m.email, role=m.role) for m in members],
    )


@router.post(
    "/staff",
    response_model=StaffAdded,
    status_code=201,
    responses=problems(400, 429),
)
def add_staff(
    body: NewStaff,
    request: Request,
    db: DbSession,
    admin: Admin,
    context: Context,
    sealer: TotpSealer,
    now: Now,
    administration: AdministrationQuery = None,
) -> Response:
    """Give the account with the address the role here, creating the account (one-time
    password and a bound authenticator app, in this answer only) when there is none. 201 for a
    new role, 200 when the account held it already."""
    rate_limit(request, "staff_administration")  # a new account costs a password hash
    chosen = _administration(db, admin, administration)
    added = staffing.add(
        db, admin_id=admin, administration_slug=chosen.slug, email=body.email, role=body.role,
        hashing=context.hashing, sealer=sealer, now=now,
    )
    db.commit()
    payload = StaffAdded(
        account_id=added.account_id, email=added.email, administration=added.administration,
        role=added.role, granted=added.granted, created_account=added.created_account,
        bound_second_factor=added.bound_second_factor, password=added.password,
        totp_secret=added.totp_secret, totp_uri=added.totp_uri,
    )
    return JSONResponse(
        payload.model_dump(mode="json"), status_code=201 if added.granted else 200,
        headers={"Cache-Control": "no-store"},
    )


@router.delete(
    "/staff/{account_id}/{role}",
    status_code=204,
    responses=problems(409),
)
def remove_staff(
    account_id: Annotated[str, Path(max_length=64)],
    role: Annotated[str, Path(max_length=64)],
    request: Request,
    db: DbSession,
    admin: Admin,
    now: Now,
    administration: AdministrationQuery = None,
) -> Response:
    """Take the role here from the account (it takes effect at the account's next request).
    404 for a role it does not hold here; 409 for one's own administration_admin role."""
    chosen = _administration(db, admin, administration)
    staffing.remove(
        db, admin_id=admin, administration_slug=chosen.slug, account_id=account_id, role=role,
        now=now, request_id=request.state.request_id,
    )
    db.commit()
    return Response(status_code=204)
