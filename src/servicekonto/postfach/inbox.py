"""The reader's side: the Postfach list, opening a message, its attachments, deleting
(issue 13 items 2 and 3). Every function reads one `access.Box`: the person's own Postfach
(`personal(account_id)`) or an organisation's (`organisation_box`, which checks the member's
right on every call).

* The list shows every message's title, whatever its level; the body only `open_message`
  returns, when the session's level is at least the message's `min_level` — otherwise
  `LevelTooLow` names the level needed, and the page starts the step-up (DESIGN §4).
* Read once: the first opening sets `read_at` with one conditional UPDATE (`read_at IS NULL AND
  recalled_at IS NULL`); only the request whose UPDATE changed the row queues the client's
  "read" event and writes the audit event, so parallel openings make one event, and an opening
  that loses to a recall shows nothing. Downloading an attachment counts as opening.
* For an organisation's message every member's first opening is kept (`postfach_message_reads`)
  so its admins see who read what (`reads`).
* Recalled messages are gone from every view. Deleting removes the row, its attachments' bytes
  and rows (a person's own messages; an organisation's only by its admins).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.accounts.levels import TrustLevel
from servicekonto.audit.service import record
from servicekonto.blobs.port import BlobStore
from servicekonto.db.models import (
    Account,
    PostfachAttachment,
    PostfachMessage,
    PostfachMessageRead,
)
from servicekonto.errors import InvalidInput, NotFound
from servicekonto.postfach import webhooks
from servicekonto.postfach.access import Box, require_admin
from servicekonto.postfach.errors import LevelTooLow
from servicekonto.postfach.views import (
    AttachmentContent,
    AttachmentView,
    MessagePage,
    MessageSummary,
    MessageView,
    ReadRecord,
)

MAX_PAGE_SIZE = 100
_VISIBLE = PostfachMessage.recalled_at.is_(None)


def list_messages(
    db: Session,
    *,
    box: Box,
    unread_only: bool = False,
    application_id: str | None = None,
    sender: str | None = None,
    service: str | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> MessagePage:
    """One page of the Postfach, newest first, with the total under the filters and the unread
    count of the whole Postfach. Filters: unread only, one application, one sender, one
    service, words in the title (case-insensitive)."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page must be at least 1, page_size 1 to {MAX_PAGE_SIZE}")
    where: list[ColumnElement[bool]] = [box.owns(), _VISIBLE]
    if unread_only:
        where.append(PostfachMessage.read_at.is_(None))
    if application_id:
        where.append(PostfachMessage.application_id == application_id)
    if sender:
        where.append(PostfachMessage.sender == sender)
    if service:
        where.append(PostfachMessage.service == service)
    if search and search.strip():
        where.append(func.lower(PostfachMessage.title).contains(search.strip().lower(),
                                                                autoescape=True))
    total = int(db.scalar(select(func.count()).select_from(PostfachMessage).where(*where)) or 0)
    attachment_count = (
        select(func.count()).where(PostfachAttachment.message_id == PostfachMessage.id)
        .correlate(PostfachMessage).scalar_subquery()
    )
    rows = db.execute(
        select(PostfachMessage, attachment_count.label("attachments"))
        .where(*where)
        .order_by(PostfachMessage.created_at.desc(), PostfachMessage.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [MessageSummary.of(message, int(count)) for message, count in rows]
    return MessagePage(items, total, unread_count(db, box=box), page, page_size)


def services(db: Session, *, box: Box) -> list[str]:
    """The services that sent the visible messages of this Postfach, by name (the list's
    filter offers them)."""
    return list(db.scalars(
        select(PostfachMessage.service).where(box.owns(), _VISIBLE)
        .group_by(PostfachMessage.service).order_by(PostfachMessage.service)
    ))


def summary(db: Session, *, box: Box, message_id: str) -> MessageSummary:
    """One line of the list without the body and without reading it: what a page shows of a
    message the session's level does not open (its title and sender stay visible)."""
    attachment_count = (
        select(func.count()).where(PostfachAttachment.message_id == PostfachMessage.id)
        .correlate(PostfachMessage).scalar_subquery()
    )
    row = db.execute(
        select(PostfachMessage, attachment_count)
        .where(PostfachMessage.id == message_id, box.owns(), _VISIBLE)
    ).first()
    if row is None:
        raise NotFound("no such message")
    return MessageSummary.of(row[0], int(row[1]))


def unread_count(db: Session, *, box: Box) -> int:
    return int(db.scalar(
        select(func.count()).select_from(PostfachMessage)
        .where(box.owns(), _VISIBLE, PostfachMessage.read_at.is_(None))
    ) or 0)


def open_message(
    db: Session,
    *,
    box: Box,
    message_id: str,
    session_level: TrustLevel,
    now: datetime,
    request_id: str = "",
) -> MessageView:
    """The message with its body, marked read (module doc); NotFound when it is not in this
    Postfach (or recalled), LevelTooLow when the session's level is below its `min_level`."""
    message = _visible(db, box, message_id, session_level)
    if not _mark_read(db, box, message, now=now, request_id=request_id):
        raise NotFound("no such message")  # recalled while we looked
    attachments = [AttachmentView.of(a) for a in db.scalars(
        select(PostfachAttachment).where(PostfachAttachment.message_id == message.id)
        .order_by(PostfachAttachment.position)
    )]
    corrected_by = list(db.scalars(
        select(PostfachMessage.id)
        .where(PostfachMessage.corrects_message_id == message.id, _VISIBLE)
        .order_by(PostfachMessage.created_at, PostfachMessage.id)
    ))
    return MessageView.of(message, attachments, corrected_by)


def attachment_content(
    db: Session,
    *,
    box: Box,
    message_id: str,
    attachment_id: str,
    session_level: TrustLevel,
    blobs: BlobStore,
    now: datetime,
    request_id: str = "",
) -> AttachmentContent:
    """An attachment's bytes, under the same rules as the body (module doc)."""
    message = _visible(db, box, message_id, session_level)
    attachment = db.scalar(
        select(PostfachAttachment).where(PostfachAttachment.id == attachment_id,
                                         PostfachAttachment.message_id == message.id)
    )
    if attachment is None:
        raise NotFound("no such attachment")
    if not _mark_read(db, box, message, now=now, request_id=request_id):
        raise NotFound("no such message")
    stored = blobs.get(blob_id=attachment.blob_id)
    if stored is None:
        raise NotFound("no such attachment")
    return AttachmentContent(AttachmentView.of(attachment), stored.data)


def delete_message(
    db: Session,
    *,
    box: Box,
    message_id: str,
    blobs: BlobStore,
    now: datetime,
    request_id: str = "",
) -> None:
    """Delete a message with its attachments (module doc). Needs no step-up: the person removes
    something without reading it."""
    if box.organisation_id is not None:
        require_admin(db, account_id=box.account_id, organisation_id=box.organisation_id)
    message = db.scalar(select(PostfachMessage).where(PostfachMessage.id == message_id,
                                                      box.owns(), _VISIBLE))
    if message is None:
        raise NotFound("no such message")
    blob_ids = list(db.scalars(
        select(PostfachAttachment.blob_id).where(PostfachAttachment.message_id == message.id)
    ))
    blobs.delete(blob_ids)
    db.delete(message)  # attachments and reads go with it (ON DELETE CASCADE)
    db.flush()
    record(db, at=now, event="postfach.deleted", actor=f"account:{box.account_id}",
           subject=box.audit_subject, details={"message": message_id}, request_id=request_id)


def reads(db: Session, *, box: Box, limit: int = 500) -> list[ReadRecord]:
    """Who of the organisation opened which message, newest first (its admins only)."""
    if box.organisation_id is None:
        raise InvalidInput("only an organisation's Postfach keeps who read what")
    require_admin(db, account_id=box.account_id, organisation_id=box.organisation_id)
    rows = db.execute(
        select(PostfachMessageRead.message_id, PostfachMessage.title,
               PostfachMessageRead.account_id, Account.email, PostfachMessageRead.read_at)
        .join(PostfachMessage, PostfachMessage.id == PostfachMessageRead.message_id)
        .join(Account, Account.id == PostfachMessageRead.account_id)
        .where(PostfachMessage.organisation_id == box.organisation_id, _VISIBLE)
        .order_by(PostfachMessageRead.read_at.desc())
        .limit(limit)
    ).all()
    return [ReadRecord(*row) for row in rows]


def export_messages(db: Session, *, account_id: str) -> list[dict[str, object]]:
    """The person's messages for the data export (no attachments' bytes): with the day each
    counts as delivered (§ 9 Abs. 1 Satz 4 OZG, `delivery`)."""
    rows = db.scalars(
        select(PostfachMessage).where(PostfachMessage.account_id == account_id, _VISIBLE)
        .order_by(PostfachMessage.created_at)
    )
    return [
        {
            "id": m.id, "title": m.title, "content": m.content, "sender": m.sender,
            "service": m.service, "application_id": m.application_id,
            "reference": m.reference, "min_level": m.min_level,
            "provided_at": m.created_at.isoformat(),
            "delivered_counts_at": m.delivered_counts_at.isoformat(),
            "read_at": m.read_at.isoformat() if m.read_at else None,
            "corrects_message_id": m.corrects_message_id,
        }
        for m in rows
    ]


# -- helpers ----------------------------------------------------------------------------------


def _visible(db: Session, box: Box, message_id: str, session_level: TrustLevel
             ) -> PostfachMessage:
    message = db.scalar(select(PostfachMessage).where(PostfachMessage.id == message_id,
                                                      box.owns(), _VISIBLE))
    if message is None:
        raise NotFound("no such message")
    needed = TrustLevel.parse(message.min_level)
    if session_level < needed:
        raise LevelTooLow(needed)
    return message


def _mark_read(db: Session, box: Box, message: PostfachMessage, *, now: datetime,
               request_id: str) -> bool:
    """Record the opening; False when the message was recalled meanwhile."""
    if box.organisation_id is not None:
        _remember_reader(db, message.id, box.account_id, now)
    if message.read_at is not None:
        return True
    won = db.execute(
        update(PostfachMessage)
        .where(PostfachMessage.id == message.id, PostfachMessage.read_at.is_(None), _VISIBLE)
        .values(read_at=now, read_by=box.account_id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    db.refresh(message)
    if not won:
        return message.recalled_at is None
    webhooks.queue_event(db, client_id=message.client_id, event=webhooks.READ,
                         message_id=message.id, application_id=message.application_id,
                         reference=message.reference, now=now)
    record(db, at=now, event="postfach.read", actor=f"account:{box.account_id}",
           subject=box.audit_subject, details={"message": message.id}, request_id=request_id)
    return True


def _remember_reader(db: Session, message_id: str, account_id: str, now: datetime) -> None:
    if db.get(PostfachMessageRead, (message_id, account_id)) is not None:
        return
    try:
        with db.begin_nested():
            db.add(PostfachMessageRead(message_id=message_id, account_id=account_id,
                                       read_at=now))
    except IntegrityError:
        pass  # the same member in two tabs at once: the first opening stays
