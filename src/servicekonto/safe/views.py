"""What the safe's services hand to the surfaces (ORM rows never leave the service layer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DocumentView:
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    folder: str
    #: upload | postfach
    source: str
    origin: str | None
    min_level: str
    created_at: datetime


@dataclass(frozen=True)
class DocumentContent:
    document: DocumentView
    data: bytes


@dataclass(frozen=True)
class CopyableMessage:
    """A Postfach notice of the person that can be kept in the safe, with its attachments."""

    message_id: str
    title: str
    sender: str
    service: str
    created_at: datetime
    #: (attachment id, file name)
    attachments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ShareView:
    id: str
    document_id: str
    filename: str
    client_id: str
    client_name: str
    application_id: str
    created_at: datetime
    expires_at: datetime
    fetched_at: datetime | None
    revoked_at: datetime | None
    #: open | fetched | revoked | expired
    state: str


@dataclass(frozen=True)
class SharedDocument:
    """What the client receives for a share (once)."""

    share_id: str
    application_id: str
    filename: str
    content_type: str
    sha256: str
    data: bytes
