"""Dokumentensafe API: a client fetches a document shared with it, once; the person lists their
safe (issue 13 item 4).

`GET /api/v1/safe/shares` lists the calling client's open shares (ids, application ids, file
names; nothing is consumed); `GET /api/v1/safe/shares/{id}` fetches one. Both need a
client-credentials token of the named client with scope
`safe:fetch`. That client is one the person signed in to (a share names a client they
consented to), so the scope is registered beside its code-flow scopes; a token issued to a
person is refused whatever its scopes. Answers: 200 with the document (base64) the first time;
410 `share_already_fetched` for the named client afterwards; 404 `share_not_found` for an
unknown, another client's, revoked or expired share.

`GET /api/v1/account/safe` (the person's token, scope `account`): documents, space and shares.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from servicekonto.api.auth import require_scope
from servicekonto.api.problems import problems
from servicekonto.blobs.stores import open_store
from servicekonto.errors import Forbidden
from servicekonto.http.bearer import Principal
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.safe import documents, quota, shares
from servicekonto.safe.views import DocumentView

router = APIRouter(tags=["safe"], responses=problems(401, 403, 422))


def _fetcher(principal: Annotated[Principal, Depends(require_scope(shares.FETCH_SCOPE))]
             ) -> Principal:
    if principal.account_id is not None:
        raise Forbidden("fetching a share needs a client-credentials token of the client")
    return principal


Fetcher = Annotated[Principal, Depends(_fetcher)]
Person = Annotated[Principal, Depends(require_scope("account"))]


class OpenShareOut(BaseModel):
    share_id: str
    application_id: str
    filename: str
    expires_at: datetime


@router.get("/api/v1/safe/shares", response_model=list[OpenShareOut])
def open_shares(db: DbSession, client: Fetcher, now: Now) -> list[OpenShareOut]:
    found = shares.open_for_client(db, client_id=client.client_id, now=now)
    db.commit()
    return [OpenShareOut(share_id=s.id, application_id=s.application_id, filename=s.filename,
                         expires_at=s.expires_at) for s in found]


class SharedDocumentOut(BaseModel):
    share_id: str
    application_id: str
    filename: str
    content_type: str
    sha256: str
    #: The document's bytes, base64 (RFC 4648 §4).
    content: str


@router.get(
    "/api/v1/safe/shares/{share_id}",
    response_model=SharedDocumentOut,
    responses=problems(404, 410, 422),
)
def fetch_share(
    share_id: str,
    request: Request,
    db: DbSession,
    client: Fetcher,
    context: Context,
    now: Now,
) -> SharedDocumentOut:
    shared = shares.fetch(db, client_id=client.client_id, share_id=share_id,
                          store=open_store(context.settings, db), now=now,
                          request_id=request.state.request_id)
    db.commit()
    return SharedDocumentOut(
        share_id=shared.share_id,
        application_id=shared.application_id,
        filename=shared.filename,
        content_type=shared.content_type,
        sha256=shared.sha256,
        content=base64.b64encode(shared.data).decode("ascii"),
    )


# A document of the safe as the domain views it (`safe.views.DocumentView`), field for field,
# but for `origin` (where a Postfach copy came from), which the API does not tell. A field added
# to the view joins the API unless excluded here (the committed openapi.json shows it).
@pydantic_dataclass(frozen=True)
class SafeDocumentOut(DocumentView):
    origin: Annotated[str | None, Field(exclude=True)]


class SafeShareOut(BaseModel):
    id: str
    document_id: str
    client_name: str
    application_id: str
    state: str
    expires_at: datetime
    fetched_at: datetime | None


class SafeOut(BaseModel):
    used_bytes: int
    quota_bytes: int
    documents: list[SafeDocumentOut]
    shares: list[SafeShareOut]


@router.get("/api/v1/account/safe", response_model=SafeOut)
def account_safe(db: DbSession, person: Person, context: Context, now: Now) -> SafeOut:
    if person.account_id is None:
        raise Forbidden("this API needs the person's own access token")
    account_id = person.account_id
    usage = quota.usage(db, account_id=account_id,
                        quota_bytes=context.settings.safe_quota_mb * quota.MIB)
    body = SafeOut(
        used_bytes=usage.used_bytes,
        quota_bytes=usage.quota_bytes,
        documents=[
            SafeDocumentOut(**asdict(d))
            for d in documents.list_documents(db, account_id=account_id)
        ],
        shares=[
            SafeShareOut(id=s.id, document_id=s.document_id, client_name=s.client_name,
                         application_id=s.application_id, state=s.state,
                         expires_at=s.expires_at, fetched_at=s.fetched_at)
            for s in shares.list_shares(db, account_id=account_id, now=now)
        ],
    )
    db.commit()
    return body
