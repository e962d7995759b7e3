"""The citizen's Postfach pages (issue 13 items 2 and 3): the list with unread count, filters
and paging; one message, opened at the session's level; its attachments; the status timeline
of an application; deleting; an organisation's Postfach for the members its admins allow.

Level gating (DESIGN §4): a message whose `min_level` is above the session's shows its title
and sender but not its body or attachments; the page offers the step-up that reaches the level
and comes back to the message: the authenticator app's code (`/login/otp?next=…`, which lifts
the session to `substantial` when the TOTP is bound and the identity confirmed) or the
Online-Ausweis (`high`). Opening marks the message read once (`postfach.inbox`).

Attachments are served as downloads that a browser never renders in our origin:
`Content-Disposition: attachment`, `Content-Security-Policy: sandbox; default-src 'none'` and
`X-Content-Type-Options: nosniff` (issue 13: "attachments downloaded safely").

Keeping: the message page copies the notice or one attachment into the person's Dokumentensafe
(`safe.documents`, a direct call: web sits above the safe). Deleting asks for confirmation and
offers to keep the notice with all its attachments in the safe first; copying and deleting are
one transaction, so a full safe deletes nothing. Copying needs the message's level (the body
is copied), so below it the confirmation says so instead of offering it.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.blobs.stores import open_store
from servicekonto.companies.members import ADMIN, members_of
from servicekonto.errors import NotFound
from servicekonto.http.browser import SignedInSession
from servicekonto.http.context import Context, Now
from servicekonto.http.database import DbSession
from servicekonto.http.posts import SessionRequest, SignedInRequest, SignedInSessionPost
from servicekonto.postfach import access, inbox, status
from servicekonto.postfach.access import Box, personal
from servicekonto.postfach.delivery import SOURCE as DELIVERY_RULE
from servicekonto.postfach.errors import LevelTooLow, NoPostfachAccess, NotOrganisationAdmin
from servicekonto.postfach.schemas import Status
from servicekonto.postfach.views import MessagePage, MessageSummary
from servicekonto.safe import documents as safe_documents
from servicekonto.safe import quota as safe_quota
from servicekonto.safe.errors import LevelTooLow as SafeLevelTooLow
from servicekonto.safe.errors import SafeFull
from servicekonto.web.pages import PageRefused, render, see_other
from servicekonto.web.routes.step_up import step_up_offers

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
NOTICES = {
    "deleted": "postfach.notice.deleted",
    "deleted_kept": "postfach.notice.deleted_kept",
    "readers": "postfach.notice.readers",
}
#: The FITKO status vocabulary (egov-domain §4.4) in the page's words (`web.texts`).
STATUS_TEXT = {s.value: f"postfach.status.{s.value}" for s in Status}

#: Notices of the message page after a redirect.
MESSAGE_NOTICES = {"kept": "safe.notice.copied"}


# -- where the pages live ----------------------------------------------------------------------


def _base(box: Box) -> str:
    if box.organisation_id is not None:
        return f"/organizations/{quote(box.organisation_id)}/postfach"
    return "/postfach"


def _organisation_box(db: DbSession, session: ActiveSession, organisation_id: str) -> Box:
    """The organisation's Postfach for this member; a member without the right gets 403 with
    its own message, anyone else 404 (`postfach.access`)."""
    try:
        return access.organisation_box(
            db, account_id=session.account_id, organisation_id=organisation_id[:64]
        )
    except NoPostfachAccess:
        db.commit()
        raise PageRefused(
            "no postfach access", message_key="postfach.error.no_access", status=403
        ) from None
    except NotFound:
        db.commit()
        raise


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


def _filters(request: Request) -> dict[str, str]:
    """The list's filters as given (bounded; empty ones dropped), for the form and the links."""
    found = {
        name: request.query_params.get(name, "").strip()[:255]
        for name in ("unread", "service", "application")
    }
    if found["unread"] != "1":
        found["unread"] = ""
    return {k: v for k, v in found.items() if v}


