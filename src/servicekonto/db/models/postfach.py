"""The Postfach (issue 13 item 1): messages that connected clients (Fachverfahren) deposit for a
person or an organisation, their attachments, application status updates, the clients' webhook
endpoints, and the pairwise organisation ids clients know.

The rules live in `servicekonto.postfach`; the database enforces the ones that must hold under
concurrency (DESIGN §7):

* a message and a status update belong to exactly one recipient: an account or an organisation
  (CHECK), and go with it (ON DELETE CASCADE);
* `Idempotency-Key`: (client_id, idempotency_key_digest) is UNIQUE, so parallel retries of one
  deposit end in one row; a deposit without a key stores NULL, which never collides;
* read, recalled: set once by conditional UPDATEs (`read_at IS NULL`, `recalled_at IS NULL`);
* a client's `sub` finds the person in one indexed lookup through `client_subjects`
  (UNIQUE (client_id, subject)); the pairwise organisation id through
  `client_organisation_subjects` in the same way.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from servicekonto.db.base import Base, UTCDateTime, new_id

#: Exactly one of account_id / organisation_id (a person's or an organisation's Postfach).
_ONE_RECIPIENT = "(account_id IS NULL) <> (organisation_id IS NULL)"


class PostfachMessage(Base):
    """A message as the ZBP message defines it (egov-domain §4.4), plus what the Postfach keeps
    about it: when it was provided and counts as delivered, read, recalled, corrected."""

    __tablename__ = "postfach_messages"
    __table_args__ = (
        CheckConstraint(_ONE_RECIPIENT, name="one_recipient"),
        UniqueConstraint("client_id", "idempotency_key_digest"),
        # The person's list, newest first, and its unread count. The id is the list's tie-break
        # (ORDER BY created_at DESC, id DESC): in the index, a page is read in order, unsorted.
        Index("ix_postfach_messages_account_created", "account_id", "created_at", "id"),
        Index("ix_postfach_messages_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    #: The client that deposited it; NULL once that client is deleted (the notice stays).
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("clients.client_id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(1024))
    #: Plain text: as sent, or derived from the sanitised HTML.
    content: Mapped[str] = mapped_column(Text)
    #: The sanitised HTML (`postfach.sanitise`), NULL for a plain-text message.
    content_html: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(255))
    service: Mapped[str] = mapped_column(String(255))
    application_id: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(255))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    #: low | substantial | high: the session level needed to read the body.
    min_level: Mapped[str] = mapped_column(String(16))
    #: When it was provided for retrieval (Bereitstellung).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The day on which it counts as delivered (§ 9 (1) sentence 4 OZG; `postfach.delivery`).
    delivered_counts_at: Mapped[date] = mapped_column(Date)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who opened it first (for an organisation's message: which member).
    read_by: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The message this one corrects (sent after the original was read).
    corrects_message_id: Mapped[str | None] = mapped_column(
        ForeignKey("postfach_messages.id", ondelete="SET NULL"), index=True
    )
    #: SHA-256 of the client's Idempotency-Key, and of the request it came with.
    idempotency_key_digest: Mapped[str | None] = mapped_column(String(64))
    request_digest: Mapped[str | None] = mapped_column(String(64))


class PostfachAttachment(Base):
    """An attachment; the bytes are in the blobs port (sealed) under `blob_id`."""

    __tablename__ = "postfach_attachments"
    __table_args__ = (UniqueConstraint("message_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("postfach_messages.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    blob_id: Mapped[str] = mapped_column(String(80), unique=True)
    #: As the sender named it, for display only; never used as a path.
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    #: Given by the sender and verified against the bytes (hex).
    sha512: Mapped[str] = mapped_column(String(128))
    #: clean | skipped (`uploads.scan`)
    scan_status: Mapped[str] = mapped_column(String(16))


class PostfachMessageRead(Base):
    """Who opened an organisation's message, and when first: the admins see it (issue 13 item 3).
    A person's own messages need no such row (`read_at` says it)."""

    __tablename__ = "postfach_message_reads"

    message_id: Mapped[str] = mapped_column(
        ForeignKey("postfach_messages.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApplicationStatus(Base):
    """One status update of an application (FITKO status-update vocabulary, egov-domain §4.4)."""

    __tablename__ = "postfach_status_updates"
    __table_args__ = (
        CheckConstraint(_ONE_RECIPIENT, name="one_recipient"),
        CheckConstraint(
            "status IN ('INITIATED', 'SUBMITTED', 'RECEIVED', 'PROCESSING', "
            "'ACTION_REQUIRED', 'COMPLETED')",
            name="status",
        ),
        Index("ix_postfach_status_updates_account_application", "account_id", "application_id"),
        Index(
            "ix_postfach_status_updates_organisation_application",
            "organisation_id",
            "application_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("clients.client_id", ondelete="SET NULL"), index=True
    )
    application_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    public_service_name: Mapped[str] = mapped_column(String(100))
    sender_name: Mapped[str] = mapped_column(String(100))
    status_details: Mapped[str | None] = mapped_column(String(50))
    additional_information: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostfachWebhook(Base):
    """Where a client hears about its messages (delivered, read, recalled), and the HMAC secret
    the requests are signed with, sealed (AES-GCM, `security.sealing`; the client id as AAD)."""

    __tablename__ = "postfach_webhooks"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClientOrganisationSubject(Base):
    """The pairwise organisation id a client knows for an organisation (like `client_subjects`
    for persons): the client addresses the organisation's Postfach with it."""

    __tablename__ = "client_organisation_subjects"
    __table_args__ = (UniqueConstraint("client_id", "subject"),)

    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(255))


class PostfachReader(Base):
    """A member an organisation's admins allowed to read its Postfach (admins always may).
    Goes with the membership, so a removed member loses access at once."""

    __tablename__ = "postfach_readers"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("organisation_members.id", ondelete="CASCADE"), primary_key=True
    )
    granted_by: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
