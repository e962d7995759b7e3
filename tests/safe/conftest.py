"""Fixtures of the Dokumentensafe and catalogue tests: a world on a bare database for the
services (people, a client they consented to, Postfach deposits, counters), and the app with
uploads accepted without a scanner for the page tests.

Every helper commits in its own session, as a request would, and returns ids."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import create_app
from servicekonto.blobs.port import BlobStore
from servicekonto.blobs.stores import open_store
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clock import FixedClock
from servicekonto.consent.service import grant
from servicekonto.db.models import Blob, SafeDocument
from servicekonto.oidc.provider import Provider
from servicekonto.safe import documents, shares
from servicekonto.safe.views import DocumentView, ShareView
from servicekonto.settings import Settings
from servicekonto.uploads.check import IncomingFile
from tests.postfach.conftest import FakeScanner, Postfach
from tests.support import PASSWORD, Browser, account_id_of, make_account
from tests.uploads import corpus

MIB = 1024 * 1024
PDF = corpus.pdf(b"Mietvertrag")


@dataclass
class Safe:
    """One test's world: a clock, a database, the blob store of the settings, a Postfach."""

    sessions: sessionmaker[Session]
    clock: FixedClock
    settings: Settings
    scanner: FakeScanner = field(default_factory=FakeScanner)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def postfach(self) -> Postfach:
        return Postfach(self.sessions, self.clock, self.settings, self.scanner)

    def store(self, db: Session) -> BlobStore:
        return open_store(self.settings, db)

    def person(self) -> str:
        return self.postfach.person()

    def client(self, name: str = "Bauportal", *, consented_by: str | None = None) -> str:
        """A portal that signs people in and may fetch shares with its own token."""
        with self.sessions() as db:
            created = create_client(db, spec=ClientCreate(
                name=name, redirect_uris=["https://portal.example/cb"],
                grant_types=["authorization_code", "client_credentials"],
                scopes=["openid", "profile", "postfach", "safe:fetch"],
            ), now=self.now)
            db.commit()
        if consented_by:
            self.consent(consented_by, created.client_id)
        return created.client_id

    def consent(self, account_id: str, client_id: str) -> None:
        with self.sessions() as db:
            grant(db, account_id=account_id, client_id=client_id, scopes={"openid", "postfach"},
                  claims=set(), now=self.now)
            db.commit()

    def upload(self, account_id: str, data: bytes = PDF, name: str = "Mietvertrag.pdf", *,
               quota_bytes: int = 100 * MIB, folder: str = "",
               content_type: str = "application/pdf") -> DocumentView:
        with self.sessions() as db:
            view = documents.upload(
                db, account_id=account_id,
                file=IncomingFile(filename=name, content_type=content_type, data=data),
                folder=folder, store=self.store(db), scanner=self.scanner, scan_required=True,
                quota_bytes=quota_bytes, now=self.now,
            )
            db.commit()
            return view

    def share(self, account_id: str, document_id: str, client_id: str,
              application_id: str = "antrag-7") -> ShareView:
        with self.sessions() as db:
            view = shares.share(db, account_id=account_id, document_id=document_id,
                                client_id=client_id, application_id=application_id,
                                now=self.now, days=14, session_level=TrustLevel.LOW)
            db.commit()
            return view

    def count(self, model: Any, *where: Any) -> int:
        with self.sessions() as db:
            return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def blob_count(self) -> int:
        """Objects in the blobs table plus files in the blob directory."""
        directory = self.settings.blob_directory
        files = sum(len(names) for _, _, names in os.walk(directory)) if directory.exists() else 0
        return self.count(Blob) + files

    def documents(self, account_id: str) -> int:
        return self.count(SafeDocument, SafeDocument.account_id == account_id)


@pytest.fixture
def safe(sessions: sessionmaker[Session], clock: FixedClock, settings: Settings) -> Safe:
    return Safe(sessions, clock, settings)


# -- the app ---------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def page_settings(settings: Settings) -> Settings:
    """No clamd on a test machine: uploads are accepted with the scan recorded as skipped."""
    return settings.model_copy(update={"upload_scan_required": False})


@pytest.fixture
def safe_app(page_settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(page_settings, clock=clock), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def app_provider(safe_app: TestClient) -> Provider:
    provider: Provider = safe_app.app.state.provider  # type: ignore[attr-defined]
    return provider


@dataclass
class Person:
    browser: Browser
    email: str
    account_id: str


def sign_in(http: TestClient, provider: Provider) -> Person:
    """A person with a password account, signed in through the login page."""
    email = make_account(provider)
    browser = Browser(http)
    page = browser.get("/login")
    response = browser.post_form("/login", {"username": email, "password": PASSWORD}, page)
    assert response.status_code == 303, response.text[:300]
    return Person(browser, email, account_id_of(provider, email))


def upload_page(person: Person, files: list[tuple[str, bytes, str]], *, folder: str = ""
                ) -> httpx.Response:
    """POST the safe's multipart upload form as the page does (CSRF token, Origin)."""
    page = person.browser.get("/safe")
    token = CSRF.search(page.text)
    assert token, page.text[:300]
    return person.browser.http.post(
        "/safe/upload",
        data={"csrf_token": token.group(1), "folder": folder},
        files=[("document", f) for f in files],
        headers={"Origin": person.browser.origin},
        follow_redirects=False,
    )
