"""The deposit API of the Postfach for clients (Fachverfahren): messages, application status,
recall and correction (issue 13 item 1; DESIGN §9 `POST /api/v1/postfach/messages`,
`POST /api/v1/postfach/status`).

Who may call: the client a person consented `postfach` to, with the same client_id, registered
with grant types authorization_code and client_credentials and the machine scope
`postfach:deliver` (which the authorization endpoint never grants: it stays in
client-credentials tokens). It authenticates every request with either

* `Authorization: Bearer <access token>` from `grant_type=client_credentials` with scope
  `postfach:deliver`, or
* its `private_key_jwt` assertion in the headers `Client-Assertion-Type` and `Client-Assertion`
  (RFC 7523 §2.2's parameters; the body is JSON, so not form fields): `aud` the issuer or the
  request's URL, `jti` single use (`api.auth.require_client_scope`).

The recipient is the `sub` the client received for the person, or the pairwise organisation id
it received (`{"organization": …}`); one indexed lookup (`postfach.recipients`). An unknown
subject and another client's subject are the same 404; a person who has not consented to the
client's `postfach` scope is 403 `no_consent`.

Answers: problem+json (RFC 9457) with a precise `detail`, per-field `errors` for schema
refusals and refused attachments (`attachments.N`, 1-based). A new message is 201 with
`Location`; a retry with the same `Idempotency-Key` and the same body is 200 with the same
message and `Idempotent-Replayed: true`; the same key with another body 422
`idempotency_key_reused`. The body cap of the messages routes is their own
(`DEPOSIT_BODY_LIMIT`: five base64 attachments of 2 MB and the JSON around them); one
attachment over 2 MB is 413, a SHA-512 that does not match 422.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.dataclasses import dataclass as pydantic_dataclass

from servicekonto.api.auth import require_client_scope
from servicekonto.api.problems import problems
from servicekonto.blobs.stores import open_store
from servicekonto.errors import NotFound, ServiceKontoError
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.postfach import deposit as deposit_service
from servicekonto.postfach import status as status_service
from servicekonto.postfach.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from servicekonto.postfach.delivery import SOURCE as DELIVERY_RULE
from servicekonto.postfach.deposit import DepositArguments
from servicekonto.postfach.errors import AttachmentRefused, TooManyAttachments, UnknownRecipient
from servicekonto.postfach.recipients import DELIVER_SCOPE
from servicekonto.postfach.schemas import DepositRequest, StatusUpdateRequest
from servicekonto.postfach.sent import SentEvent, SentMessage, sent_message
from servicekonto.postfach.views import DepositResult
from servicekonto.uploads.errors import UploadRefused
from servicekonto.uploads.scan import scanner_from_settings

BASE = "/api/v1/postfach"
MESSAGES_PATH = f"{BASE}/messages"
#: Five attachments of 2 MB as base64 (4/3), plus 1 MiB for the rest of the JSON (the content
#: may be 100,000 characters, escaped). The global cap (1 MiB) holds everywhere else.
DEPOSIT_BODY_LIMIT = MAX_ATTACHMENTS * 4 * -(-MAX_ATTACHMENT_BYTES // 3) + 1024 * 1024
REPLAYED_HEADER = "Idempotent-Replayed"

# 422 on every route: a path with a control character is refused before the handler
# (web/input_guard.py), as problem+json
router = APIRouter(
    prefix=BASE, tags=["postfach: deposit"], responses=problems(401, 403, 422)
)
Depositor = Annotated[Principal, Depends(require_client_scope(DELIVER_SCOPE))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Makes a retry safe: the same key with the same body answers the first "
        "deposit (200) instead of creating a second message. 1–255 printable ASCII characters.",
    ),
]


class RecipientNotFound(NotFound):
    """An unknown `sub` or organisation id and another client's are one answer (module doc)."""

    code = "unknown_recipient"
    field = "recipient"


class Deposited(BaseModel):
    id: str
    location: str
    created_at: datetime
    #: The day the message counts as delivered (§ 9 Abs. 1 Satz 4 OZG: the 4th day after it
    #: was provided, Europe/Berlin).
    delivered_counts_at: date
    delivered_counts_rule: str
    attachment_ids: list[str]
    #: True when this answers a retry with the same Idempotency-Key.
    replayed: bool


# The sender's view is the domain's (`postfach.sent`), field for field: these pydantic
# dataclasses take its fields and only spell out the states for the schema. A field added there
# joins the API (the committed openapi.json shows it).
@pydantic_dataclass(frozen=True)
class MessageEvent(SentEvent):
    type: Literal["delivered", "read", "recalled", "corrected"]


@pydantic_dataclass(frozen=True)
class SentMessageView(SentMessage):
    state: Literal["delivered", "read", "recalled"]
    events: tuple[MessageEvent, ...]


class Recalled(BaseModel):
    id: str
    state: Literal["recalled"]
    recalled_at: datetime
    #: False when the message had been recalled before (nothing changed).
    changed: bool


class StatusRecorded(BaseModel):
    id: int
    application_id: str
    status: str
    created_at: datetime


def _location(message_id: str) -> str:
    return f"{MESSAGES_PATH}/{message_id}"


def _answer(result: DepositResult) -> JSONResponse:
    body = Deposited(
        id=result.message_id,
        location=_location(result.message_id),
        created_at=result.created_at,
        delivered_counts_at=result.delivered_counts_at,
        delivered_counts_rule=DELIVERY_RULE,
        attachment_ids=result.attachment_ids,
        replayed=result.replayed,
    )
    headers = {"Location": _location(result.message_id)}
    if result.replayed:
        headers[REPLAYED_HEADER] = "true"
    return JSONResponse(
        body.model_dump(mode="json"), status_code=200 if result.replayed else 201, headers=headers
    )


