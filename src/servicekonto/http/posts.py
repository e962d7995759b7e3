"""What a signed-in person's page request needs, as one dependency: `post: SignedInPost`
(a posted form, the session and its account), `post: SignedInSessionPost` (the session only) or,
for a GET, `page: SignedInRequest`, instead of the same five or six parameters on every handler.

A bundle names its parts in the order the handlers did, so they run as before: the posted form
first (`PostedForm`: its Origin and CSRF checks refuse a cross-site post before anything is
loaded), then the database session, then the browser's session (else the login). It does not
commit: the handler still commits once, explicitly, before it answers (`http.database`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from servicekonto.accounts.service import AccountView
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.http.browser import SignedIn, SignedInAccount, SignedInSession
from servicekonto.http.context import AppContext, Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.forms import Form, PostedForm


@dataclass(frozen=True)
class SessionRequest:
    """A request from a signed-in session, with what handling it needs."""

    request: Request
    db: Session
    session: ActiveSession
    context: AppContext
    now: datetime

    @property
    def request_id(self) -> str:
        """The request's id for the audit log (set by the request-id middleware)."""
        return str(self.request.state.request_id)


@dataclass(frozen=True)
class SessionPost(SessionRequest):
    """A page form, CSRF-checked, posted from a signed-in session."""

    form: Form


@dataclass(frozen=True)
class AccountPost(SessionPost):
    """A `SessionPost` with the session's account loaded (its view: e-mail, password, ...)."""

    account: AccountView

    @property
    def signed_in(self) -> SignedIn:
        """Session and account as the page helpers take them."""
        return SignedIn(session=self.session, account=self.account)


# The dependencies are async: they only bundle what their own dependencies produced (a sync
# one would cost a thread-pool hop).


async def session_request(
    request: Request, db: DbSession, context: Context, session: SignedInSession, now: Now
) -> SessionRequest:
    return SessionRequest(request=request, db=db, session=session, context=context, now=now)


async def session_post(
    request: Request,
    form: PostedForm,
    db: DbSession,
    session: SignedInSession,
    context: Context,
    now: Now,
) -> SessionPost:
    return SessionPost(
        request=request, db=db, session=session, context=context, now=now, form=form
    )


async def account_post(
    request: Request,
    form: PostedForm,
    db: DbSession,
    signed_in: SignedInAccount,
    context: Context,
    now: Now,
) -> AccountPost:
    return AccountPost(
        request=request, db=db, session=signed_in.session, context=context, now=now,
        form=form, account=signed_in.account,
    )


SignedInRequest = Annotated[SessionRequest, Depends(session_request)]
SignedInSessionPost = Annotated[SessionPost, Depends(session_post)]
SignedInPost = Annotated[AccountPost, Depends(account_post)]
