"""The sender's side: deposit a message, recall it while unread, correct it after reading
(issue 13 item 1; DESIGN §9 `POST /api/v1/postfach/messages`).

`deposit` in order: the Idempotency-Key (a retry answers before anything else is done), the
recipient and the consent (`recipients`), the body (plain, or HTML sanitised by `sanitise`),
the attachments (`attachments`: all checked and scanned before anything is stored), then one
message row — inserted first, in a savepoint, because it carries the key's UNIQUE constraint —
then the attachments' bytes (blobs port, sealed) and rows, the "delivered" event for the
client's webhook, a notice mail without content, and an audit event with ids only.

Idempotency (after draft-ietf-httpapi-idempotency-key-header): the key is scoped to the client
and stored as a SHA-256 digest beside the digest of the request (canonical JSON). The same key
with the same request returns the first message (`replayed`), with another request
`IdempotencyKeyReused`. Parallel retries meet at the UNIQUE constraint: on PostgreSQL the losers'
INSERT waits for the winner's commit and fails, their savepoint rolls back alone, and they read
the winner's row; on SQLite writers are serialised (BEGIN IMMEDIATE), so later ones find it in
the first step. Either way exactly one message exists, and a loser has stored no blob.

Recall is one conditional UPDATE (`read_at IS NULL AND recalled_at IS NULL`): it and the
person's first opening (also conditional on `recalled_at IS NULL`) cannot both win. A recalled
message disappears from the person's Postfach; its content and attachments are deleted, the
row stays for the sender's record. A read message is corrected instead: a new message linked to
the original (`corrects_message_id`), shown with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict, Unpack

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.blobs.port import BlobStore
from servicekonto.db.base import new_id
from servicekonto.db.models import (
    Account,
    OrganisationMember,
    PostfachAttachment,
    PostfachMessage,
    PostfachReader,
)
from servicekonto.errors import Conflict, NotFound
from servicekonto.mail.service import queue_mail
from servicekonto.postfach import webhooks
from servicekonto.postfach.attachments import MAX_ATTACHMENT_BYTES, check_attachments
from servicekonto.postfach.delivery import delivered_counts_at
from servicekonto.postfach.errors import (
    AlreadyRead,
    ContentEmpty,
    CorrectionRecipientMismatch,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    MessageRecalled,
)
from servicekonto.postfach.recipients import Resolved, resolve
from servicekonto.postfach.sanitise import plain_text, sanitise_html
from servicekonto.postfach.schemas import DepositRequest
from servicekonto.postfach.views import DepositResult, RecallResult
from servicekonto.uploads.scan import MalwareScanner

#: Printable ASCII, as the header's structured-field string allows (RFC 8941 §3.3.3).
_KEY = re.compile(r"[\x20-\x7e]{1,255}")
BLOB_PREFIX = "postfach:"
#: One notice mail per recipient while earlier messages of the last hour are unread: a client
#: depositing many messages at once causes one mail, not many.
NOTICE_QUIET = timedelta(hours=1)
NOTICE_SUBJECT = "Neue Nachricht in Ihrem ServiceKonto"
#: The organisation role that always reads its Postfach (`companies.members.ADMIN`).
_ADMIN = "admin"


class DepositArguments(TypedDict):
    """What `deposit` and `correct` take besides the session (and `correct`'s message id)."""

    client_id: str
    request: DepositRequest
    idempotency_key: str | None
    blobs: BlobStore
    scanner: MalwareScanner | None
    scan_required: bool
    issuer: str
    now: datetime
    request_id: NotRequired[str]


def deposit(db: Session, **arguments: Unpack[DepositArguments]) -> DepositResult:
    """Deposit a message (module doc); raises the typed error that says why not."""
    return _deposit(db, **arguments, corrects=None)


def correct(db: Session, *, message_id: str, **arguments: Unpack[DepositArguments]
            ) -> DepositResult:
    """Send a correction of the client's message `message_id` to the same recipient: a new
    message linked to it. NotFound for a message that is not this client's, MessageRecalled for
    a recalled one (send a new message instead)."""
    client_id = arguments["client_id"]
    original = db.execute(
        select(PostfachMessage.account_id, PostfachMessage.organisation_id,
               PostfachMessage.recalled_at)
        .where(PostfachMessage.id == message_id, PostfachMessage.client_id == client_id)
    ).first()
    if original is None:
        raise NotFound("no such message")
    if original.recalled_at is not None:
        raise MessageRecalled("a recalled message cannot be corrected; send a new message")
    recipient = resolve(db, client_id=client_id, recipient=arguments["request"].recipient)
    if (recipient.account_id, recipient.organisation_id) != (
        original.account_id, original.organisation_id
    ):
        raise CorrectionRecipientMismatch(
            "a correction goes to the recipient of the message it corrects"
        )
    return _deposit(db, **arguments, corrects=message_id)


def recall(
    db: Session,
    *,
    client_id: str,
    message_id: str,
    blobs: BlobStore,
    now: datetime,
    request_id: str = "",
) -> RecallResult:
    """Withdraw the client's unread message (module doc). NotFound for a message that is not
    this client's, AlreadyRead once it was opened; a repeated recall changes nothing."""
    mine = (PostfachMessage.id == message_id, PostfachMessage.client_id == client_id)
    row = db.execute(
        select(PostfachMessage.recalled_at, PostfachMessage.read_at, PostfachMessage.account_id,
               PostfachMessage.organisation_id, PostfachMessage.application_id,
               PostfachMessage.reference).where(*mine)
    ).first()
    if row is None:
        raise NotFound("no such message")
    if row.recalled_at is not None:
        return RecallResult(message_id, row.recalled_at, changed=False)
    won = db.execute(
        update(PostfachMessage)
        .where(*mine, PostfachMessage.read_at.is_(None), PostfachMessage.recalled_at.is_(None))
        .values(recalled_at=now, content="", content_html=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not won:
        again = db.execute(
            select(PostfachMessage.recalled_at).where(*mine)
            .execution_options(populate_existing=True)
        ).first()
        if again is not None and again.recalled_at is not None:
            return RecallResult(message_id, again.recalled_at, changed=False)
        raise AlreadyRead("the message has been read; send a correction instead")
    attachments = list(db.scalars(
        select(PostfachAttachment).where(PostfachAttachment.message_id == message_id)
    ))
    blobs.delete([a.blob_id for a in attachments])
    for attachment in attachments:
        db.delete(attachment)
    db.flush()
    webhooks.queue_event(db, client_id=client_id, event=webhooks.RECALLED, message_id=message_id,
                         application_id=row.application_id, reference=row.reference, now=now)
    record(db, at=now, event="postfach.recalled", actor=f"client:{client_id}",
           subject=Resolved(row.account_id, row.organisation_id).audit_subject,
           details={"message": message_id}, request_id=request_id)
    return RecallResult(message_id, now, changed=True)


# -- the deposit ------------------------------------------------------------------------------


def _deposit(
    db: Session,
    *,
    client_id: str,
    request: DepositRequest,
    idempotency_key: str | None,
    blobs: BlobStore,
    scanner: MalwareScanner | None,
    scan_required: bool,
    issuer: str,
    now: datetime,
    corrects: str | None,
    request_id: str = "",
) -> DepositResult:
    key_digest = _key_digest(idempotency_key)
    request_digest = _request_digest(request, corrects)
    earlier = _replay(db, client_id, key_digest, request_digest)
    if earlier is not None:
        return earlier
    recipient = resolve(db, client_id=client_id, recipient=request.recipient)
    content_html: str | None = None
    content = request.content
    if request.content_format == "html":
        content_html = sanitise_html(request.content)
        content = plain_text(content_html)
        if not content:
            raise ContentEmpty("the HTML content is empty once sanitised")
    checked = check_attachments(request.attachments, scanner=scanner, scan_required=scan_required)
    message = PostfachMessage(
        id=new_id(),
        account_id=recipient.account_id,
        organisation_id=recipient.organisation_id,
        client_id=client_id,
        title=request.title,
        content=content,
        content_html=content_html,
        sender=request.sender,
        service=request.service,
        application_id=request.application_id,
        reference=request.reference,
        reply_to=request.reply_to,
        min_level=request.min_level,
        created_at=now,
        delivered_counts_at=delivered_counts_at(now),
        corrects_message_id=corrects,
        idempotency_key_digest=key_digest,
        request_digest=request_digest,
    )
    try:
        with db.begin_nested():
            db.add(message)
    except IntegrityError:
        # A parallel deposit with the same key committed first (module doc).
        earlier = _replay(db, client_id, key_digest, request_digest)
        if earlier is not None:
            return earlier
        raise Conflict("the recipient changed meanwhile; try again") from None
    attachment_ids = []
    for item in checked:
        blob_id = f"{BLOB_PREFIX}{secrets.token_hex(16)}"
        blobs.put(blob_id=blob_id, data=item.data, content_type=item.content_type, now=now,
                  max_bytes=MAX_ATTACHMENT_BYTES)
        row = PostfachAttachment(
            id=new_id(), message_id=message.id, position=item.position, blob_id=blob_id,
            filename=item.filename, content_type=item.content_type, size=item.size,
            sha512=item.sha512, scan_status=item.scan.status.value,
        )
        db.add(row)
        attachment_ids.append(row.id)
    db.flush()
    webhooks.queue_event(db, client_id=client_id, event=webhooks.DELIVERED, message_id=message.id,
                         application_id=message.application_id, reference=message.reference,
                         now=now)
    _notify(db, recipient, message_id=message.id, issuer=issuer, now=now)
    record(db, at=now, event="postfach.deposited", actor=f"client:{client_id}",
           subject=recipient.audit_subject,
           details={"message": message.id, "attachments": len(checked),
                    **({"corrects": corrects} if corrects else {})},
           request_id=request_id)
    return DepositResult(message.id, message.created_at, message.delivered_counts_at,
                         attachment_ids)


def _key_digest(key: str | None) -> str | None:
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise InvalidIdempotencyKey("Idempotency-Key must be 1 to 255 printable ASCII characters")
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def _request_digest(request: DepositRequest, corrects: str | None) -> str:
    canonical = json.dumps(
        {"request": request.model_dump(mode="json"), "corrects": corrects},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(db: Session, client_id: str, key_digest: str | None, request_digest: str
            ) -> DepositResult | None:
    """The first deposit under this Idempotency-Key, or None (also without a key)."""
    if key_digest is None:
        return None
    earlier = db.execute(
        select(PostfachMessage.id, PostfachMessage.request_digest, PostfachMessage.created_at,
               PostfachMessage.delivered_counts_at)
        .where(PostfachMessage.client_id == client_id,
               PostfachMessage.idempotency_key_digest == key_digest)
        .execution_options(populate_existing=True)
    ).first()
    if earlier is None:
        return None
    if earlier.request_digest != request_digest:
        raise IdempotencyKeyReused("the Idempotency-Key was used with a different request")
    attachment_ids = list(db.scalars(
        select(PostfachAttachment.id).where(PostfachAttachment.message_id == earlier.id)
        .order_by(PostfachAttachment.position)
    ))
    return DepositResult(earlier.id, earlier.created_at, earlier.delivered_counts_at,
                         attachment_ids, replayed=True)


# -- the notice mail ---------------------------------------------------------------------------


def _notify(db: Session, recipient: Resolved, *, message_id: str, issuer: str, now: datetime
            ) -> None:
    """A mail without content (issue 13 item 2), unless an unread message of the last hour has
    already caused one."""
    owner = (
        PostfachMessage.account_id == recipient.account_id
        if recipient.account_id is not None
        else PostfachMessage.organisation_id == recipient.organisation_id
    )
    recent_unread = db.scalar(
        select(func.count()).select_from(PostfachMessage).where(
            owner, PostfachMessage.id != message_id, PostfachMessage.read_at.is_(None),
            PostfachMessage.recalled_at.is_(None),
            PostfachMessage.created_at > now - NOTICE_QUIET,
        )
    )
    if recent_unread:
        return
    if recipient.account_id is not None:
        addresses = list(db.scalars(
            select(Account.email).where(Account.id == recipient.account_id,
                                        Account.email_verified.is_(True))
        ))
        body = _NOTICE.format(link=f"{issuer}/postfach")
    else:
        readers = select(PostfachReader.member_id)
        addresses = list(db.scalars(
            select(Account.email)
            .join(OrganisationMember, OrganisationMember.account_id == Account.id)
            .where(OrganisationMember.organisation_id == recipient.organisation_id,
                   Account.email_verified.is_(True),
                   (OrganisationMember.role == _ADMIN) | OrganisationMember.id.in_(readers))
        ))
        body = _ORGANISATION_NOTICE.format(link=f"{issuer}/postfach")
    for address in addresses:
        if address:
            queue_mail(db, to=address, subject=NOTICE_SUBJECT, body=body, now=now)


_NOTICE = """Guten Tag,

Sie haben eine neue Nachricht in Ihrem ServiceKonto.

Sie lesen sie nach der Anmeldung in Ihrem Postfach:
{link}

Diese E-Mail enthält aus Gründen des Datenschutzes keinen Inhalt der Nachricht.

Ihr ServiceKonto
"""

_ORGANISATION_NOTICE = """Guten Tag,

im Postfach einer Organisation, für die Sie im ServiceKonto handeln, ist eine neue Nachricht
eingegangen.

Sie lesen sie nach der Anmeldung im Postfach der Organisation:
{link}

Diese E-Mail enthält aus Gründen des Datenschutzes keinen Inhalt der Nachricht.

Ihr ServiceKonto
"""
