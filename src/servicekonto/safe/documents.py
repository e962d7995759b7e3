"""Keep, list, read and delete documents in a person's safe.

* Own uploads go through `uploads.intake.accept_files`, the checks and malware scan of company
  documents (DESIGN §8: PDF/PNG/JPEG by magic bytes and parse, ≤ 10 MB, no active PDF content),
  one file per request, under blob ids `safe:<random>`.
* A Postfach notice (its text, as a plain-text file) or one of its attachments is *copied*: the
  safe gets its own blob, so the copy survives the message's deletion, recall or the sender's
  account being removed. Only the person's own, unrecalled messages whose level the session
  reaches (the body must be readable, DESIGN §4) can be copied.
* Every document counts against the quota in the same transaction (`quota.reserve`); deleting
  one frees its bytes. Deleting removes the blob (a filesystem store after the commit).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.blobs.port import BlobStore, BlobTampered
from servicekonto.db.models import PostfachAttachment, PostfachMessage, SafeDocument
from servicekonto.safe import quota
from servicekonto.safe.errors import DocumentNotFound, InvalidFolder, LevelTooLow, NotCopyable
from servicekonto.safe.views import CopyableMessage, DocumentContent, DocumentView
from servicekonto.uploads.check import DEFAULT_LIMITS, IncomingFile, UploadLimits
from servicekonto.uploads.intake import accept_files
from servicekonto.uploads.scan import MalwareScanner

BLOB_PREFIX = "safe:"
#: One file per upload: the quota check is per document, and a refusal names one file.
SAFE_LIMITS = UploadLimits(
    max_file_bytes=DEFAULT_LIMITS.max_file_bytes,
    max_files=1,
    max_name_chars=DEFAULT_LIMITS.max_name_chars,
    max_pixels=DEFAULT_LIMITS.max_pixels,
)
MAX_FOLDER_CHARS = 60
#: Letters, digits, space and a few separators; no slash (a folder is a label, not a path).
_FOLDER = re.compile(r"[\w .,()&+-]*")


def clean_folder(raw: str) -> str:
    """The folder as stored: trimmed, inner whitespace collapsed; "" is the top level."""
    folder = " ".join(raw.split())
    if len(folder) > MAX_FOLDER_CHARS or not _FOLDER.fullmatch(folder):
        raise InvalidFolder(
            f"a folder name has at most {MAX_FOLDER_CHARS} letters, digits, spaces or .,()&+-"
        )
    return folder


def _view(row: SafeDocument) -> DocumentView:
    return DocumentView(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        folder=row.folder,
        source=row.source,
        origin=row.origin,
        min_level=row.min_level,
        created_at=row.created_at,
    )


def upload(
    db: Session,
    *,
    account_id: str,
    file: IncomingFile,
    folder: str,
    store: BlobStore,
    scanner: MalwareScanner | None,
    scan_required: bool,
    quota_bytes: int,
    now: datetime,
) -> DocumentView:
    """Check, scan and keep one uploaded file; raises an `UploadRefused` or `SafeFull`, and then
    the caller rolls back (the store undoes its write with the transaction)."""
    folder = clean_folder(folder)
    quota.check_fits(db, account_id=account_id, size=len(file.data), quota_bytes=quota_bytes)
    (accepted,) = accept_files(
        files=[file],
        store=store,
        scanner=scanner,
        scan_required=scan_required,
        now=now,
        limits=SAFE_LIMITS,
        blob_prefix=BLOB_PREFIX,
    )
    quota.reserve(db, account_id=account_id, size=accepted.size, quota_bytes=quota_bytes)
    row = SafeDocument(
        account_id=account_id,
        blob_id=accepted.blob_id,
        filename=accepted.display_name,
        content_type=accepted.content_type,
        size=accepted.size,
        sha256=accepted.sha256,
        folder=folder,
        source="upload",
        origin=None,
        min_level="low",
        scan_status=accepted.scan.status.value,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return _view(row)


def copyable_messages(
    db: Session, *, account_id: str, session_level: TrustLevel, limit: int = 50
) -> list[CopyableMessage]:
    """The person's newest unrecalled notices readable at `session_level`, for the copy form."""
    readable = [lvl.label for lvl in TrustLevel if lvl <= session_level]
    messages = db.execute(
        select(PostfachMessage.id, PostfachMessage.title, PostfachMessage.sender,
               PostfachMessage.service, PostfachMessage.created_at)
        .where(
            PostfachMessage.account_id == account_id,
            PostfachMessage.recalled_at.is_(None),
            PostfachMessage.min_level.in_(readable),
        )
        .order_by(PostfachMessage.created_at.desc())
        .limit(limit)
    ).all()
    attachments: dict[str, list[tuple[str, str]]] = {}
    if messages:
        for message_id, attachment_id, filename in db.execute(
            select(PostfachAttachment.message_id, PostfachAttachment.id,
                   PostfachAttachment.filename)
            .where(PostfachAttachment.message_id.in_([m.id for m in messages]))
            .order_by(PostfachAttachment.position)
        ):
            attachments.setdefault(message_id, []).append((attachment_id, filename))
    return [
        CopyableMessage(
            message_id=m.id,
            title=m.title,
            sender=m.sender,
            service=m.service,
            created_at=m.created_at,
            attachments=tuple(attachments.get(m.id, ())),
        )
        for m in messages
    ]


