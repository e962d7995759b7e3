"""What a client sends (DESIGN §9: `POST /api/v1/postfach/messages`, `POST /api/v1/postfach/status`;
field names after the ZBP message and the FITKO status update, egov-domain §4.4).

Pydantic with `extra="forbid"`: an unknown field is an error, not ignored. Lengths are the ZBP
schema's (title ≤ 1024, sender/service/reference ≤ 255, reply address ≤ 320) and the FITKO
status update's (public service name and sender name ≤ 100, details ≤ 50, additional information
≤ 100, reference ≤ 50). Single-line fields refuse every control character; the content keeps
line breaks and tabs. Attachments are checked by `postfach.attachments` (base64, size, type,
checksum), so a refusal names its code and position there instead of a generic schema error.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

#: Control characters (C0, DEL, C1); the content allows tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: A client's application id: ZBP uses UUIDs; Fachverfahren numbers fit too. No "/" (it is a path
#: segment on the timeline page) and no white space.
APPLICATION_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
MAX_CONTENT_CHARS = 100_000


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _text(value: str) -> str:
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("control characters other than tab and line breaks are not allowed")
    return value


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError("reply_to must be an e-mail address") from exc


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024),
    AfterValidator(_single_line),
]
Name255 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    AfterValidator(_single_line),
]
Name100 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_single_line),
]
Name50 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_single_line),
]
Content = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_CONTENT_CHARS), AfterValidator(_text)
]
ApplicationId = Annotated[str, StringConstraints(pattern=APPLICATION_ID)]
ReplyTo = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(_email)
]


class Recipient(BaseModel):
    """`{"sub": …}` (the person's subject at this client) or `{"organization": …}` (the pairwise
    organisation id at this client): exactly one."""

    model_config = ConfigDict(extra="forbid")

    sub: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    organization: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Recipient:
        if (self.sub is None) == (self.organization is None):
            raise ValueError("recipient needs exactly one of sub and organization")
        return self


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    #: Base64 (standard alphabet, padding; line breaks are tolerated).
    content: str
    #: SHA-512 of the decoded bytes, hex (as the ZBP's `sha512sum`).
    sha512: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{128}$")]


class DepositRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: Recipient
    title: Title
    content: Content
    #: How `content` is meant: plain text, or HTML that is sanitised to a small allow-list.
    content_format: Literal["text", "html"] = "text"
    sender: Name255
    service: Name255
    application_id: ApplicationId | None = None
    reference: Name255 | None = None
    reply_to: ReplyTo | None = None
    #: The session level needed to read the body (DESIGN §9; default `substantial`, issue 13).
    min_level: Literal["low", "substantial", "high"] = "substantial"
    attachments: list[Attachment] = Field(default_factory=list)


class Status(StrEnum):
    """The FITKO status-update vocabulary (egov-domain §4.4)."""

    INITIATED = "INITIATED"
    SUBMITTED = "SUBMITTED"
    RECEIVED = "RECEIVED"
    PROCESSING = "PROCESSING"
    ACTION_REQUIRED = "ACTION_REQUIRED"
    COMPLETED = "COMPLETED"


class StatusUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipient: Recipient
    application_id: ApplicationId
    status: Status
    public_service_name: Name100
    sender_name: Name100
    status_details: Name50 | None = None
    additional_information: Name100 | None = None
    reference: Name50 | None = None
