"""Print-shop API for letters (issue 3): list queued letters — PIN letters to persons and
organisations' activation letters (`kind`) — fetch them as one print-ready PDF, mark them
dispatched. Bearer token with scope `letters:dispatch` of a client-credentials
client of the print shop.

A token issued to a person (code flow) is refused even with that scope (issue 15 item 5): its
login may have been a password alone, and the batch PDF carries readable activation codes.
Staff use the dispatch view, which demands a second factor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from servicekonto.api.auth import require_scope
from servicekonto.api.deps import Principal, db_session, now
from servicekonto.api.problems import problems
from servicekonto.audit.service import record
from servicekonto.errors import Forbidden
from servicekonto.letters import service

router = APIRouter(
    prefix="/api/v1/letters", tags=["letters: print shop"], responses=problems(401, 403)
)
_scope = require_scope("letters:dispatch")


def dispatcher(principal: Principal = Depends(_scope)) -> Principal:
    """The print shop's machine client; a person's token is refused (module doc)."""
    if principal.account_id is not None:
        raise Forbidden("the print-shop API needs a client-credentials token of a machine client")
    return principal



class QueuedLetterView(BaseModel):
    letter_id: str
    reference: str
    #: `pin` (a person's PIN letter) or `org_activation` (an organisation's activation letter).
    kind: Literal["pin", "org_activation"]
    created_at: datetime
    valid_until: datetime
    administration: str | None
    recipient_lines: list[str]


class LetterSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    letter_ids: list[str] = Field(min_length=1, max_length=service.EXPORT_LIMIT)


class Dispatched(BaseModel):
    dispatched: int


@router.get("", response_model=list[QueuedLetterView])
def queued(
    request: Request, db: Session = Depends(db_session), _p: Principal = Depends(dispatcher)
) -> list[QueuedLetterView]:
    return [
        QueuedLetterView(
            letter_id=s.letter_id,
            reference=s.reference,
            kind=s.kind,
            created_at=s.created_at,
            valid_until=s.valid_until,
            administration=s.administration_slug,
            recipient_lines=s.recipient_lines,
        )
        for s in service.list_queued(db, now=now(request))
    ]


@router.post(
    "/batch.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(400, 404, 409, 422)},
)
def batch(
    selection: LetterSelection,
    request: Request,
    db: Session = Depends(db_session),
    principal: Principal = Depends(dispatcher),
) -> Response:
    """One PDF of the selected queued letters (at most 200 per export; every export audited with
    the letter ids). 404 when none of them is queued, 409 when a letter's PDF is unreadable."""
    ids, pdf = service.export_batch(db, letter_ids=selection.letter_ids, now=now(request))
    record(
        db,
        at=now(request),
        event="letters.exported",
        actor=f"client:{principal.client_id}",
        details={"letters": len(ids), "letter_ids": ids},
        request_id=request.state.request_id,
    )
    db.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="pin-letters.pdf"',
            "X-Letter-Ids": ",".join(ids),
            "Cache-Control": "no-store",
        },
    )


@router.post("/dispatched", response_model=Dispatched, responses=problems(400, 422))
def dispatched(
    selection: LetterSelection,
    request: Request,
    db: Session = Depends(db_session),
    principal: Principal = Depends(dispatcher),
) -> Dispatched:
    count = service.mark_dispatched(db, letter_ids=selection.letter_ids, now=now(request))
    record(
        db,
        at=now(request),
        event="letters.dispatched",
        actor=f"client:{principal.client_id}",
        details={"letters": count},
        request_id=request.state.request_id,
    )
    db.commit()
    return Dispatched(dispatched=count)