def _list_page(
    request: Request, db: DbSession, session: ActiveSession, box: Box, *, heading: str
) -> Response:
    filters = _filters(request)

    def listed(number: int) -> MessagePage:
        return inbox.list_messages(
            db, box=box, unread_only=bool(filters.get("unread")),
            service=filters.get("service"), application_id=filters.get("application"),
            page=number, page_size=PAGE_SIZE,
        )

    listing = listed(_page_number(request))
    if not listing.items and listing.page > 1:
        listing = listed(listing.pages)  # past the end (messages were deleted): the last page
    services = inbox.services(db, box=box)
    applications = status.applications(db, box=box)
    is_admin = box.organisation_id is not None and _is_admin(db, box)
    db.commit()
    base = _base(box)

    def page_link(target: int) -> str:
        return f"{base}?{urlencode({**filters, 'page': str(target)})}"

    notice = request.query_params.get("notice", "")
    return render(
        request,
        "postfach/list.html",
        heading=heading,
        base=base,
        listing=listing,
        filters=filters,
        services=services,
        applications=applications,
        status_text=STATUS_TEXT,
        previous_link=page_link(listing.page - 1) if listing.page > 1 else None,
        next_link=page_link(listing.page + 1) if listing.page < listing.pages else None,
        notice=NOTICES.get(notice),
        is_organisation=box.organisation_id is not None,
        is_admin=is_admin,
        delivery_rule=DELIVERY_RULE,
        postfach_unread=listing.unread if box.organisation_id is None else None,
        level_label=f"level.{session.level.label}",
    )


def _is_admin(db: DbSession, box: Box) -> bool:
    assert box.organisation_id is not None
    try:
        access.require_admin(db, account_id=box.account_id, organisation_id=box.organisation_id)
    except (NotFound, NotOrganisationAdmin):
        return False
    return True


def _message_page(
    request: Request,
    db: DbSession,
    session: ActiveSession,
    box: Box,
    message_id: str,
    now: datetime,
    *,
    status_code: int = 200,
    error_key: tuple[str, dict[str, object]] | None = None,
) -> Response:
    """`error_key`: a refused copy into the safe (text code and parameters, `web/texts.py`)."""
    base = _base(box)
    back = f"{base}/{quote(message_id)}"
    try:
        message = inbox.open_message(
            db, box=box, message_id=message_id, session_level=session.level, now=now,
            request_id=request.state.request_id,
        )
    except LevelTooLow as refused:
        line = inbox.summary(db, box=box, message_id=message_id)
        offers = step_up_offers(request, db, session, refused.needed, back)
        db.commit()
        return render(
            request,
            "postfach/locked.html",
            base=base,
            message=line,
            level_label=f"level.{session.level.label}",
            delivery_rule=DELIVERY_RULE,
            **offers,
        )
    except NotFound:
        db.commit()
        raise
    may_delete = box.organisation_id is None or _is_admin(db, box)
    db.commit()
    return render(
        request,
        "postfach/message.html",
        status=status_code,
        base=base,
        message=message,
        delivery_rule=DELIVERY_RULE,
        may_delete=may_delete,
        # the safe keeps the person's own notices; an organisation's stay in its Postfach
        may_keep=box.organisation_id is None,
        notice=MESSAGE_NOTICES.get(request.query_params.get("notice", "")),
        error_key=error_key,
    )


