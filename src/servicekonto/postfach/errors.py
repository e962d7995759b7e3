"""Typed errors of the Postfach, each with a stable `code` (DESIGN §6 #2).

The API renders them as problem+json with the ASCII English `description`; pages show German
text keyed on `code`. Refused attachments raise the upload refusals of `uploads.errors` where
the check is the upload check (name, size, PDF/image structure, malware scan), and the ones below
where it is the Postfach's own (base64, checksum, type list, text files).
"""

from __future__ import annotations

from servicekonto.accounts.levels import TrustLevel
from servicekonto.errors import Conflict, Forbidden, InvalidInput


class UnknownRecipient(InvalidInput):
    """The `sub` or organisation id is not one this client knows (never says whether it is
    another client's)."""

    code = "unknown_recipient"


class NoConsent(Forbidden):
    """The person has not consented to this client's `postfach` scope."""

    code = "no_consent"


class RecipientInactive(Conflict):
    """The organisation is not active (suspended, closed): its Postfach takes no messages."""

    code = "recipient_inactive"


class ContentEmpty(InvalidInput):
    """HTML content with nothing left after sanitising (e.g. only a script)."""

    code = "content_empty"


class InvalidIdempotencyKey(InvalidInput):
    status = 400
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(InvalidInput):
    """The key came before with a different request (draft-ietf-httpapi-idempotency-key-header
    §2.7 answers this with 422)."""

    code = "idempotency_key_reused"


class TooManyAttachments(InvalidInput):
    code = "too_many_attachments"


class AttachmentRefused(InvalidInput):
    """An attachment the Postfach's own checks refuse; `index` is its 1-based position."""

    code = "attachment_refused"

    def __init__(self, description: str, *, index: int) -> None:
        super().__init__(f"attachment {index}: {description}")
        self.index = index


class AttachmentNotBase64(AttachmentRefused):
    code = "attachment_not_base64"


class AttachmentChecksumMismatch(AttachmentRefused):
    code = "attachment_checksum_mismatch"


class AttachmentTypeNotAllowed(AttachmentRefused):
    code = "attachment_type_not_allowed"


class AttachmentTextInvalid(AttachmentRefused):
    code = "attachment_text_invalid"


class LevelTooLow(Forbidden):
    """The session's level is below the message's `min_level`: the title may be shown, the body
    only after a step-up to `needed` (DESIGN §4; the page starts it)."""

    code = "level_too_low"

    def __init__(self, needed: TrustLevel) -> None:
        super().__init__(f"reading this message needs the level {needed.label}")
        self.needed = needed


class AlreadyRead(Conflict):
    """A read message cannot be recalled; send a correction instead."""

    code = "already_read"


class MessageRecalled(Conflict):
    code = "message_recalled"


class CorrectionRecipientMismatch(InvalidInput):
    code = "correction_recipient_mismatch"


class NoPostfachAccess(Forbidden):
    """A member of the organisation without the right to read its Postfach."""

    code = "no_postfach_access"


class NotOrganisationAdmin(Forbidden):
    code = "not_organisation_admin"
