"""The protocol layer's collaborators, built once by the composition root and passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from servicekonto.clients.service import ClientCache
from servicekonto.clock import Clock
from servicekonto.oidc.keystore import KeyStore
from servicekonto.oidc.pairwise import SubjectIds
from servicekonto.security.passwords import PasswordHashing
from servicekonto.settings import Settings


@dataclass
class Provider:
    settings: Settings
    clock: Clock
    sessions: Callable[[], Session]
    keys: KeyStore
    clients: ClientCache
    subjects: SubjectIds
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