def _pin_field(exc: ServiceKontoError) -> ServiceKontoError:
    """The API's answer to a domain refusal: an unknown recipient is 404 (module doc); a
    refused attachment names its field."""
    if isinstance(exc, UnknownRecipient):
        return RecipientNotFound(exc.description)
    if isinstance(exc, TooManyAttachments):
        setattr(exc, "field", "attachments")  # noqa: B010 (read by api.problems)
    elif isinstance(exc, (AttachmentRefused, UploadRefused)) and exc.index is not None:
        setattr(exc, "field", f"attachments.{exc.index}")  # noqa: B010
    return exc


def _deposit_arguments(
    body: DepositRequest,
    request: Request,
    db: DbSession,
    client: Depositor,
    context: Context,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> DepositArguments:
    """What a deposit and a correction both hand the service: the client's request with the
    blob store, the malware scanner and the issuer of this request (a dependency of both
    routes, so they declare the body and the Idempotency-Key once)."""
    settings = context.settings
    return DepositArguments(
        client_id=client.client_id, request=body, idempotency_key=idempotency_key,
        blobs=open_store(settings, db), scanner=scanner_from_settings(settings),
        scan_required=settings.upload_scan_required, issuer=context.issuer, now=now,
        request_id=request.state.request_id,
    )


Deposit = Annotated[DepositArguments, Depends(_deposit_arguments)]

_DEPOSIT_RESPONSES = {
    200: {"model": Deposited, "description": "A retry with the same Idempotency-Key and body: "
          "the first deposit's answer (header `Idempotent-Replayed: true`)"},
    201: {"model": Deposited, "description": "Deposited; `Location` names the message"},
    **problems(400, 404, 409, 413, 415, 422),
}


@router.post("/messages", status_code=201, response_model=Deposited,
             responses=_DEPOSIT_RESPONSES)
def deposit(arguments: Deposit, db: DbSession) -> JSONResponse:
    """Deposit a message for a person (`{"sub"}`) or an organisation (`{"organization"}`).
    400 for a malformed Idempotency-Key, 403 `no_consent`, 404 `unknown_recipient`, 409
    `recipient_inactive`, 413 for an attachment over 2 MB or a body over the cap, 415 for an
    attachment type not accepted, 422 for a schema error, a SHA-512 mismatch
    (`attachment_checksum_mismatch`) or a reused Idempotency-Key."""
    try:
        result = deposit_service.deposit(db, **arguments)
    except ServiceKontoError as exc:
        raise _pin_field(exc) from None
    db.commit()
    return _answer(result)


@router.get("/messages/{message_id}", response_model=SentMessageView,
            responses=problems(404))
def message(message_id: str, db: DbSession, client: Depositor) -> SentMessageView:
    """Where the client's message stands and what happened to it (delivered, read, recalled,
    corrected), for clients that poll instead of receiving webhooks. Another client's message
    is 404."""
    sent = sent_message(db, client_id=client.client_id, message_id=message_id)
    return SentMessageView(**asdict(sent))


@router.post("/messages/{message_id}/recall", response_model=Recalled,
             responses=problems(404, 409))
def recall(
    message_id: str, request: Request, db: DbSession, client: Depositor, context: Context,
    now: Now,
) -> Recalled:
    """Withdraw a message that has not been read: it disappears from the Postfach, its
    content and attachments are deleted. 409 `already_read` once it was opened (send a
    correction); a repeated recall answers 200 with `changed: false`."""
    result = deposit_service.recall(
        db, client_id=client.client_id, message_id=message_id,
        blobs=open_store(context.settings, db), now=now, request_id=request.state.request_id,
    )
    db.commit()
    return Recalled(id=result.message_id, state="recalled", recalled_at=result.recalled_at,
                    changed=result.changed)


@router.post("/messages/{message_id}/corrections", status_code=201, response_model=Deposited,
             responses={**_DEPOSIT_RESPONSES, **problems(409)})
def correct(message_id: str, arguments: Deposit, db: DbSession) -> JSONResponse:
    """Send a correction of a (usually already read) message: a new message to the same
    recipient, linked to the original, which the person sees with it. 404 for a message that
    is not the client's, 409 `message_recalled`, 422 `correction_recipient_mismatch`."""
    try:
        result = deposit_service.correct(db, message_id=message_id, **arguments)
    except ServiceKontoError as exc:
        raise _pin_field(exc) from None
    db.commit()
    return _answer(result)


@router.post("/status", status_code=201, response_model=StatusRecorded,
             responses=problems(404, 409, 422))
def status(
    body: StatusUpdateRequest, request: Request, db: DbSession, client: Depositor, now: Now
) -> StatusRecorded:
    """Report the status of an application (FITKO status update: INITIATED, SUBMITTED,
    RECEIVED, PROCESSING, ACTION_REQUIRED, COMPLETED); the person sees the updates as a
    timeline. Appended, never changed. Same recipient rules as a message."""
    try:
        recorded = status_service.add_status(
            db, client_id=client.client_id, request=body, now=now,
            request_id=request.state.request_id,
        )
    except ServiceKontoError as exc:
        raise _pin_field(exc) from None
    db.commit()
    return StatusRecorded(id=recorded.id, application_id=recorded.application_id,
                          status=recorded.status, created_at=recorded.created_at)
