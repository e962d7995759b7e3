"""Retention of the founding documents of decided applications (companies-domain §5.4).

Data are kept no longer than their purpose needs (DSGVO Art. 5 (1) (e), Art. 17; BSI
TR-03172-3 A3.19.04). The uploaded files serve the decision, and the decision can be challenged
within the appeal period: one month after notice when instructions on legal remedies were given
(§ 70 (1) VwGO). So once an application is decided (approved, or rejected) and the period
(`Settings.application_documents_retention_days`, by default 35 days: the month and a few days
for the notice to arrive) has passed since the decision, the files are deleted from the blobs
port. What stays is the case file: the organisation, its decisions with their reasons, each
document's row (type, size, SHA-256, upload time, now with `file_removed_at`) and the audit
trail. Applications still open (draft, submitted, in review, info requested) keep every file.

The files were only ever stored sealed (`blobs.sealed`); deleting them removes the ciphertext
from the configured store (the `blobs` table, or the directory of the filesystem store after the
commit).

`servicekonto maintenance run` calls `purge_documents` after the other retention steps. It
works in batches of `BATCH_SIZE` documents, one transaction each, so a large backlog neither
holds one long transaction nor loses finished batches to a later failure. Each batch claims its
rows with a conditional UPDATE (`file_removed_at IS NULL` in the statement), and only the files
of the rows it claimed are deleted: a second or concurrent run does nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.blobs.port import BlobStore
from servicekonto.companies import lifecycle
from servicekonto.companies.states import OPEN, State
from servicekonto.db.models import Organisation, OrganisationDecision, OrganisationDocument

log = logging.getLogger(__name__)

#: Documents per transaction.
BATCH_SIZE: Final = 100
#: The moves that decide an application; the period runs from the latest of them.
DECIDING: Final = (State.APPROVED.value, State.REJECTED.value)
ACTOR: Final = "system:maintenance"
#: Its count in the summary of `servicekonto maintenance run`.
SUMMARY_KEY: Final = "application_document_files_deleted"


def _due(cutoff: datetime) -> list[ColumnElement[bool]]:
    """SQL conditions of a document whose file must go; checked again in the UPDATE itself."""
    decided_before_cutoff = (
        select(OrganisationDecision.id)
        .where(
            OrganisationDecision.organisation_id == OrganisationDocument.organisation_id,
            OrganisationDecision.to_state.in_(DECIDING),
            OrganisationDecision.at <= cutoff,
        )
        .exists()
    )
    # Approved and rejected are never left for an open state again (companies.states); the
    # check on the state keeps it that way should a move back ever be added.
    still_open = (
        select(Organisation.id)
        .where(
            Organisation.id == OrganisationDocument.organisation_id,
            Organisation.state.in_([state.value for state in OPEN]),
        )
        .exists()
    )
    return [OrganisationDocument.file_removed_at.is_(None), decided_before_cutoff, ~still_open]


def purge_batch(
    db: Session, *, store: BlobStore, now: datetime, retention: timedelta,
    limit: int = BATCH_SIZE, request_id: str = "",
) -> int:
    """Delete the files of up to `limit` due documents in the caller's transaction (`store`
    bound to `db`); returns how many. Audited per organisation with the document ids only."""
    cutoff = now - retention
    candidates = list(
        db.scalars(
            select(OrganisationDocument.id)
            .where(*_due(cutoff))
            .order_by(OrganisationDocument.id)
            .limit(limit)
        )
    )
    if not candidates:
        return 0
    claimed = db.execute(
        update(OrganisationDocument)
        .where(OrganisationDocument.id.in_(candidates), *_due(cutoff))
        .values(file_removed_at=now)
        .returning(
            OrganisationDocument.id,
            OrganisationDocument.organisation_id,
            OrganisationDocument.blob_id,
        )
        .execution_options(synchronize_session=False)
    ).all()
    store.delete([row.blob_id for row in claimed])
    by_organisation: dict[str, list[str]] = {}
    for row in claimed:
        by_organisation.setdefault(row.organisation_id, []).append(row.id)
    for organisation_id, document_ids in sorted(by_organisation.items()):
        record(
            db, at=now, event="organisation.document_files_deleted", actor=ACTOR,
            subject=lifecycle.subject(organisation_id),
            details={"documents": sorted(document_ids), "retention_days": retention.days},
            request_id=request_id,
        )
    return len(claimed)


def purge_documents(
    sessions: Callable[[], Session], open_store: Callable[[Session], BlobStore], *,
    now: datetime, retention: timedelta, batch_size: int = BATCH_SIZE, request_id: str = "",
) -> int:
    """All due files, in batches of `batch_size`, each in its own session and transaction
    (`open_store` opens the blob store bound to it); returns how many files were deleted."""
    total = 0
    while True:
        with sessions() as db:
            deleted = purge_batch(
                db, store=open_store(db), now=now, retention=retention, limit=batch_size,
                request_id=request_id,
            )
            db.commit()
        total += deleted
        if deleted < batch_size:
            break
    # Counts only: no names, no file names, no ids.
    log.info("application document files deleted after the retention period: %d", total)
    return total
