"""The collaborators the composition root builds once per app, and the clock's now.

`AppContext` is what every surface needs; the protocol layer's `oidc.provider.Provider` extends it
with the signing keys and pairwise subjects. `app.py` puts the one object on `app.state.provider`
and the surface collaborators beside it; the functions here are the only readers. Each works as a
plain call on a request and, through its `Annotated` alias, as a dependency.

Cheap lookups are `async def` dependencies: FastAPI runs a sync dependency in the thread pool, a
hop per request for reading an attribute.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from servicekonto.clients.service import ClientCache
from servicekonto.clock import Clock
from servicekonto.eid.port import EidServer
from servicekonto.registration.service import Collaborators
from servicekonto.security.csrf import CsrfTokens
from servicekonto.security.passwords import PasswordHashing
from servicekonto.security.ratelimit import Limits
from servicekonto.security.sealing import Sealer
from servicekonto.settings import Settings
from servicekonto.signin.eid import EidLinking

T = TypeVar("T")


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    sessions: Callable[[], Session]
    clients: ClientCache
    hashing: PasswordHashing
    #: Sessions for requests that only read; on SQLite they take no write lock.
    reading: Callable[[], Session]

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    @property
    def eid_available(self) -> bool:
        """An eID-Server is configured, or dev mode runs the embedded mock (never in production)."""
        return self.settings.eid_enabled and (bool(self.settings.eid_url) or self.settings.dev_mode)


def context_of(request: Request) -> AppContext:
    context: AppContext = request.app.state.provider
    return context


def csrf_of(request: Request) -> CsrfTokens:
    tokens: CsrfTokens = request.app.state.csrf
    return tokens


def limits_of(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def registration_of(request: Request) -> Collaborators:
    """Registration's collaborators (register, letters); tests swap them on a running app."""
    found: Collaborators = request.app.state.registration
    return found


def totp_sealer_of(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.totp_sealer
    return sealer


def eid_server_of(request: Request) -> EidServer | None:
    """The eID-Server port, or None where this instance offers no Online-Ausweis."""
    server: EidServer | None = request.app.state.eid_server
    return server


def eid_linking_of(request: Request) -> EidLinking:
    linking: EidLinking = request.app.state.eid_linking
    return linking


def _on_the_loop(lookup: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    """`lookup` as an async dependency (module doc: no thread-pool hop)."""

    async def dependency(request: Request) -> T:
        return lookup(request)

    return dependency


_context = _on_the_loop(context_of)


async def now(context: Annotated[AppContext, Depends(_context)]) -> datetime:
    """The request's moment from the injected clock (DESIGN §6 convention 8)."""
    return context.clock.now()


Context = Annotated[AppContext, Depends(_context)]
Now = Annotated[datetime, Depends(now)]
Csrf = Annotated[CsrfTokens, Depends(_on_the_loop(csrf_of))]
RateLimits = Annotated[Limits, Depends(_on_the_loop(limits_of))]
Registration = Annotated[Collaborators, Depends(_on_the_loop(registration_of))]
TotpSealer = Annotated[Sealer, Depends(_on_the_loop(totp_sealer_of))]
EidServerOrNone = Annotated[EidServer | None, Depends(_on_the_loop(eid_server_of))]
Linking = Annotated[EidLinking, Depends(_on_the_loop(eid_linking_of))]
