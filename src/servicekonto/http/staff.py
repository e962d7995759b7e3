"""Staff of an administration with a role, for the staff views (DESIGN §5 "staff").

A staff view hands out what a password alone must not reach (readable activation codes, company
documents), so besides the role the session must carry a second factor bound to the person
(`accounts.means.second_factor_state`): `otp` from an app enrolled with the password alone is no
proof, whoever holds a staff password could have enrolled it. The role is checked on every
request. Not signed in: the login, which returns to the view. No role: "Kein Zugriff" (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from servicekonto.accounts.means import SecondFactor, second_factor_state, totp_state
from servicekonto.accounts.service import get_account
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.http.browser import current_session
from servicekonto.http.context import Now
from servicekonto.http.database import DbSession
from servicekonto.http.refusals import LoginRequired, PageRefused
from servicekonto.staff.service import roles_of


@dataclass(frozen=True)
class StaffMember:
    account_id: str
    session: ActiveSession
    #: Slugs of the administrations where the account holds the role (any of the roles).
    administrations: tuple[str, ...]


def staff_with_role(
    role: str | tuple[str, ...],
    *,
    view: str,
    second_factor: Callable[[SecondFactor], Exception],
) -> Callable[[Request, DbSession, Now], StaffMember]:
    """A dependency: the signed-in staff member holding `role` (or any of several roles), with
    a bound second factor.
    `view`: where the login returns to; `second_factor`: the refusal for a session without a
    bound second factor, given the state of the account's authenticator app (`totp_state`), so
    the page can say the way on (enter the code, bind the app, set one up)."""
    wanted = (role,) if isinstance(role, str) else role

    def dependency(request: Request, db: DbSession, now: Now) -> StaffMember:
        session = current_session(request, db, now)
        if session is None or get_account(db, session.account_id) is None:
            db.commit()
            raise LoginRequired(next_page=view)
        administrations = tuple(dict.fromkeys(
            slug for slug, held in roles_of(db, account_id=session.account_id) if held in wanted
        ))
        if not administrations:
            db.commit()
            raise PageRefused(
                "no staff role for this view",
                status=403,
                title_key="error.forbidden_title",
                message_key="error.forbidden",
            )
        if second_factor_state(db, session) != "bound":
            refusal = second_factor(totp_state(db, session.account_id))
            db.commit()
            raise refusal
        return StaffMember(
            account_id=session.account_id, session=session, administrations=administrations
        )

    return dependency
