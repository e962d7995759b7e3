"""Fixtures for the Postfach domain tests: a Fachverfahren (client), people who consented to its
`postfach` scope, deposits through the service on a bare database (no app), counters of rows
and blobs. Every helper commits in its own session, as a request would, and returns ids."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.blobs.port import BlobStore
from servicekonto.blobs.stores import open_store
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clients.subjects import remember_subject
from servicekonto.clock import FixedClock
from servicekonto.consent.service import grant
from servicekonto.db.models import Blob, OutboxMessage, PostfachAttachment
from servicekonto.oidc.pairwise import SubjectIds
from servicekonto.postfach import deposit as deposit_service
from servicekonto.postfach.schemas import DepositRequest
from servicekonto.postfach.views import DepositResult
from servicekonto.settings import Settings
from servicekonto.uploads.scan import Verdict
from tests.companies.factories import person
from tests.uploads import corpus

Sessions = Callable[[], Session]
ISSUER = "https://konto.example"
SUBJECTS = SubjectIds("postfach-tests-secret-key-0123456789")


def attachment(data: bytes, filename: str = "Bescheid.pdf",
               content_type: str = "application/pdf", **overrides: str) -> dict[str, str]:
    """An attachment as a client sends it (base64 content, hex SHA-512)."""
    return {
        "filename": filename,
        "content_type": content_type,
        "content": base64.b64encode(data).decode("ascii"),
        "sha512": hashlib.sha512(data).hexdigest(),
        **overrides,
    }


def message(sub: str | None = None, *, organization: str | None = None,
            **overrides: Any) -> dict[str, Any]:
    """A deposit body (DESIGN §9) for the person `sub` or the organisation."""
    recipient = {"sub": sub} if organization is None else {"organization": organization}
    return {
        "recipient": recipient,
        "title": "Ihr Bescheid über die Hundesteuer",
        "content": "Guten Tag,\nanbei Ihr Bescheid.",
        "sender": "Verbandsgemeinde Cochem",
        "service": "Hundeanmeldung",
        "application_id": "5f0c3a9e-1d2b-4c5d-8e9f-0a1b2c3d4e5f",
        "reference": "HS-2026-0042",
        **overrides,
    }


class FakeScanner:
    """Finds the EICAR test string and nothing else; remembers what it scanned."""

    name = "test"

    def __init__(self) -> None:
        self.scanned: list[bytes] = []

    def scan(self, data: bytes) -> Verdict:
        self.scanned.append(data)
        if corpus.EICAR in data:
            return Verdict(infected=True, signature="Test.EICAR")
        return Verdict(infected=False)


@dataclass
class Postfach:
    """The world of one test: a clock, a database, the blob store of the settings."""

    sessions: sessionmaker[Session]
    clock: FixedClock
    settings: Settings
    scanner: FakeScanner = field(default_factory=FakeScanner)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def store(self, db: Session) -> BlobStore:
        return open_store(self.settings, db)

    def client(self, name: str = "Fachverfahren Hundesteuer", sector: str | None = None) -> str:
        """An interactive client that offers the `postfach` scope."""
        with self.sessions() as db:
            created = create_client(
                db,
                spec=ClientCreate(
                    name=name,
                    redirect_uris=["https://fachverfahren.example/cb"],
                    grant_types=["authorization_code"],
                    scopes=["openid", "profile", "postfach"],
                    sector=sector,
                ),
                now=self.now,
            )
            db.commit()
            return created.client_id

    def person(self, *, verified: bool = True) -> str:
        return person(self.sessions, self.now, verified=verified)

    def subject(self, account_id: str, client_id: str) -> str:
        """The person's `sub` at the client, stored as a sign-in stores it."""
        with self.sessions() as db:
            from servicekonto.db.models import Client

            client = db.get(Client, client_id)
            assert client is not None
            sub = SUBJECTS.subject(account_id=account_id, sector=client.sector)
            remember_subject(db, account_id=account_id, client_id=client_id, subject=sub)
            db.commit()
            return sub

    def consent(self, account_id: str, client_id: str,
                scopes: frozenset[str] = frozenset({"openid", "postfach"})) -> None:
        with self.sessions() as db:
            grant(db, account_id=account_id, client_id=client_id, scopes=set(scopes),
                  claims=set(), now=self.now)
            db.commit()

    def recipient(self, client_id: str, *, consent: bool = True) -> tuple[str, str]:
        """(account id, sub) of a person known to the client, consented unless told not."""
        account_id = self.person()
        sub = self.subject(account_id, client_id)
        if consent:
            self.consent(account_id, client_id)
        return account_id, sub

    def deposit(self, client_id: str, body: dict[str, Any], *, key: str | None = None
                ) -> DepositResult:
        with self.sessions() as db:
            result = deposit_service.deposit(
                db, client_id=client_id, request=DepositRequest.model_validate(body),
                idempotency_key=key, blobs=self.store(db), scanner=self.scanner,
                scan_required=True, issuer=ISSUER, now=self.now,
            )
            db.commit()
            return result

    # -- counting ---------------------------------------------------------------------------

    def count(self, model: Any, *where: Any) -> int:
        with self.sessions() as db:
            return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def blob_count(self) -> int:
        """Objects in the blobs table plus files in the blob directory."""
        directory = self.settings.blob_directory
        files = sum(len(names) for _, _, names in os.walk(directory)) if directory.exists() else 0
        return self.count(Blob) + files

    def blob_ids(self) -> set[str]:
        with self.sessions() as db:
            return set(db.scalars(select(Blob.id)))

    def attachment_blobs(self) -> set[str]:
        with self.sessions() as db:
            return set(db.scalars(select(PostfachAttachment.blob_id)))

    def outbox(self, kind: str) -> list[dict[str, Any]]:
        with self.sessions() as db:
            return [dict(row.payload) for row in db.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )]


@pytest.fixture
def pf(sessions: sessionmaker[Session], clock: FixedClock, settings: Settings) -> Postfach:
    return Postfach(sessions, clock, settings)


@pytest.fixture
def client_id(pf: Postfach) -> str:
    return pf.client()


PDF = corpus.pdf(b"Bescheid")
PNG = corpus.png()
