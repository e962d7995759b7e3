"""The sender's view of a message it deposited: where it stands and what happened to it
(issue 13 item 1; `GET /api/v1/postfach/messages/{id}`).

A client sees only its own messages (another client's id is NotFound, like an unknown one) and
only what it sent or may know: ids, times, state — never who of an organisation read it. The
events are the ones its webhook receives (delivered, read, recalled) plus the corrections it
sent, derived from the message row, so a client without a webhook endpoint can poll them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekonto.db.models import PostfachAttachment, PostfachMessage
from servicekonto.errors import NotFound


@dataclass(frozen=True)
class SentEvent:
    #: delivered | read | recalled | corrected
    type: str
    at: datetime
    #: For `corrected`: the correcting message.
    message_id: str | None = None


@dataclass(frozen=True)
class SentMessage:
    id: str
    #: delivered | read | recalled (the latest of them)
    state: str
    title: str
    application_id: str | None
    reference: str | None
    min_level: str
    created_at: datetime
    delivered_counts_at: date
    read_at: datetime | None
    recalled_at: datetime | None
    corrects_message_id: str | None
    corrected_by: list[str]
    attachment_ids: list[str]
    #: A tuple, so the API's view of it (`api.postfach.SentMessageView`) may narrow the type.
    events: tuple[SentEvent, ...]


def sent_message(db: Session, *, client_id: str, message_id: str) -> SentMessage:
    """The client's message `message_id` (module doc); NotFound when it is not the client's."""
    row = db.scalar(
        select(PostfachMessage).where(PostfachMessage.id == message_id,
                                      PostfachMessage.client_id == client_id)
    )
    if row is None:
        raise NotFound("no such message")
    corrections = db.execute(
        select(PostfachMessage.id, PostfachMessage.created_at)
        .where(PostfachMessage.corrects_message_id == row.id,
               PostfachMessage.client_id == client_id)
        .order_by(PostfachMessage.created_at, PostfachMessage.id)
    ).all()
    attachment_ids = list(db.scalars(
        select(PostfachAttachment.id).where(PostfachAttachment.message_id == row.id)
        .order_by(PostfachAttachment.position)
    ))
    events = [SentEvent("delivered", row.created_at)]
    if row.read_at is not None:
        events.append(SentEvent("read", row.read_at))
    if row.recalled_at is not None:
        events.append(SentEvent("recalled", row.recalled_at))
    events += [SentEvent("corrected", at, message_id=cid) for cid, at in corrections]
    events.sort(key=lambda e: e.at)
    state = "recalled" if row.recalled_at else "read" if row.read_at else "delivered"
    return SentMessage(
        id=row.id, state=state, title=row.title, application_id=row.application_id,
        reference=row.reference, min_level=row.min_level, created_at=row.created_at,
        delivered_counts_at=row.delivered_counts_at, read_at=row.read_at,
        recalled_at=row.recalled_at, corrects_message_id=row.corrects_message_id,
        corrected_by=[cid for cid, _ in corrections], attachment_ids=attachment_ids,
        events=tuple(events),
    )