def _content_disposition(filename: str) -> str:
    """RFC 6266 `attachment` with an ASCII fallback and the UTF-8 name (RFC 8187)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\/;') or "datei"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


#: The download's headers (module doc): never rendered, never sniffed, never cached.
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _download(page: SessionRequest, box: Box, message_id: str, attachment_id: str) -> Response:
    db = page.db
    try:
        content = inbox.attachment_content(
            db, box=box, message_id=message_id, attachment_id=attachment_id,
            session_level=page.session.level, blobs=open_store(page.context.settings, db),
            now=page.now, request_id=page.request_id,
        )
    except LevelTooLow:
        db.commit()
        return see_other(f"{_base(box)}/{quote(message_id)}")  # the page offers the step-up
    except NotFound:
        db.commit()
        raise
    db.commit()
    return Response(
        content.data,
        media_type=content.attachment.content_type,
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": _content_disposition(content.attachment.filename),
        },
    )


def _timeline_page(
    request: Request, db: DbSession, box: Box, application_id: str
) -> Response:
    try:
        timeline = status.timeline(db, box=box, application_id=application_id[:100])
    finally:
        db.commit()
    return render(
        request,
        "postfach/timeline.html",
        base=_base(box),
        timeline=timeline,
        status_text=STATUS_TEXT,
    )


# -- the person's own Postfach -----------------------------------------------------------------


@router.get("/postfach")
def postfach(request: Request, db: DbSession, session: SignedInSession) -> Response:
    return _list_page(request, db, session, personal(session.account_id), heading="own")


@router.get("/postfach/applications/{application_id}")
def application(
    application_id: str, request: Request, db: DbSession, session: SignedInSession
) -> Response:
    return _timeline_page(request, db, personal(session.account_id), application_id)


@router.get("/postfach/{message_id}")
def message(
    message_id: str, request: Request, db: DbSession, session: SignedInSession, now: Now
) -> Response:
    return _message_page(request, db, session, personal(session.account_id), message_id[:64], now)


@router.get("/postfach/{message_id}/attachments/{attachment_id}")
def attachment(message_id: str, attachment_id: str, page: SignedInRequest) -> Response:
    box = personal(page.session.account_id)
    return _download(page, box, message_id[:64], attachment_id[:64])


def _quota_bytes(context: Context) -> int:
    return context.settings.safe_quota_mb * safe_quota.MIB


def _safe_full(exc: SafeFull) -> tuple[str, dict[str, object]]:
    """The safe's own German text for a full safe, with its numbers."""
    free = max(exc.quota_bytes - exc.used_bytes, 0) / safe_quota.MIB
    return "safe.error.safe_full", {
        "quota_mb": exc.quota_bytes // safe_quota.MIB, "free_mb": f"{free:.1f}",
    }


@router.post("/postfach/{message_id}/keep")
def keep(message_id: str, post: SignedInSessionPost) -> Response:
    """Copy the notice (no `attachment_id`) or one attachment into the Dokumentensafe and come
    back to the message (module doc)."""
    db, session, context, now = post.db, post.session, post.context, post.now
    box = personal(session.account_id)
    back = f"/postfach/{quote(message_id[:64])}"
    try:
        safe_documents.copy_from_postfach(
            db,
            account_id=session.account_id,
            message_id=message_id[:64],
            attachment_id=post.form.get("attachment_id", "")[:64] or None,
            session_level=session.level,
            folder="",
            store=open_store(context.settings, db),
            quota_bytes=_quota_bytes(context),
            now=now,
        )
    except SafeLevelTooLow:
        db.rollback()
        return see_other(back)  # the message page offers the step-up
    except SafeFull as exc:
        db.rollback()
        return _message_page(post.request, db, session, box, message_id[:64], now,
                             status_code=exc.status, error_key=_safe_full(exc))
    db.commit()
    return see_other(f"{back}?notice=kept")


def _delete_page(
    request: Request,
    session: ActiveSession,
    line: MessageSummary,
    *,
    status_code: int = 200,
    error_key: tuple[str, dict[str, object]] | None = None,
) -> Response:
    """The confirmation; keeping a copy is offered when the session may read the body."""
    return render(
        request,
        "postfach/delete.html",
        status=status_code,
        base="/postfach",
        message=line,
        may_keep=TrustLevel.parse(line.min_level) <= session.level,
        needed_label=f"level.{line.min_level}",
        error_key=error_key,
    )


@router.get("/postfach/{message_id}/delete")
def delete_form(
    message_id: str, request: Request, db: DbSession, session: SignedInSession
) -> Response:
    """The confirmation: title and sender only (deleting needs no step-up, inbox doc)."""
    line = inbox.summary(db, box=personal(session.account_id), message_id=message_id[:64])
    db.commit()
    return _delete_page(request, session, line)


