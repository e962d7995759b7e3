"""What the Postfach services return: plain frozen dataclasses, never ORM rows (DESIGN §6 #9)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from servicekonto.db.models import (
    ApplicationStatus,
    PostfachAttachment,
    PostfachMessage,
)
from servicekonto.db.views import view_of


@dataclass(frozen=True)
class AttachmentView:
    id: str
    position: int
    filename: str
    content_type: str
    size: int
    sha512: str

    @classmethod
    def of(cls, row: PostfachAttachment) -> AttachmentView:
        return view_of(cls, row)


@dataclass(frozen=True)
class AttachmentContent:
    attachment: AttachmentView
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class MessageSummary:
    """A line of the Postfach list: the title is always shown, the body never."""

    id: str
    title: str
    sender: str
    service: str
    application_id: str | None
    reference: str | None
    min_level: str
    created_at: datetime
    delivered_counts_at: date
    read_at: datetime | None
    attachment_count: int
    corrects_message_id: str | None

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @classmethod
    def of(cls, row: PostfachMessage, attachment_count: int) -> MessageSummary:
        return view_of(cls, row, attachment_count=attachment_count)


@dataclass(frozen=True)
class MessagePage:
    items: list[MessageSummary]
    total: int
    unread: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class MessageView:
    """An opened message (its body at the session's level)."""

    id: str
    client_id: str | None
    title: str
    content: str
    #: The sanitised HTML when the client sent HTML (then `content` is its plain text).
    content_html: str | None
    sender: str
    service: str
    application_id: str | None
    reference: str | None
    reply_to: str | None
    min_level: str
    created_at: datetime
    delivered_counts_at: date
    read_at: datetime | None
    corrects_message_id: str | None
    #: Later messages that correct this one, oldest first.
    corrected_by: list[str]
    #: A tuple, so the API's view of it (`api.account_postfach.MessageOut`) may narrow the type.
    attachments: tuple[AttachmentView, ...]

    @classmethod
    def of(
        cls,
        row: PostfachMessage,
        attachments: list[AttachmentView],
        corrected_by: list[str],
    ) -> MessageView:
        return view_of(cls, row, attachments=tuple(attachments), corrected_by=corrected_by)


@dataclass(frozen=True)
class DepositResult:
    """What the client gets back; `replayed` when an Idempotency-Key retry found the first."""

    message_id: str
    created_at: datetime
    delivered_counts_at: date
    attachment_ids: list[str]
    replayed: bool = False


@dataclass(frozen=True)
class RecallResult:
    message_id: str
    recalled_at: datetime
    #: False when it had been recalled before (a repeated recall changes nothing).
    changed: bool


@dataclass(frozen=True)
class StatusView:
    id: int
    client_id: str | None
    application_id: str
    status: str
    public_service_name: str
    sender_name: str
    status_details: str | None
    additional_information: str | None
    reference: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: ApplicationStatus) -> StatusView:
        return view_of(cls, row)


@dataclass(frozen=True)
class ApplicationSummary:
    """An application of the person with its latest status."""

    application_id: str
    public_service_name: str
    sender_name: str
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    """A status update or a message of one application, in time order."""

    at: datetime
    kind: str  # "status" | "message"
    status: StatusView | None = None
    message: MessageSummary | None = None


@dataclass(frozen=True)
class Timeline:
    application_id: str
    entries: list[TimelineEntry]

    @property
    def current(self) -> StatusView | None:
        statuses = [e.status for e in self.entries if e.status is not None]
        return statuses[-1] if statuses else None


@dataclass(frozen=True)
class ReadRecord:
    """Who of an organisation opened which message, first when (for its admins)."""

    message_id: str
    title: str
    account_id: str
    email: str | None
    read_at: datetime
