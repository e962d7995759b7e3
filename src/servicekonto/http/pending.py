"""The pending authorization request an interaction page continues (`signin.pending`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from servicekonto.http.context import Now, csrf_of
from servicekonto.http.cookies import BROWSER, cookie
from servicekonto.http.database import DbSession
from servicekonto.http.refusals import PageRefused
from servicekonto.signin.pending import PendingRequest, find_pending


async def same_browser(pending_id: str, request: Request) -> None:
    """A pending authorization continues only in the browser that sent the authorization
    request: its id carries an HMAC of the browser's CSRF cookie (`oidc.routes`, issue 15)."""
    if not csrf_of(request).is_bound(pending_id, cookie(request, BROWSER)):
        raise PageRefused(
            "pending authorization of another browser",
            message_key="error.interaction_other_browser",
        )


def pending_authorization(pending_id: str, db: DbSession, now: Now) -> PendingRequest:
    """The request behind `/interaction/{pending_id}`; unknown or expired: the page that says so."""
    pending = find_pending(db, pending_id, now=now)
    if pending is None:
        raise PageRefused(
            "pending authorization unknown or expired",
            message_key="error.interaction_expired",
            title_key="error.title",
        )
    return pending


Pending = Annotated[PendingRequest, Depends(pending_authorization)]
