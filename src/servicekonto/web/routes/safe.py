"""The Dokumentensafe pages (issue 13 item 4): `/safe` (documents by folder, the space used,
upload, keeping a Postfach notice or attachment, shares), a document's page (download, move,
share with a consented client, delete), revoking a share.

The upload form is multipart: it is read with Starlette's parser under the upload body cap
(`UPLOAD_PATH` gets `SERVICEKONTO_UPLOAD_BODY_LIMIT_BYTES` at the edge, every other page the
small cap) and CSRF-checked like any page form. A download is an attachment under a sandbox
CSP and `nosniff`, so a stored document never runs as a page of ours.

A document kept from a Postfach message keeps its level: below it the document's page shows
the name and offers the step-up of the Postfach (`web.routes.step_up`: the app's code or the
Online-Ausweis, back to the document) instead of the download and the share form; a download or
share asked for anyway goes to that page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from servicekonto.accounts.levels import TrustLevel
from servicekonto.blobs.stores import open_store
from servicekonto.consent.service import personal_consents
from servicekonto.http.browser import SignedInAccount
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.forms import Form, check_post
from servicekonto.http.limits import rate_limit
from servicekonto.http.posts import AccountPost, SignedInPost
from servicekonto.http.refusals import PageRefused
from servicekonto.http.uploads import MAX_FILE_PARTS
from servicekonto.safe import documents, quota, shares
from servicekonto.safe.errors import (
    ClientNotConsented,
    InvalidApplicationId,
    InvalidFolder,
    LevelTooLow,
    SafeFull,
)
from servicekonto.safe.views import DocumentView
from servicekonto.uploads.check import IncomingFile
from servicekonto.uploads.errors import TooManyFiles, UploadRefused
from servicekonto.uploads.names import content_disposition
from servicekonto.uploads.scan import scanner_from_settings
from servicekonto.web.pages import locale, render, see_other
from servicekonto.web.routes.step_up import step_up_offers
from servicekonto.web.upload_messages import upload_error_message

router = APIRouter(include_in_schema=False)
UPLOAD_PATH = "/safe/upload"  # one of http.uploads.UPLOAD_ROUTES
NOTICES = {
    "uploaded": "safe.notice.uploaded",
    "copied": "safe.notice.copied",
    "deleted": "safe.notice.deleted",
    "shared": "safe.notice.shared",
    "revoked": "safe.notice.revoked",
    "moved": "safe.notice.moved",
}
#: The download's own CSP, on top of the site's (a browser enforces both; the edge adds
#: `nosniff` and the rest): nothing runs, nothing loads (DESIGN §8).
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "no-store",
}


def _quota_bytes(context: Context) -> int:
    return context.settings.safe_quota_mb * quota.MIB


def _safe_page(
    request: Request,
    db: DbSession,
    signed_in: SignedInAccount,
    context: Context,
    now: Now,
    *,
    folder: str | None,
    status: int = 200,
    error: str | None = None,
    error_key: tuple[str, dict[str, object]] | None = None,
) -> Response:
    """`error`: a text ready to show (an upload refusal); `error_key`: a text code and its
    parameters (`web/texts.py`)."""
    account_id = signed_in.account.id
    page = render(
        request,
        "safe/safe.html",
        status=status,
        documents=documents.list_documents(db, account_id=account_id, folder=folder),
        folders=documents.folders(db, account_id=account_id),
        folder=folder,
        usage=quota.usage(db, account_id=account_id, quota_bytes=_quota_bytes(context)),
        messages=documents.copyable_messages(
            db, account_id=account_id, session_level=signed_in.session.level
        ),
        shares=shares.list_shares(db, account_id=account_id, now=now),
        notice=NOTICES.get(request.query_params.get("notice", "")),
        error=error,
        error_key=error_key,
        upload_action=UPLOAD_PATH,
    )
    db.commit()
    return page


@router.get("/safe")
def safe_page(
    request: Request, db: DbSession, signed_in: SignedInAccount, context: Context, now: Now
) -> Response:
    raw = request.query_params.get("folder")
    return _safe_page(request, db, signed_in, context, now, folder=raw[:60] if raw else None)


async def _upload_form(request: Request) -> AsyncIterator[tuple[Form, list[UploadFile]]]:
    """The multipart upload form, CSRF-checked. Parsed (and cached) by the app's input guard
    (`web.input_guard`) with its limits; the safe takes one file (`TooManyFiles` beyond). The
    spooled files are closed when the request ends."""
    form = await request.form(max_files=MAX_FILE_PARTS, max_fields=100)
    try:
        fields = Form((k, v) for k, v in form.multi_items() if isinstance(v, str))
        check_post(request, fields)
        yield fields, [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    finally:
        await form.close()


UploadForm = Annotated[tuple[Form, list[UploadFile]], Depends(_upload_form)]


@router.post(UPLOAD_PATH)
def upload(
    request: Request,
    posted: UploadForm,
    db: DbSession,
    signed_in: SignedInAccount,
    context: Context,
    now: Now,
) -> Response:
    fields, files = posted
    rate_limit(request, "safe_upload")  # each upload costs a scan and a parse
    chosen = [f for f in files if f.filename]
    account_id = signed_in.account.id
    try:
        if not chosen:
            raise PageRefused("no file", message_key="safe.error.no_file", status=400)
        if len(chosen) > 1:
            raise TooManyFiles(max_files=1)
        file = chosen[0]
        incoming = IncomingFile(
            filename=file.filename or "",
            content_type=file.content_type or "application/octet-stream",
            data=file.file.read(),
        )
        documents.upload(
            db,
            account_id=account_id,
            file=incoming,
            folder=fields.get("folder", ""),
            store=open_store(context.settings, db),
            scanner=scanner_from_settings(context.settings),
            scan_required=context.settings.upload_scan_required,
            quota_bytes=_quota_bytes(context),
            now=now,
        )
    except UploadRefused as exc:
        db.rollback()
        return _safe_page(request, db, signed_in, context, now, folder=None,
                          status=exc.status, error=upload_error_message(locale(request), exc))
    except (SafeFull, InvalidFolder, PageRefused) as exc:
        return _refused_page(request, db, signed_in, context, now, exc)
    db.commit()
    return see_other("/safe?notice=uploaded")


def _refused_page(
    request: Request,
    db: DbSession,
    signed_in: SignedInAccount,
    context: Context,
    now: Now,
    exc: SafeFull | InvalidFolder | PageRefused,
) -> Response:
    """The safe page again with the German text of the refusal (`safe.error.<code>`); nothing
    of the refused action is kept."""
    db.rollback()
    key = exc.message_key if isinstance(exc, PageRefused) else f"safe.error.{exc.code}"
    params: dict[str, object] = {}
    if isinstance(exc, SafeFull):
        free = max(exc.quota_bytes - exc.used_bytes, 0) / quota.MIB
        params = {"quota_mb": exc.quota_bytes // quota.MIB, "free_mb": f"{free:.1f}"}
    return _safe_page(request, db, signed_in, context, now, folder=None,
                      status=exc.status, error_key=(key, params))


def _refused_post(post: AccountPost, exc: SafeFull | InvalidFolder) -> Response:
    """`_refused_page` for an action posted as a form."""
    return _refused_page(post.request, post.db, post.signed_in, post.context, post.now, exc)


@router.post("/safe/copy")
def copy(post: SignedInPost) -> Response:
    """Keep a Postfach notice (its text) or one of its attachments in the safe."""
    form = post.form
    try:
        documents.copy_from_postfach(
            post.db,
            account_id=post.account.id,
            message_id=form.get("message_id", "")[:32],
            attachment_id=form.get("attachment_id", "")[:32] or None,
            session_level=post.session.level,
            folder=form.get("folder", ""),
            store=open_store(post.context.settings, post.db),
            quota_bytes=_quota_bytes(post.context),
            now=post.now,
        )
    except (SafeFull, InvalidFolder) as exc:
        return _refused_post(post, exc)
    post.db.commit()
    return see_other("/safe?notice=copied")


def _document_page(
    request: Request,
    db: DbSession,
    signed_in: SignedInAccount,
    document: DocumentView,
    *,
    now: Now,
    status: int = 200,
    error_key: str | None = None,
) -> Response:
    account_id = signed_in.account.id
    # A personal safe shares with the clients the person consented to for themself.
    clients = [
        (c.client_id, c.client_name) for c in personal_consents(db, account_id=account_id)
    ]
    session = signed_in.session
    needed = TrustLevel.parse(document.min_level)
    # above the session's level the name stays, opening and sharing need the step-up
    step_up = (
        step_up_offers(request, db, session, needed, f"/safe/documents/{quote(document.id)}")
        if needed > session.level else {}
    )
    page = render(
        request,
        "safe/document.html",
        status=status,
        document=document,
        clients=clients,
        folders=documents.folders(db, account_id=account_id),
        shares=[s for s in shares.list_shares(db, account_id=account_id, now=now)
                if s.document_id == document.id],
        notice=NOTICES.get(request.query_params.get("notice", "")),
        error_key=error_key,
        locked=bool(step_up),
        level_label=f"level.{session.level.label}",
        **step_up,
    )
    db.commit()
    return page


def _to_step_up(document_id: str) -> Response:
    """Below the document's level: its page, which offers the step-up (`_document_page`)."""
    return see_other(f"/safe/documents/{quote(document_id[:32])}")