def copy_from_postfach(
    db: Session,
    *,
    account_id: str,
    message_id: str,
    attachment_id: str | None,
    session_level: TrustLevel,
    folder: str,
    store: BlobStore,
    quota_bytes: int,
    now: datetime,
) -> DocumentView:
    """Copy the notice (`attachment_id` None: its text) or one attachment into the safe."""
    folder = clean_folder(folder)
    message = db.scalar(
        select(PostfachMessage).where(
            PostfachMessage.id == message_id,
            PostfachMessage.account_id == account_id,
            PostfachMessage.recalled_at.is_(None),
        )
    )
    if message is None:
        raise NotCopyable("no such message in this person's Postfach")
    if TrustLevel.parse(message.min_level) > session_level:
        raise LevelTooLow(f"reading this message needs level {message.min_level}")
    origin = f"{message.sender} – {message.service}"[:512]
    if attachment_id is None:
        data = _notice_text(message).encode("utf-8")
        filename = _notice_filename(message.title)
        content_type, scan_status = "text/plain", "clean"
    else:
        attachment = db.scalar(
            select(PostfachAttachment).where(
                PostfachAttachment.id == attachment_id,
                PostfachAttachment.message_id == message.id,
            )
        )
        if attachment is None:
            raise NotCopyable("no such attachment of this message")
        stored = store.get(blob_id=attachment.blob_id)
        if stored is None:
            raise BlobTampered("the attachment's bytes are missing")
        data, filename = stored.data, attachment.filename
        content_type, scan_status = attachment.content_type, attachment.scan_status
    quota.reserve(db, account_id=account_id, size=len(data), quota_bytes=quota_bytes)
    blob_id = f"{BLOB_PREFIX}{secrets.token_hex(16)}"
    store.put(blob_id=blob_id, data=data, content_type=content_type, now=now,
              max_bytes=max(len(data), 1))
    row = SafeDocument(
        account_id=account_id,
        blob_id=blob_id,
        filename=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        folder=folder,
        source="postfach",
        origin=origin,
        min_level=message.min_level,
        scan_status=scan_status,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return _view(row)


def keep_message(
    db: Session,
    *,
    account_id: str,
    message_id: str,
    session_level: TrustLevel,
    store: BlobStore,
    quota_bytes: int,
    now: datetime,
    folder: str = "",
) -> list[DocumentView]:
    """Copy the notice and every attachment of it (a person deleting a message keeps all of
    it); all or nothing: a refusal (`SafeFull`, `LevelTooLow`, `NotCopyable`) leaves the caller
    to roll back."""
    kept = [copy_from_postfach(
        db, account_id=account_id, message_id=message_id, attachment_id=None,
        session_level=session_level, folder=folder, store=store, quota_bytes=quota_bytes, now=now,
    )]
    attachment_ids = db.scalars(
        select(PostfachAttachment.id)
        .where(PostfachAttachment.message_id == message_id)
        .order_by(PostfachAttachment.position)
    ).all()
    for attachment_id in attachment_ids:
        kept.append(copy_from_postfach(
            db, account_id=account_id, message_id=message_id, attachment_id=attachment_id,
            session_level=session_level, folder=folder, store=store, quota_bytes=quota_bytes,
            now=now,
        ))
    return kept


def _notice_text(message: PostfachMessage) -> str:
    """The notice as a person would file it: who, what, when, and the (plain) text."""
    lines = [
        message.title,
        "",
        f"Absender: {message.sender}",
        f"Leistung: {message.service}",
    ]
    if message.reference:
        lines.append(f"Aktenzeichen: {message.reference}")
    if message.application_id:
        lines.append(f"Antrag: {message.application_id}")
    lines += [f"Bereitgestellt: {message.created_at:%d.%m.%Y %H:%M} UTC", "", message.content, ""]
    return "\n".join(lines)


def _notice_filename(title: str) -> str:
    """A file name from the title: no path separators or control characters, short."""
    safe = "".join(ch if ch.isalnum() or ch in " -_.()" else "_" for ch in title).strip(" ._")
    return f"{(safe or 'Nachricht')[:80]}.txt"


def list_documents(
    db: Session, *, account_id: str, folder: str | None = None
) -> list[DocumentView]:
    """The person's documents, newest first; only those in `folder` when given."""
    query = select(SafeDocument).where(SafeDocument.account_id == account_id)
    if folder is not None:
        query = query.where(SafeDocument.folder == folder)
    return [_view(row) for row in db.scalars(query.order_by(SafeDocument.created_at.desc()))]


def folders(db: Session, *, account_id: str) -> list[str]:
    """The folders in use, sorted ("" — the top level — is not one)."""
    return list(db.scalars(
        select(SafeDocument.folder)
        .where(SafeDocument.account_id == account_id, SafeDocument.folder != "")
        .distinct()
        .order_by(SafeDocument.folder)
    ))


def _own(db: Session, account_id: str, document_id: str) -> SafeDocument:
    row = db.scalar(
        select(SafeDocument).where(
            SafeDocument.id == document_id[:32], SafeDocument.account_id == account_id
        )
    )
    if row is None:
        raise DocumentNotFound("no such document in this safe")
    return row


def get_document(db: Session, *, account_id: str, document_id: str) -> DocumentView:
    return _view(_own(db, account_id, document_id))


def check_level(document: DocumentView, session_level: TrustLevel) -> None:
    """Opening, downloading or sharing a document needs its level (its name stays visible)."""
    if TrustLevel.parse(document.min_level) > session_level:
        raise LevelTooLow(f"opening this document needs level {document.min_level}")


def read_document(
    db: Session,
    *,
    account_id: str,
    document_id: str,
    store: BlobStore,
    session_level: TrustLevel,
) -> DocumentContent:
    """The document with its bytes; LevelTooLow below its level, BlobTampered when the bytes
    do not open."""
    row = _own(db, account_id, document_id)
    check_level(_view(row), session_level)
    stored = store.get(blob_id=row.blob_id)
    if stored is None:
        raise BlobTampered("the document's bytes are missing")
    return DocumentContent(document=_view(row), data=stored.data)


def move(db: Session, *, account_id: str, document_id: str, folder: str) -> DocumentView:
    row = _own(db, account_id, document_id)
    row.folder = clean_folder(folder)
    db.flush()
    return _view(row)


def delete_document(
    db: Session, *, account_id: str, document_id: str, store: BlobStore
) -> None:
    """Remove the document, its shares (cascade) and its blob; its bytes count no more."""
    row = _own(db, account_id, document_id)
    blob_id, size = row.blob_id, row.size
    deleted = db.execute(
        delete(SafeDocument)
        .where(SafeDocument.id == row.id, SafeDocument.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    db.expunge(row)
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise DocumentNotFound("no such document in this safe")  # a parallel deletion won
    quota.release(db, account_id=account_id, size=size)
    store.delete([blob_id])
