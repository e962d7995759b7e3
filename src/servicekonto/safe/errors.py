"""Typed errors of the Dokumentensafe, each with a stable `code` (DESIGN §6 #2): the API renders
the ASCII English description, pages show German text keyed on the code (`web/texts.py`,
`safe.error.<code>`)."""

from __future__ import annotations

from servicekonto.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceKontoError


class SafeFull(Conflict):
    """The document does not fit into the space left; nothing was stored."""

    code = "safe_full"

    def __init__(self, *, quota_bytes: int, used_bytes: int) -> None:
        super().__init__(f"the safe is full ({used_bytes} of {quota_bytes} bytes used)")
        self.quota_bytes = quota_bytes
        self.used_bytes = used_bytes


class DocumentNotFound(NotFound):
    """No such document in this person's safe (never says whether someone else has one)."""

    code = "document_not_found"


class InvalidFolder(InvalidInput):
    code = "invalid_folder"


class NotCopyable(NotFound):
    """The Postfach message or attachment is not this person's, or was recalled."""

    code = "not_copyable"


class LevelTooLow(Forbidden):
    """The message needs a higher session level to be read, so it cannot be copied either."""

    code = "level_too_low"


class ClientNotConsented(InvalidInput):
    """A share names a client the person has not consented to (or an unknown one)."""

    code = "client_not_consented"


class InvalidApplicationId(InvalidInput):
    code = "invalid_application_id"


class ShareNotFound(NotFound):
    """No open share with this id for this client: unknown, another client's, revoked or
    expired — the client is not told which."""

    code = "share_not_found"


class ShareAlreadyFetched(ServiceKontoError):
    """The named client fetched this share before; a share is fetched once."""

    status = 410
    code = "share_already_fetched"


class ShareClosed(Conflict):
    """Revoking a share that was fetched, revoked or expired already."""

    code = "share_closed"
