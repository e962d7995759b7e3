"""Share one document with one client for one application, fetched once (issue 13 item 4).

* The person picks a client they have consented to (any scope: they already trust it with their
  data) and the application the document is for (`application_id`, as in the Postfach). A share
  waits `SERVICEKONTO_SAFE_SHARE_DAYS` (default 14) days for its fetch.
* The client lists its open shares (`GET /api/v1/safe/shares`, ids and application ids) and
  fetches each with a client-credentials token of its own (scope `safe:fetch`) at
  `GET /api/v1/safe/shares/{id}`. The fetch *consumes* the share with one conditional UPDATE
  (named client, not fetched, not revoked, not expired; DESIGN §6 #6): of parallel fetches one
  gets the document. A second fetch by the same client is told it was fetched (410); any other
  case — unknown id, another client's share, revoked, expired — is the same 404.
* The person sees every share with its state and revokes an open one (a conditional UPDATE
  too, so a revocation and a fetch never both win).
Events are audited with ids only (DESIGN §6 #12).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.audit.service import record
from servicekonto.blobs.port import BlobStore, BlobTampered
from servicekonto.consent.service import find_consent
from servicekonto.db.models import Client, SafeDocument, SafeShare
from servicekonto.safe.errors import (
    ClientNotConsented,
    DocumentNotFound,
    InvalidApplicationId,
    LevelTooLow,
    ShareAlreadyFetched,
    ShareClosed,
    ShareNotFound,
)
from servicekonto.safe.views import SharedDocument, ShareView

#: The scope of a client-credentials token that fetches shares (module doc).
FETCH_SCOPE = "safe:fetch"
#: Printable, no spaces: an id the client's Fachverfahren uses (a UUID, a file number).
_APPLICATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}")


def _state(share: SafeShare, now: datetime) -> str:
    if share.fetched_at is not None:
        return "fetched"
    if share.revoked_at is not None:
        return "revoked"
    if share.expires_at <= now:
        return "expired"
    return "open"


def _view(share: SafeShare, filename: str, client_name: str, now: datetime) -> ShareView:
    return ShareView(
        id=share.id,
        document_id=share.document_id,
        filename=filename,
        client_id=share.client_id,
        client_name=client_name,
        application_id=share.application_id,
        created_at=share.created_at,
        expires_at=share.expires_at,
        fetched_at=share.fetched_at,
        revoked_at=share.revoked_at,
        state=_state(share, now),
    )


def share(
    db: Session,
    *,
    account_id: str,
    document_id: str,
    client_id: str,
    application_id: str,
    now: datetime,
    days: int,
    session_level: TrustLevel,
    request_id: str = "",
) -> ShareView:
    """Open a share of the person's document for a client they consented to; sharing a
    document needs its level, like opening it."""
    application_id = application_id.strip()
    if not _APPLICATION_ID.fullmatch(application_id):
        raise InvalidApplicationId(
            "application_id: 1-100 characters of letters, digits and ._:/-"
        )
    document = db.scalar(
        select(SafeDocument).where(
            SafeDocument.id == document_id[:32], SafeDocument.account_id == account_id
        )
    )
    if document is None:
        raise DocumentNotFound("no such document in this safe")
    if TrustLevel.parse(document.min_level) > session_level:
        raise LevelTooLow(f"sharing this document needs level {document.min_level}")
    client_name = db.scalar(select(Client.name).where(Client.client_id == client_id[:64]))
    if client_name is None or find_consent(db, account_id=account_id,
                                           client_id=client_id) is None:
        raise ClientNotConsented("the person has not consented to this client")
    row = SafeShare(
        document_id=document.id,
        account_id=account_id,
        client_id=client_id,
        application_id=application_id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.add(row)
    db.flush()
    record(db, at=now, event="safe.shared", actor=f"account:{account_id}",
           subject=f"client:{client_id}", details={"share": row.id}, request_id=request_id)
    return _view(row, document.filename, client_name, now)


def list_shares(db: Session, *, account_id: str, now: datetime) -> list[ShareView]:
    rows = db.execute(
        select(SafeShare, SafeDocument.filename, Client.name)
        .join(SafeDocument, SafeDocument.id == SafeShare.document_id)
        .join(Client, Client.client_id == SafeShare.client_id)
        .where(SafeShare.account_id == account_id)
        .order_by(SafeShare.created_at.desc())
    ).all()
    return [_view(s, filename, name, now) for s, filename, name in rows]


def open_for_client(db: Session, *, client_id: str, now: datetime) -> list[ShareView]:
    """The client's shares still waiting for their fetch (the client learns the ids here; it
    matches them to its applications by `application_id`). Listing consumes nothing."""
    rows = db.execute(
        select(SafeShare, SafeDocument.filename, Client.name)
        .join(SafeDocument, SafeDocument.id == SafeShare.document_id)
        .join(Client, Client.client_id == SafeShare.client_id)
        .where(
            SafeShare.client_id == client_id,
            SafeShare.fetched_at.is_(None),
            SafeShare.revoked_at.is_(None),
            SafeShare.expires_at > now,
        )
        .order_by(SafeShare.created_at)
        .limit(1000)
    ).all()
    return [_view(s, filename, name, now) for s, filename, name in rows]


def revoke(
    db: Session, *, account_id: str, share_id: str, now: datetime, request_id: str = ""
) -> None:
    """Close an open share of the person's; ShareClosed when it was fetched, revoked or expired
    (ShareNotFound when it is not theirs)."""
    result = db.execute(
        update(SafeShare)
        .where(
            SafeShare.id == share_id[:32],
            SafeShare.account_id == account_id,
            SafeShare.fetched_at.is_(None),
            SafeShare.revoked_at.is_(None),
            SafeShare.expires_at > now,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        exists = db.scalar(select(SafeShare.id).where(
            SafeShare.id == share_id[:32], SafeShare.account_id == account_id))
        if exists is None:
            raise ShareNotFound("no such share")
        raise ShareClosed("the share was fetched, revoked or has expired")
    record(db, at=now, event="safe.share_revoked", actor=f"account:{account_id}",
           subject=f"share:{share_id[:32]}", request_id=request_id)


def fetch(
    db: Session,
    *,
    client_id: str,
    share_id: str,
    store: BlobStore,
    now: datetime,
    request_id: str = "",
) -> SharedDocument:
    """The shared document for its client, once (module doc). If the bytes cannot be read the
    error rolls the consumption back with the caller's transaction."""
    share_id = share_id[:32]
    result = db.execute(
        update(SafeShare)
        .where(
            SafeShare.id == share_id,
            SafeShare.client_id == client_id,
            SafeShare.fetched_at.is_(None),
            SafeShare.revoked_at.is_(None),
            SafeShare.expires_at > now,
        )
        .values(fetched_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        fetched = db.scalar(select(SafeShare.fetched_at).where(
            SafeShare.id == share_id, SafeShare.client_id == client_id))
        if fetched is not None:
            raise ShareAlreadyFetched("this share was fetched before; a share is fetched once")
        raise ShareNotFound("no open share with this id for this client")
    found = db.execute(
        select(SafeShare.application_id, SafeShare.account_id, SafeDocument)
        .join(SafeDocument, SafeDocument.id == SafeShare.document_id)
        .where(SafeShare.id == share_id)
    ).one()
    document: SafeDocument = found[2]
    stored = store.get(blob_id=document.blob_id)
    if stored is None:
        raise BlobTampered("the document's bytes are missing")
    record(db, at=now, event="safe.share_fetched", actor=f"client:{client_id}",
           subject=f"share:{share_id}", request_id=request_id)
    return SharedDocument(
        share_id=share_id,
        application_id=found.application_id,
        filename=document.filename,
        content_type=document.content_type,
        sha256=document.sha256,
        data=stored.data,
    )
