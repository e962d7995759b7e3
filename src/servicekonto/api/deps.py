"""Request-scoped collaborators for the JSON API, taken from what the composition root put on
`app.state` (the API does not import the protocol layer beside it, DESIGN §6)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from servicekonto.clients.service import ClientCache
from servicekonto.clock import Clock


@dataclass(frozen=True)
class Principal:
    """Who called: the client of a valid access token, and what it may do."""

    client_id: str
    subject: str
    scopes: frozenset[str]
    #: The account behind a user token (None for client-credentials tokens).
    account_id: str | None = None


#: Validates a bearer access token; wired to the OIDC layer by `app.create_app`.
BearerValidator = Callable[[Session, str], Principal | None]


async def db_session(request: Request) -> AsyncIterator[Session]:
    """Opened and closed on the event loop (no database work either way), which saves two
    thread-pool hops per request; the same reasoning as oidc.routes.db_session."""
    factory: Callable[[], Session] = request.app.state.session_factory
    db = factory()
    try:
        yield db
    finally:
        db.close()


def now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock.now()


def client_cache(request: Request) -> ClientCache:
    cache: ClientCache = request.app.state.client_cache
    return cache
