"""Signing keys: created on first start, persisted encrypted, rotated with overlap, cached.

OIDC Core §10.1.1: a new key is published in the JWKS when it is created but signs only after
`2 × ttl`, when every instance serves it (checklist D-07: "a new key appears in JWKS before it is
used"); until then the old key keeps signing. A rotated-out key stays published for
`key_overlap_seconds` more, so tokens it signed still verify. The JWKS is served as pre-rendered
bytes (DESIGN §10). Other instances pick up a rotation within `ttl` (`key_cache_seconds`).

Reloads run only on the cache's own schedule, in a background thread (`refresh_forever`), in a
read-only session: never on a request's path, where on SQLite a reload inside the caller's write
transaction waited out the busy timeout for a write lock its own caller held (issue 10 #1, 15 #1).
A token naming an unknown `kid` is simply invalid; it causes no reload, so an attacker cannot
make the server repeat any work. Since a new key signs only after `2 × ttl`, every instance
serves it long before a token it signed can arrive.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import KeySet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from servicekonto.clock import Clock
from servicekonto.db.models import StoredSigningKey
from servicekonto.security.keys import SIGNING_ALGS, KeyEncryption, SigningKey, generate

log = logging.getLogger("servicekonto.keys")

_KEY_CREATION_LOCK = 7_202_612  # arbitrary, fixed: "first-start key creation"


@dataclass(frozen=True)
class _Snapshot:
    #: per alg, (usable from, key), oldest first
    signing: dict[str, list[tuple[datetime, SigningKey]]]
    verification: KeySet
    jwks_bytes: bytes


class KeyStore:
    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        reading: Callable[[], Session],
        secret_key: str,
        clock: Clock,
        overlap_seconds: int,
        ttl_seconds: float = 60.0,
    ) -> None:
        self._sessions = session_factory
        #: read-only sessions: on SQLite a plain deferred BEGIN, which never waits for a writer
        self._reading = reading
        self._sealer = KeyEncryption(secret_key)
        self._clock = clock
        self._overlap = timedelta(seconds=overlap_seconds)
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._publish_delay = timedelta(seconds=2 * ttl_seconds)

    # -- persistence -----------------------------------------------------------------------

    def ensure_keys(self) -> None:
        """Create a key for every algorithm that has no active one (first start)."""
        with self._sessions() as db, db.begin():
            # The workers of one `serve` (and other instances) start together on an empty
            # database. Unserialised, each creates its own keys and serves a JWKS without the
            # others' until its next reload, so tokens one worker signs fail against the JWKS
            # another serves. SQLite already serialises writers (BEGIN IMMEDIATE).
            if db.get_bind().dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _KEY_CREATION_LOCK})
            active = set(
                db.scalars(
                    select(StoredSigningKey.alg).where(StoredSigningKey.retired_at.is_(None))
                )
            )
            for alg in SIGNING_ALGS:
                if alg not in active:
                    self._store(db, generate(alg))
        self.reload()

    def rotate(self) -> list[str]:
        """New keys for every algorithm; the old ones retire and stay published for the overlap."""
        now = self._clock.now()
        new_kids: list[str] = []
        with self._sessions() as db, db.begin():
            for row in db.scalars(
                select(StoredSigningKey).where(StoredSigningKey.retired_at.is_(None))
            ):
                row.retired_at = now + self._publish_delay
                row.drop_after = now + self._publish_delay + self._overlap
            for alg in SIGNING_ALGS:
                key = generate(alg)
                self._store(db, key)
                new_kids.append(str(key.kid))
        self.reload()
        return new_kids

    def _store(self, db: Session, key: SigningKey) -> None:
        db.add(
            StoredSigningKey(
                kid=str(key.kid),
                alg=str(key.alg),
                public_jwk=key.as_dict(private=False),
                sealed_private=self._sealer.seal(key),
                created_at=self._clock.now(),
            )
        )

    def reload(self) -> None:
        """Load every key from the database into a new snapshot. Called at start, after a
        rotation, and by `refresh_forever`, never while the calling thread has a transaction
        open."""
        now = self._clock.now()
        with self._reading() as db:
            rows = list(db.scalars(select(StoredSigningKey)))
        # Retiring keys before current ones, then by age: the first key of an algorithm signs
        # at once, every later one only after the publish delay. Sorting by age alone would let a
        # rotated-in key jump the queue whenever clocks disagree (instances, tests, NTP steps).
        rows.sort(key=lambda r: (r.retired_at is None, r.created_at))
        published = [r for r in rows if r.drop_after is None or r.drop_after > now]
        signing: dict[str, list[tuple[datetime, SigningKey]]] = {}
        # Every published key, retired ones too: a retired key signs on until its successor
        # is usable by *this* process's publish delay. `retired_at` was computed by whoever
        # rotated (`keys rotate` with perhaps another SERVICEKONTO_KEY_CACHE_SECONDS); relying
        # on it could leave only a successor that no other process publishes yet.
        for row in published:
            usable_from = row.created_at + self._publish_delay if signing.get(row.alg) else (
                row.created_at)
            key = self._sealer.open(row.kid, row.sealed_private)
            signing.setdefault(row.alg, []).append((usable_from, key))
        public: list[dict[str, Any]] = [dict(r.public_jwk) for r in reversed(published)]
        snapshot = _Snapshot(
            signing=signing,
            verification=KeySet.import_key_set({"keys": public}),
            jwks_bytes=json.dumps({"keys": public}, separators=(",", ":")).encode(),
        )
        with self._lock:
            self._snapshot = snapshot

    def refresh_forever(self, stop: threading.Event) -> None:
        """Reload every `ttl / 2` until `stop` is set: the cache's own schedule, so a snapshot is
        never older than `ttl` while the database answers. Run in a thread of its own."""
        while not stop.wait(self._ttl / 2):
            try:
                self.reload()
            except Exception:  # the database may be away for a while; the next round retries
                log.exception("signing keys could not be reloaded; serving the cached ones")

    def _current(self) -> _Snapshot:
        snap = self._snapshot
        if snap is None:  # first use in a process that did not call ensure_keys (CLI, tools)
            self.reload()
            snap = self._snapshot
        assert snap is not None
        return snap

    # -- use ---------------------------------------------------------------------------------

    def signing_key(self, alg: str) -> SigningKey:
        candidates = self._current().signing
        keys = candidates.get(alg) or candidates["ES256"]
        now = self._clock.now()
        usable = [key for usable_from, key in keys if usable_from <= now]
        return usable[-1] if usable else keys[0][1]

    def verification_keys(self) -> KeySet:
        """Every published key. A token whose `kid` is not among them does not verify; it
        triggers no reload (see the module docstring)."""
        return self._current().verification

    def jwks_bytes(self) -> bytes:
        return self._current().jwks_bytes

    def is_loaded(self) -> bool:
        """Whether signing and verification can go on without touching the database."""
        return self._snapshot is not None

    def cached_jwks_bytes(self) -> bytes | None:
        """The pre-rendered JWKS once loaded, else None: then call `jwks_bytes`, which loads
        from the database (so not on the event loop)."""
        snap = self._snapshot
        return snap.jwks_bytes if snap is not None else None