@router.get("/safe/documents/{document_id}")
def document_page(
    document_id: str, request: Request, db: DbSession, signed_in: SignedInAccount, now: Now
) -> Response:
    document = documents.get_document(db, account_id=signed_in.account.id,
                                      document_id=document_id)
    return _document_page(request, db, signed_in, document, now=now)


@router.get("/safe/documents/{document_id}/download")
def download(
    document_id: str, db: DbSession, signed_in: SignedInAccount, context: Context
) -> Response:
    try:
        content = documents.read_document(
            db,
            account_id=signed_in.account.id,
            document_id=document_id,
            store=open_store(context.settings, db),
            session_level=signed_in.session.level,
        )
    except LevelTooLow:
        db.commit()
        return _to_step_up(document_id)
    db.commit()
    document = content.document
    media_type = document.content_type
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(
        content.data,
        media_type=media_type,
        headers={**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(document.filename)},
    )


@router.post("/safe/documents/{document_id}/share")
def share(document_id: str, post: SignedInPost) -> Response:
    db, form, account_id = post.db, post.form, post.account.id
    try:
        shares.share(
            db,
            account_id=account_id,
            document_id=document_id,
            client_id=form.get("client_id", ""),
            application_id=form.get("application_id", ""),
            now=post.now,
            days=post.context.settings.safe_share_days,
            session_level=post.session.level,
            request_id=post.request_id,
        )
    except LevelTooLow:
        db.rollback()
        return _to_step_up(document_id)
    except (ClientNotConsented, InvalidApplicationId) as exc:
        db.rollback()
        document = documents.get_document(db, account_id=account_id, document_id=document_id)
        return _document_page(post.request, db, post.signed_in, document, now=post.now,
                              status=exc.status, error_key=f"safe.error.{exc.code}")
    db.commit()
    return see_other(f"/safe/documents/{document_id[:32]}?notice=shared")


@router.post("/safe/documents/{document_id}/folder")
def move(document_id: str, post: SignedInPost) -> Response:
    try:
        documents.move(post.db, account_id=post.account.id, document_id=document_id,
                       folder=post.form.get("folder", ""))
    except InvalidFolder as exc:
        return _refused_post(post, exc)
    post.db.commit()
    return see_other(f"/safe/documents/{document_id[:32]}?notice=moved")


@router.post("/safe/documents/{document_id}/delete")
def delete(document_id: str, post: SignedInPost) -> Response:
    documents.delete_document(post.db, account_id=post.account.id, document_id=document_id,
                              store=open_store(post.context.settings, post.db))
    post.db.commit()
    return see_other("/safe?notice=deleted")


@router.post("/safe/shares/{share_id}/revoke")
def revoke_share(share_id: str, post: SignedInPost) -> Response:
    shares.revoke(post.db, account_id=post.account.id, share_id=share_id, now=post.now,
                  request_id=post.request_id)
    post.db.commit()
    back = post.form.get("back", "")
    target = f"/safe/documents/{back[:32]}" if back.isalnum() else "/safe"
    return see_other(f"{target}?notice=revoked")
