"""A sign-up as the registration page and the API both do it (issue 15 item 4)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session

from servicekonto.http.limits import client_ip
from servicekonto.registration import service
from servicekonto.registration.schemas import RegistrationInput
from servicekonto.registration.service import Collaborators
from servicekonto.security.ratelimit import Limits


def register_within_limits(
    request: Request,
    db: Session,
    limits: Limits,
    collaborators: Collaborators,
    data: RegistrationInput,
    now: datetime,
) -> None:
    """Count the sign-up in the per-IP and per-address buckets the page and the API share (429
    beyond them, before any hash or mail), then register the person (`register_citizen`'s
    refusals propagate; the caller commits or rolls back)."""
    limits.check_registration(ip=client_ip(request), address=str(data.email), now=now)
    service.register_citizen(
        db, collaborators, data=data, now=now, request_id=request.state.request_id
    )