@router.post("/postfach/{message_id}/delete")
def delete(message_id: str, post: SignedInSessionPost) -> Response:
    request, db, form, session, now = post.request, post.db, post.form, post.session, post.now
    box = personal(session.account_id)
    line = inbox.summary(db, box=box, message_id=message_id[:64])  # NotFound before anything
    store = open_store(post.context.settings, db)
    if form.get("keep_in_safe") == "yes":
        try:
            safe_documents.keep_message(
                db, account_id=session.account_id, message_id=line.id,
                session_level=session.level, store=store,
                quota_bytes=_quota_bytes(post.context),
                now=now,
            )
        except SafeLevelTooLow:
            db.rollback()  # nothing copied, nothing deleted
            return _delete_page(request, session, line, status_code=403,
                                error_key=("postfach.error.keep_level", {}))
        except SafeFull as exc:
            db.rollback()
            return _delete_page(request, session, line, status_code=exc.status,
                                error_key=_safe_full(exc))
    inbox.delete_message(
        db, box=box, message_id=line.id, blobs=store, now=now, request_id=post.request_id,
    )
    db.commit()
    notice = "deleted_kept" if form.get("keep_in_safe") == "yes" else "deleted"
    return see_other(f"/postfach?notice={notice}")


# -- an organisation's Postfach ----------------------------------------------------------------


@router.get("/organizations/{organisation_id}/postfach")
def organisation_postfach(
    organisation_id: str, request: Request, db: DbSession, session: SignedInSession
) -> Response:
    box = _organisation_box(db, session, organisation_id)
    return _list_page(request, db, session, box, heading="organisation")


@router.get("/organizations/{organisation_id}/postfach/reads")
def organisation_reads(
    organisation_id: str, request: Request, db: DbSession, session: SignedInSession
) -> Response:
    """For the admins: who read which message, and which members may read (module doc)."""
    box = _organisation_box(db, session, organisation_id)
    try:
        records = inbox.reads(db, box=box)
        allowed = set(access.readers(db, admin_account_id=session.account_id,
                                     organisation_id=box.organisation_id or ""))
    except NotOrganisationAdmin:
        db.commit()
        raise PageRefused(
            "admins only", message_key="postfach.error.admins_only", status=403
        ) from None
    people = [(member_id, shown, member_id in allowed) for member_id, shown in _members(db, box)]
    db.commit()
    return render(
        request,
        "postfach/reads.html",
        base=_base(box),
        records=records,
        members=people,
        notice=NOTICES.get(request.query_params.get("notice", "")),
    )


def _members(db: DbSession, box: Box) -> list[tuple[str, str]]:
    """(account id, e-mail address or id) of the members other than the admins (who always
    read)."""
    assert box.organisation_id is not None
    return [
        (m.account_id, m.email or m.account_id)
        for m in members_of(db, organisation_id=box.organisation_id, admin_id=box.account_id)
        if m.role != ADMIN
    ]


@router.post("/organizations/{organisation_id}/postfach/readers")
def organisation_readers(organisation_id: str, post: SignedInSessionPost) -> Response:
    """An admin grants or withdraws one member's right to read (`member`, `allowed` = yes|no)."""
    db, form = post.db, post.form
    try:
        access.set_reader(
            db, admin_account_id=post.session.account_id, organisation_id=organisation_id[:64],
            member_account_id=form.get("member", "")[:64], allowed=form.get("allowed") == "yes",
            now=post.now, request_id=post.request_id,
        )
    except NotOrganisationAdmin:
        db.rollback()
        raise PageRefused(
            "admins only", message_key="postfach.error.admins_only", status=403
        ) from None
    db.commit()
    return see_other(f"/organizations/{quote(organisation_id[:64])}/postfach/reads?notice=readers")


@router.get("/organizations/{organisation_id}/postfach/applications/{application_id}")
def organisation_application(
    organisation_id: str,
    application_id: str,
    request: Request,
    db: DbSession,
    session: SignedInSession,
) -> Response:
    box = _organisation_box(db, session, organisation_id)
    return _timeline_page(request, db, box, application_id)


@router.get("/organizations/{organisation_id}/postfach/{message_id}")
def organisation_message(
    organisation_id: str,
    message_id: str,
    request: Request,
    db: DbSession,
    session: SignedInSession,
    now: Now,
) -> Response:
    box = _organisation_box(db, session, organisation_id)
    return _message_page(request, db, session, box, message_id[:64], now)


@router.get("/organizations/{organisation_id}/postfach/{message_id}/attachments/{attachment_id}")
def organisation_attachment(
    organisation_id: str, message_id: str, attachment_id: str, page: SignedInRequest
) -> Response:
    box = _organisation_box(page.db, page.session, organisation_id)
    return _download(page, box, message_id[:64], attachment_id[:64])
