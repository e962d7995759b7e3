"""What the applicant's page and API tests share: an app on the demo region with the filesystem
blob store (so "nothing stored" counts files too), a signed-in person, multipart bodies, and a
count of everything an application leaves behind."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import Blob, Organisation, OrganisationDocument
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.companies.factories import GMBH, seed_region
from tests.support import account_id_of, make_account, start_browser_session
from tests.uploads import corpus

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ORIGIN = "http://testserver"


@pytest.fixture
def apply_settings(settings: Settings) -> Settings:
    """No clamd in these tests: uploads are accepted with the scan recorded as skipped."""
    return settings.model_copy(update={"blob_store": "filesystem", "upload_scan_required": False})


@pytest.fixture
def apply_client(apply_settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(apply_settings, clock=clock)
    with TestClient(app, base_url=ORIGIN) as client:
        provider: Provider = app.state.provider
        seed_region(provider.sessions)
        yield client


@pytest.fixture
def app_provider(apply_client: TestClient) -> Provider:
    provider: Provider = apply_client.app.state.provider  # type: ignore[attr-defined]
    return provider


@dataclass
class Person:
    """A signed-in person: their account id and a client carrying their session cookie."""

    account_id: str
    email: str
    http: TestClient

    def page(self, url: str) -> httpx.Response:
        return self.http.get(url, follow_redirects=False)

    def post(self, url: str, page: httpx.Response | None, data: dict[str, Any] | list[Any],
             files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
             origin: str = ORIGIN) -> httpx.Response:
        """A multipart (with `files`) or urlencoded post with the page's CSRF token."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        if page is not None:
            token = CSRF.search(page.text)
            assert token, page.text[:300]
            pairs.append(("csrf_token", token.group(1)))
        if files is None:
            return self.http.post(url, data=dict(pairs), headers={"Origin": origin},
                                  follow_redirects=False)
        return self.http.post(url, data=_grouped(pairs), files=files,
                              headers={"Origin": origin}, follow_redirects=False)


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    grouped: dict[str, Any] = {}
    for name, value in pairs:
        if name in grouped:
            existing = grouped[name]
            grouped[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            grouped[name] = value
    return grouped


def sign_in(client: TestClient, provider: Provider) -> Person:
    """A new confirmed account with a browser session; the client gets its cookie."""
    email = make_account(provider)
    account_id = account_id_of(provider, email)
    cookie, _ = start_browser_session(
        provider.sessions, account_id=account_id, level=TrustLevel.LOW, amr=["pwd"],
        now=provider.clock.now(),
    )
    http = TestClient(client.app, base_url=ORIGIN)
    http.cookies.set("sk_session", cookie)
    return Person(account_id, email, http)


def fields(**overrides: str) -> dict[str, str]:
    return {**GMBH, **overrides}


def pdf_file(name: str = "HR-Auszug.pdf", data: bytes | None = None,
             content_type: str = "application/pdf") -> tuple[str, tuple[str, bytes, str]]:
    return ("documents", (name, corpus.pdf() if data is None else data, content_type))


@dataclass(frozen=True)
class Stored:
    organisations: int
    documents: int
    blob_rows: int
    blob_files: int


def stored(provider: Provider) -> Stored:
    """Everything an application leaves: rows and the files of the filesystem blob store."""
    with provider.sessions() as db:
        organisations = db.scalar(select(func.count()).select_from(Organisation)) or 0
        documents = db.scalar(select(func.count()).select_from(OrganisationDocument)) or 0
        blob_rows = db.scalar(select(func.count()).select_from(Blob)) or 0
    directory = provider.settings.blob_directory
    files = sum(len(names) for _, _, names in os.walk(directory)) if directory.exists() else 0
    return Stored(organisations, documents, blob_rows, files)


NOTHING = Stored(0, 0, 0, 0)
