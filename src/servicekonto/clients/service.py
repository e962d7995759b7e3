"""Client registry: create, list, disable, and a small in-process read cache for hot paths
(token, introspection), invalidated on change here and refreshed after a short TTL elsewhere.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.clients.schemas import (
    ClientCreate,
    ClientCreated,
    ClientView,
    misplaced_machine_scopes,
)
from servicekonto.db.models import Client
from servicekonto.errors import InvalidInput, NeedsDatabase, NotFound
from servicekonto.security.outbound import check_target
from servicekonto.security.secrets import digest, random_token


@dataclass(frozen=True)
class ClientInfo:
    """The immutable view of a client that the protocol layer works with."""

    client_id: str
    name: str
    secret_digest: str | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: frozenset[str]
    scopes: frozenset[str]
    token_endpoint_auth_method: str
    jwks: dict[str, Any] | None
    sector: str
    subject_type: str
    backchannel_logout_uri: str | None
    id_token_signed_response_alg: str
    disabled: bool

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"


def _info(row: Client) -> ClientInfo:
    return ClientInfo(
        client_id=row.client_id,
        name=row.name,
        secret_digest=row.secret_digest,
        redirect_uris=tuple(row.redirect_uris),
        post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        grant_types=frozenset(row.grant_types),
        scopes=frozenset(row.scopes),
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        jwks=row.jwks,
        sector=row.sector,
        subject_type=row.subject_type,
        backchannel_logout_uri=row.backchannel_logout_uri,
        id_token_signed_response_alg=row.id_token_signed_response_alg,
        disabled=row.disabled,
    )


def _view(row: Client) -> ClientView:
    return ClientView(
        client_id=row.client_id,
        name=row.name,
        redirect_uris=row.redirect_uris,
        post_logout_redirect_uris=row.post_logout_redirect_uris,
        grant_types=row.grant_types,
        scopes=row.scopes,
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        sector=row.sector,
        subject_type=row.subject_type,
        backchannel_logout_uri=row.backchannel_logout_uri,
        id_token_signed_response_alg=row.id_token_signed_response_alg,
        disabled=row.disabled,
    )


class ClientCache:
    def __init__(self, ttl_seconds: float = 30.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, ClientInfo | None]] = {}
        self._lock = threading.Lock()

    def get(self, db: Session | None, client_id: str) -> ClientInfo | None:
        """The client's metadata, from the cache or the database; with `db` None only from the
        cache, raising NeedsDatabase on a miss."""
        if not client_id or len(client_id) > 64:
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(client_id)
        if hit and hit[0] > now:
            return hit[1]
        if db is None:
            raise NeedsDatabase(client_id)
        row = _row(db, client_id)
        info = _info(row) if row else None
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[client_id] = (now + self._ttl, info)
        return info

    def invalidate(self, client_id: str | None = None) -> None:
        with self._lock:
            if client_id is None:
                self._entries.clear()
            else:
                self._entries.pop(client_id, None)


def default_sector(spec: ClientCreate) -> str:
    """Sector of pairwise subjects: the given one, else the host of the first redirect URI."""
    if spec.sector:
        return spec.sector
    if spec.redirect_uris:
        return urlsplit(spec.redirect_uris[0]).hostname or "default"
    return "default"


def create_client(
    db: Session,
    *,
    spec: ClientCreate,
    now: datetime,
    client_id: str | None = None,
    client_secret: str | None = None,
    allow_internal_targets: bool = False,
) -> ClientCreated:
    """Register a client. The back-channel logout URI must reach a public address unless
    `allow_internal_targets` (dev mode): ForbiddenTarget otherwise (issue 15 item 9)."""
    # The schema refuses this too; checked again here because a spec can be built without
    # validation (model_construct), and no path may register an end-user client with them.
    if misplaced_machine_scopes(list(spec.grant_types), spec.scopes):
        raise InvalidInput("administrative scopes are reserved to client_credentials clients")
    if spec.backchannel_logout_uri:
        check_target(
            spec.backchannel_logout_uri, allow_internal=allow_internal_targets, must_resolve=False
        )
    needs_secret = spec.token_endpoint_auth_method in ("client_secret_basic", "client_secret_post")
    secret = (client_secret or random_token(32)) if needs_secret else None
    row = Client(
        client_id=client_id or random_token(16),
        name=spec.name,
        secret_digest=digest(secret) if secret else None,
        redirect_uris=spec.redirect_uris,
        post_logout_redirect_uris=spec.post_logout_redirect_uris,
        grant_types=list(spec.grant_types),
        scopes=spec.scopes,
        token_endpoint_auth_method=spec.token_endpoint_auth_method,
        jwks=spec.jwks,
        sector=default_sector(spec),
        subject_type=spec.subject_type,
        backchannel_logout_uri=spec.backchannel_logout_uri,
        id_token_signed_response_alg=spec.id_token_signed_response_alg,
        disabled=False,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.flush()
    return ClientCreated(**_view(row).model_dump(), client_secret=secret)


def list_clients(db: Session) -> list[ClientView]:
    return [_view(c) for c in db.scalars(select(Client).order_by(Client.created_at))]


def _row(db: Session, client_id: str) -> Client | None:
    """The client, or None. A NUL can be in no client id we issue, and PostgreSQL refuses it in
    a text parameter (a DataError, i.e. a 500), so such an id is looked up nowhere."""
    return None if "\x00" in client_id else db.get(Client, client_id)


def get_client(db: Session, client_id: str) -> ClientView:
    row = _row(db, client_id)
    if row is None:
        raise NotFound("no such client")
    return _view(row)


def set_disabled(db: Session, *, client_id: str, disabled: bool, now: datetime) -> ClientView:
    row = _row(db, client_id)
    if row is None:
        raise NotFound("no such client")
    row.disabled, row.updated_at = disabled, now
    return _view(row)


def delete_client(db: Session, *, client_id: str) -> None:
    row = _row(db, client_id)
    if row is None:
        raise NotFound("no such client")
    db.delete(row)
