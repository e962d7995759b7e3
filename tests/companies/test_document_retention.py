"""Retention of founding documents (companies-domain §5.4): once an application is decided
(approved or rejected) and the appeal period has passed (§ 70 VwGO; the setting's 35 days), the
files go; the decision, each document's metadata and the audit trail stay. Open applications
keep their files. Idempotent, in batches; a removed document's download is 410."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.blobs.service import DatabaseBlobStore
from servicekonto.blobs.stores import open_store
from servicekonto.companies import retention, review, service
from servicekonto.companies.errors import DocumentRemoved
from servicekonto.db.migrate import alembic_config
from servicekonto.db.models import AuditEvent, OrganisationDecision, OrganisationDocument
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.companies import factories
from tests.companies.desk import (  # noqa: F401  (app_blobs: a fixture)
    API,
    CASES,
    COCHEM,
    app_blobs,
    bearer,
    region,
    sign_in,
    staff,
    submitted,
    token,
)
from tests.support import Browser

PERIOD = timedelta(days=Settings.model_fields["application_documents_retention_days"].default)


def purge(sessions: sessionmaker[Session], at: datetime, batch_size: int = 100) -> int:
    return retention.purge_documents(
        sessions, factories.store, now=at, retention=PERIOD, batch_size=batch_size
    )


def documents(sessions: sessionmaker[Session], organisation_id: str) -> list[OrganisationDocument]:
    with sessions() as db:
        rows = list(db.scalars(select(OrganisationDocument).where(
            OrganisationDocument.organisation_id == organisation_id
        ).order_by(OrganisationDocument.id)))
        db.expunge_all()
        return rows


def stored_blobs(sessions: sessionmaker[Session], organisation_id: str) -> int:
    with sessions() as db:
        store = DatabaseBlobStore(db)
        return sum(store.get(blob_id=row.blob_id) is not None
                   for row in documents(sessions, organisation_id))


def audit_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_the_default_is_the_appeal_month_and_a_few_days() -> None:
    assert PERIOD.days == 35


@pytest.mark.postgres
def test_a_rejected_applications_files_go_after_the_period_and_not_a_day_before(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime,
) -> None:
    officer = factories.staff(sessions, now, "vg-cochem")
    organisation_id = factories.submitted(sessions, now, factories.person(sessions, now))
    factories.decided(sessions, now, officer, organisation_id, "reject")
    before = documents(sessions, organisation_id)
    events = factories.events_of(sessions, organisation_id)
    assert "organisation.reject" in events or "organisation.rejected" in events

    assert purge(sessions, now + PERIOD - timedelta(days=1)) == 0
    assert stored_blobs(sessions, organisation_id) == 1
    assert purge(sessions, now + PERIOD) == 1

    [kept] = documents(sessions, organisation_id)
    assert stored_blobs(sessions, organisation_id) == 0
    assert kept.file_removed_at == now + PERIOD
    assert (kept.doc_type, kept.size, kept.sha256, kept.uploaded_at, kept.original_filename) == (
        before[0].doc_type, before[0].size, before[0].sha256, before[0].uploaded_at,
        before[0].original_filename,
    )
    # The decision and the audit trail stay; the deletion is audited with ids only.
    with sessions() as db:
        decisions = list(db.scalars(select(OrganisationDecision.decision).where(
            OrganisationDecision.organisation_id == organisation_id
        ).order_by(OrganisationDecision.id)))
    assert decisions == ["submit", "reject"]
    assert factories.events_of(sessions, organisation_id) == [
        *events, "organisation.document_files_deleted"
    ]
    [deleted] = [row for row in factories.audit_rows(sessions)
                 if row["event"] == "organisation.document_files_deleted"]
    assert deleted["actor"] == "system:maintenance"
    assert deleted["details"] == {"documents": [kept.id], "retention_days": PERIOD.days}

    # The download is refused as gone, not as missing or broken.
    with sessions() as db, pytest.raises(DocumentRemoved) as refused:
        review.document_for_staff(db, staff_id=officer, organisation_id=organisation_id,
                                  document_id=kept.id, store=factories.store(db))
    assert refused.value.status == 410


@pytest.mark.postgres
def test_an_activated_organisations_files_go_and_a_second_run_changes_nothing(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime,
) -> None:
    officer = factories.staff(sessions, now, "vg-cochem")
    organisation_id = factories.activated(sessions, now, factories.person(sessions, now), officer)

    assert purge(sessions, now + PERIOD + timedelta(days=3)) == 1
    first = documents(sessions, organisation_id)
    events = audit_count(sessions)

    assert purge(sessions, now + PERIOD + timedelta(days=60)) == 0
    assert documents(sessions, organisation_id)[0].file_removed_at == first[0].file_removed_at
    assert audit_count(sessions) == events
    assert factories.state_of(sessions, organisation_id) == "activated"


@pytest.mark.postgres
def test_open_applications_keep_their_files(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime,
) -> None:
    officer = factories.staff(sessions, now, "vg-cochem")
    person = factories.person(sessions, now)
    draft = factories.draft(sessions, now, person, name="Entwurf GmbH", register_number="HRB 11")
    waiting = factories.submitted(sessions, now, person, name="Wartet GmbH",
                                  register_number="HRB 22")
    in_review = factories.submitted(sessions, now, person, name="Prüfung GmbH",
                                    register_number="HRB 33")
    asked = factories.submitted(sessions, now, person, name="Rückfrage GmbH",
                                register_number="HRB 44")
    with sessions() as db:
        review.start_review(db, staff_id=officer, organisation_id=in_review, now=now)
        db.commit()
    factories.decided(sessions, now, officer, asked, "request_info",
                      reason="Bitte den aktuellen Auszug nachreichen.")
    assert factories.state_of(sessions, in_review) == "in_review"
    assert factories.state_of(sessions, asked) == "info_requested"

    assert purge(sessions, now + timedelta(days=3650)) == 0
    for organisation_id in (draft, waiting, in_review, asked):
        assert stored_blobs(sessions, organisation_id) == 1
        assert documents(sessions, organisation_id)[0].file_removed_at is None


@pytest.mark.postgres
def test_batches_take_everything_due_each_in_its_own_transaction(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime,
) -> None:
    officer = factories.staff(sessions, now, "vg-cochem")
    person = factories.person(sessions, now)
    organisation_id = factories.draft(sessions, now, person, documents=5)
    with sessions() as db:
        service.submit(db, applicant_id=person, organisation_id=organisation_id, now=now)
        db.commit()
    factories.decided(sessions, now, officer, organisation_id, "reject")

    assert purge(sessions, now + PERIOD, batch_size=2) == 5
    assert stored_blobs(sessions, organisation_id) == 0
    deletions = [row for row in factories.audit_rows(sessions)
                 if row["event"] == "organisation.document_files_deleted"]
    assert [len(row["details"]["documents"]) for row in deletions] == [2, 2, 1]


@pytest.mark.postgres
def test_migration_0018_goes_down_and_up_with_the_documents_kept(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, database_url: str,
) -> None:
    officer = factories.staff(sessions, now, "vg-cochem")
    organisation_id = factories.submitted(sessions, now, factories.person(sessions, now))
    factories.decided(sessions, now, officer, organisation_id, "reject")
    assert purge(sessions, now + PERIOD) == 1
    config = alembic_config(database_url)

    command.downgrade(config, "0017")
    with sessions() as db:
        assert db.scalar(text("SELECT count(*) FROM organisation_documents")) == 1

    command.upgrade(config, "head")
    [document] = documents(sessions, organisation_id)
    assert document.file_removed_at is None  # the column comes back empty


# -- the staff pages and API -------------------------------------------------------------------


def decided_and_purged(provider: Provider) -> tuple[str, str]:
    """A rejected application in Cochem whose file the retention job deleted; (org, document)."""
    now = provider.clock.now()
    organisation_id = submitted(provider)
    officer = factories.staff(provider.sessions, now, COCHEM)
    factories.decided(provider.sessions, now, officer, organisation_id, "reject")
    assert retention.purge_documents(
        provider.sessions, lambda db: open_store(provider.settings, db), now=now + PERIOD,
        retention=PERIOD,
    ) == 1
    [document] = documents(provider.sessions, organisation_id)
    return organisation_id, document.id


@pytest.mark.usefixtures("app_blobs")
def test_the_case_page_shows_the_removal_and_the_download_is_410(
    app_client: TestClient, provider: Provider, browser: Browser,
) -> None:
    region(provider)
    sign_in(app_client, provider, staff(app_client, provider, COCHEM))
    organisation_id, document_id = decided_and_purged(provider)

    page = browser.get(f"{CASES}/{organisation_id}")
    assert page.status_code == 200
    assert "Nach Ablauf der Aufbewahrungsfrist gelöscht am" in page.text
    assert "HR-Auszug.pdf" in page.text  # the metadata stay
    assert not re.search(r'href="[^"]+/documents/[^"]+" download', page.text)

    gone = browser.get(f"{CASES}/{organisation_id}/documents/{document_id}")
    assert gone.status_code == 410
    assert "Datei gelöscht" in gone.text and "Aufbewahrungsfrist" in gone.text
    assert browser.get(f"{CASES}/{organisation_id}/documents/{document_id}/view"
                       ).status_code == 410


@pytest.mark.usefixtures("app_blobs")
def test_the_api_lists_the_removed_document_without_a_link_and_answers_410(
    app_client: TestClient, provider: Provider,
) -> None:
    region(provider)
    access = token(app_client, provider, staff(app_client, provider, COCHEM))
    organisation_id, document_id = decided_and_purged(provider)

    [listed] = app_client.get(f"{API}/{organisation_id}/documents",
                              headers=bearer(access)).json()
    assert listed["id"] == document_id and listed["download_url"] is None
    assert listed["file_removed_at"] is not None and len(listed["sha256"]) == 64

    gone = app_client.get(f"{API}/{organisation_id}/documents/{document_id}",
                          headers=bearer(access))
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["title"] == "document_removed"
