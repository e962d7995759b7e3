"""The person's own Postfach in the account API (issue 13 item 2): the list and one message, with
the person's access token (scope `account` or `postfach`; DESIGN §9).

Level gating as on the pages (DESIGN §4): the list shows every title; a message whose
`min_level` is above the token's `acr` is refused with 403 `level_too_low` naming the level
needed, and nothing of its body or attachments is sent — the app asks the person to sign in
again at that level (`acr_values`) for a new token. Opening a message through the API counts
as reading it, once, like the page (`postfach.inbox`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from servicekonto.accounts.levels import TrustLevel
from servicekonto.api.auth import require_scope
from servicekonto.api.problems import problems
from servicekonto.blobs.stores import open_store
from servicekonto.errors import Forbidden
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.postfach import inbox
from servicekonto.postfach.access import personal
from servicekonto.postfach.delivery import SOURCE as DELIVERY_RULE
from servicekonto.postfach.inbox import MAX_PAGE_SIZE
from servicekonto.postfach.views import AttachmentView, MessageSummary, MessageView

router = APIRouter(
    prefix="/api/v1/account/postfach",
    tags=["account: Postfach"],
    # 422 on every route: a path or query with a control character is refused before the
    # handler (web/input_guard.py), as problem+json
    responses=problems(401, 403, 422),
)
_token = require_scope("account", "postfach")


def person(principal: Annotated[Principal, Depends(_token)]) -> Principal:
    """A person's own token; a client-credentials token has no Postfach."""
    if principal.account_id is None:
        raise Forbidden("a token of the account holder is required")
    return principal


Person = Annotated[Principal, Depends(person)]


def _level(principal: Principal) -> TrustLevel:
    """The token's authentication level; a token without `acr` counts as `low`."""
    return principal.level if principal.level is not None else TrustLevel.LOW


# The API's attachment and message are the domain's views (`postfach.views`), field for field,
# but for what stays inside: the attachment's position and the sending client's id. A field
# added to a view joins the API unless excluded here (the committed openapi.json shows it).
@pydantic_dataclass(frozen=True)
class AttachmentOut(AttachmentView):
    position: Annotated[int, Field(exclude=True)]


class MessageLine(BaseModel):
    """A line of the list: never the body."""

    id: str
    title: str
    sender: str
    service: str
    application_id: str | None
    reference: str | None
    min_level: str
    created_at: datetime
    #: The day the message counts as delivered (§ 9 Abs. 1 Satz 4 OZG).
    delivered_counts_at: date
    read: bool
    attachment_count: int
    corrects_message_id: str | None

    @classmethod
    def of(cls, line: MessageSummary) -> MessageLine:
        return cls(
            id=line.id, title=line.title, sender=line.sender, service=line.service,
            application_id=line.application_id, reference=line.reference,
            min_level=line.min_level, created_at=line.created_at,
            delivered_counts_at=line.delivered_counts_at, read=not line.unread,
            attachment_count=line.attachment_count,
            corrects_message_id=line.corrects_message_id,
        )


class MessageList(BaseModel):
    items: list[MessageLine]
    total: int
    unread: int
    page: int
    page_size: int
    delivery_rule: str


@pydantic_dataclass(frozen=True)
class MessageOut(MessageView):
    client_id: Annotated[str | None, Field(exclude=True)]
    attachments: tuple[AttachmentOut, ...]


@router.get("", response_model=MessageList, responses=problems(422))
def list_messages(
    principal: Person,
    db: DbSession,
    unread: bool = False,
    service: Annotated[str | None, Query(max_length=255)] = None,
    application_id: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> MessageList:
    """The person's messages, newest first: titles only, whatever their level."""
    assert principal.account_id is not None
    listing = inbox.list_messages(
        db, box=personal(principal.account_id), unread_only=unread, service=service,
        application_id=application_id, page=page, page_size=page_size,
    )
    db.commit()
    return MessageList(
        items=[MessageLine.of(line) for line in listing.items], total=listing.total,
        unread=listing.unread, page=listing.page, page_size=listing.page_size,
        delivery_rule=DELIVERY_RULE,
    )


@router.get("/{message_id}", response_model=MessageOut, responses=problems(404))
def read_message(
    message_id: str, request: Request, principal: Person, db: DbSession, now: Now
) -> MessageOut:
    """One message with its body, marked read; 403 `level_too_low` when the token's `acr` is
    below the message's `min_level` (module doc)."""
    assert principal.account_id is not None
    view = inbox.open_message(
        db, box=personal(principal.account_id), message_id=message_id[:64],
        session_level=_level(principal), now=now, request_id=request.state.request_id,
    )
    db.commit()
    return MessageOut(**asdict(view))


@router.get(
    "/{message_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        **problems(404),
        200: {"description": "The attachment's bytes", "content": {"application/octet-stream": {}}},
    },
)
def attachment(
    message_id: str,
    attachment_id: str,
    request: Request,
    principal: Person,
    db: DbSession,
    context: Context,
    now: Now,
) -> Response:
    """An attachment's bytes, under the same level rule as the body."""
    assert principal.account_id is not None
    content = inbox.attachment_content(
        db, box=personal(principal.account_id), message_id=message_id[:64],
        attachment_id=attachment_id[:64], session_level=_level(principal),
        blobs=open_store(context.settings, db), now=now, request_id=request.state.request_id,
    )
    db.commit()
    return Response(
        content.data,
        media_type=content.attachment.content_type,
        headers={
            "Content-Disposition": "attachment",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
