"""Application status updates and the timeline a person sees per application (issue 13 item 1;
DESIGN §9 `POST /api/v1/postfach/status`).

A client reports the status of an application with the FITKO status-update fields
(egov-domain §4.4): `application_id`, `status` ∈ {INITIATED, SUBMITTED, RECEIVED, PROCESSING,
ACTION_REQUIRED, COMPLETED}, `public_service_name`, `sender_name`, optional `status_details`,
`additional_information`, `reference`; the time is ours (`created_at`, from the Clock). The
recipient and the consent are checked as for a message (`recipients.resolve`). Updates are
appended, never changed: the timeline shows each with its time, and the latest is the current
status; the vocabulary has no order we could enforce (ACTION_REQUIRED goes back to PROCESSING).

The timeline of one application joins its status updates and the messages that name the same
`application_id`, in time order. Application ids are the clients' own (ZBP: UUIDs); an id two
clients happened to share would show both clients' entries, each with its sender.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekonto.audit.service import record
from servicekonto.db.models import ApplicationStatus, PostfachAttachment, PostfachMessage
from servicekonto.errors import NotFound
from servicekonto.postfach.access import Box
from servicekonto.postfach.recipients import resolve
from servicekonto.postfach.schemas import StatusUpdateRequest
from servicekonto.postfach.views import (
    ApplicationSummary,
    MessageSummary,
    StatusView,
    Timeline,
    TimelineEntry,
)


def add_status(
    db: Session,
    *,
    client_id: str,
    request: StatusUpdateRequest,
    now: datetime,
    request_id: str = "",
) -> StatusView:
    """Append a status update for the recipient's application (module doc)."""
    recipient = resolve(db, client_id=client_id, recipient=request.recipient)
    row = ApplicationStatus(
        account_id=recipient.account_id,
        organisation_id=recipient.organisation_id,
        client_id=client_id,
        application_id=request.application_id,
        status=request.status.value,
        public_service_name=request.public_service_name,
        sender_name=request.sender_name,
        status_details=request.status_details,
        additional_information=request.additional_information,
        reference=request.reference,
        created_at=now,
    )
    db.add(row)
    db.flush()
    record(db, at=now, event="postfach.status", actor=f"client:{client_id}",
           subject=recipient.audit_subject,
           details={"status_update": row.id, "status": row.status}, request_id=request_id)
    return StatusView.of(row)


def applications(db: Session, *, box: Box) -> list[ApplicationSummary]:
    """The applications of this Postfach with their latest status, most recent first."""
    latest = (
        select(ApplicationStatus.application_id, func.max(ApplicationStatus.id).label("last"))
        .where(box.owns_status())
        .group_by(ApplicationStatus.application_id)
        .subquery()
    )
    rows = db.scalars(
        select(ApplicationStatus)
        .join(latest, ApplicationStatus.id == latest.c.last)
        .order_by(ApplicationStatus.created_at.desc(), ApplicationStatus.id.desc())
    )
    return [
        ApplicationSummary(r.application_id, r.public_service_name, r.sender_name, r.status,
                           r.created_at)
        for r in rows
    ]


def timeline(db: Session, *, box: Box, application_id: str) -> Timeline:
    """Status updates and messages of one application in time order; NotFound when this
    Postfach has neither."""
    statuses = [StatusView.of(r) for r in db.scalars(
        select(ApplicationStatus)
        .where(box.owns_status(), ApplicationStatus.application_id == application_id)
        .order_by(ApplicationStatus.created_at, ApplicationStatus.id)
    )]
    attachment_count = (
        select(func.count()).where(PostfachAttachment.message_id == PostfachMessage.id)
        .correlate(PostfachMessage).scalar_subquery()
    )
    messages = [
        MessageSummary.of(m, int(count))
        for m, count in db.execute(
            select(PostfachMessage, attachment_count)
            .where(box.owns(), PostfachMessage.recalled_at.is_(None),
                   PostfachMessage.application_id == application_id)
        ).all()
    ]
    if not statuses and not messages:
        raise NotFound("no such application")
    entries = [TimelineEntry(s.created_at, "status", status=s) for s in statuses]
    entries += [TimelineEntry(m.created_at, "message", message=m) for m in messages]
    # Stable: at equal times the status update (reported first) comes before the message.
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "status" else 1))
    return Timeline(application_id, entries)
