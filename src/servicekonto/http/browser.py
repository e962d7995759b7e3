"""The browser's session, as the pages need it: optional, required (else the login), with its
account, or at a minimum level.

Loading a session may write (it is touched, decays, or ends when expired; `accounts.sessions`),
so a dependency that refuses commits that first; one that lets the request through leaves the
commit to the handler's single one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import AccountView, account_view
from servicekonto.accounts.sessions import ActiveSession, load_session
from servicekonto.http.context import Now
from servicekonto.http.cookies import SESSION, cookie
from servicekonto.http.database import DbSession
from servicekonto.http.refusals import LoginRequired


def session_cookie(request: Request) -> str | None:
    return cookie(request, SESSION)


def current_session(request: Request, db: DbSession, now: Now) -> ActiveSession | None:
    """This browser's session at its current (possibly decayed) level, or None."""
    return load_session(db, cookie_value=session_cookie(request), now=now)


CurrentSession = Annotated[ActiveSession | None, Depends(current_session)]


def signed_in_session(request: Request, db: DbSession, now: Now) -> ActiveSession:
    session = current_session(request, db, now)
    if session is None:
        db.commit()  # an expired session ended while it was loaded
        raise LoginRequired()
    return session


SignedInSession = Annotated[ActiveSession, Depends(signed_in_session)]


@dataclass(frozen=True)
class SignedIn:
    session: ActiveSession
    account: AccountView


def signed_in(request: Request, db: DbSession, now: Now) -> SignedIn:
    """The session and its account; without either, the login."""
    session = current_session(request, db, now)
    account = account_view(db, session.account_id) if session else None
    if session is None or account is None:
        db.commit()
        raise LoginRequired()
    return SignedIn(session=session, account=account)


SignedInAccount = Annotated[SignedIn, Depends(signed_in)]


def session_at_least(
    level: TrustLevel, *, refusal: Callable[[ActiveSession], Exception]
) -> Callable[[Request, DbSession, datetime], ActiveSession]:
    """A dependency: the signed-in session at `level` or above; below it, `refusal(session)`
    (the page says what to do: step up, use the card); without a session, the login."""

    def dependency(request: Request, db: DbSession, now: Now) -> ActiveSession:
        session = signed_in_session(request, db, now)
        if session.level < level:
            db.commit()
            raise refusal(session)
        return session

    return dependency
