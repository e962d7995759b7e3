"""The space per account (issue 13 item 4): a document that does not fit is refused with nothing
stored, two parallel uploads cannot both take the last free bytes (one conditional UPDATE,
SQLite and PostgreSQL), deleting frees the space, and the page says so in German."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.db.models import SafeDocument, SafeUsage
from servicekonto.oidc.provider import Provider
from servicekonto.safe import documents, quota
from servicekonto.safe.errors import SafeFull
from tests.safe.conftest import PDF, Safe, sign_in, upload_page
from tests.support import page_text


def test_a_document_over_the_free_space_is_refused_and_nothing_is_stored(safe: Safe) -> None:
    account = safe.person()
    first = safe.upload(account, quota_bytes=len(PDF) + 10)
    blobs = safe.blob_count()

    with pytest.raises(SafeFull) as refused:
        safe.upload(account, quota_bytes=len(PDF) + 10)

    assert refused.value.code == "safe_full"
    assert refused.value.used_bytes == first.size
    assert (safe.documents(account), safe.blob_count()) == (1, blobs)


@pytest.mark.postgres
def test_two_parallel_uploads_cannot_both_take_the_last_free_bytes(safe: Safe) -> None:
    """Each fits alone, not both: the early check passes for both (neither has written yet),
    the conditional UPDATE lets one through."""
    account = safe.person()
    limit = len(PDF) * 2 - 1
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def upload() -> None:
        with safe.sessions() as db:
            quota.check_fits(db, account_id=account, size=len(PDF), quota_bytes=limit)
            db.rollback()  # both have looked and seen room
            barrier.wait(timeout=10)
            try:
                safe.upload(account, quota_bytes=limit)
                result = "stored"
            except SafeFull:
                result = "full"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["full", "stored"]
    with safe.sessions() as db:
        used = db.scalar(select(SafeUsage.used_bytes).where(SafeUsage.account_id == account))
        sizes = list(db.scalars(select(SafeDocument.size).where(
            SafeDocument.account_id == account)))
    assert used == sum(sizes) == len(PDF)


def test_deleting_a_document_frees_its_space_and_its_blob(safe: Safe) -> None:
    account = safe.person()
    kept = safe.upload(account, quota_bytes=len(PDF) + 10)
    with safe.sessions() as db:
        documents.delete_document(db, account_id=account, document_id=kept.id,
                                  store=safe.store(db))
        db.commit()
        assert quota.usage(db, account_id=account, quota_bytes=1).used_bytes == 0

    assert safe.upload(account, quota_bytes=len(PDF) + 10).size == kept.size
    assert (safe.documents(account), safe.blob_count()) == (1, 1)


def test_the_page_says_in_german_that_the_safe_is_full(
    safe_app: TestClient, app_provider: Provider
) -> None:
    person = sign_in(safe_app, app_provider)
    quota_bytes = app_provider.settings.safe_quota_mb * quota.MIB
    with app_provider.sessions() as db:  # nearly full already
        db.add(SafeUsage(account_id=person.account_id, used_bytes=quota_bytes - 100))
        db.commit()

    response = upload_page(person, [("Mietvertrag.pdf", PDF, "application/pdf")])

    assert response.status_code == 409
    expected = page_text("safe.error.safe_full", quota_mb=100, free_mb="0.0")
    assert expected in response.text.replace("&#34;", '"')
    assert 'role="alert"' in response.text
    with app_provider.sessions() as db:
        assert db.scalar(select(SafeDocument.id)) is None


def test_the_page_shows_the_space_used(safe_app: TestClient, app_provider: Provider) -> None:
    person = sign_in(safe_app, app_provider)
    response = upload_page(person, [("Mietvertrag.pdf", PDF, "application/pdf")])
    assert response.status_code == 303
    page = person.browser.get("/safe")
    assert "Mietvertrag.pdf" in page.text
    assert '<progress id="space-used" max="100" value="1">' in page.text
    assert "von 100 MB belegt" in page.text
