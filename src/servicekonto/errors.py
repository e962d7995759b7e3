"""The error tree. Raised anywhere, rendered once per surface (oidc, web, api).

`description` is ASCII English for clients; German wording lives in templates only.
"""

from __future__ import annotations


class ServiceKontoError(Exception):
    """Base of every error the service raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, description: str = "") -> None:
        super().__init__(description or self.code)
        self.description = description or self.code


class NeedsDatabase(Exception):
    """Raised by code asked to answer without a database session (a hot path served on the event
    loop from in-process caches) when the answer needs one; the caller retries with a session."""


class NotFound(ServiceKontoError):
    status = 404
    code = "not_found"


class Conflict(ServiceKontoError):
    status = 409
    code = "conflict"


class InvalidInput(ServiceKontoError):
    status = 422
    code = "invalid_input"


class ControlCharacters(InvalidInput):
    """A field, parameter or path holds a control character (NUL, ESC, C1, DEL, …)."""


class Unauthorized(ServiceKontoError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceKontoError):
    status = 403
    code = "forbidden"


class RateLimited(ServiceKontoError):
    status = 429
    code = "rate_limited"

    def __init__(self, description: str = "", retry_after: int = 60) -> None:
        super().__init__(description or "too many requests")
        self.retry_after = retry_after


class ConfigurationError(ServiceKontoError):
    """Settings that must not be used to start the service."""

    status = 500
    code = "configuration_error"


class OAuthError(ServiceKontoError):
    """An OAuth 2.0 / OpenID Connect protocol error with its registered `error` code.

    RFC 6749 §4.1.2.1 and §5.2 list the codes; OIDC Core §3.1.2.6 adds the interaction ones.
    """

    def __init__(
        self,
        error: str,
        description: str = "",
        *,
        status: int = 400,
        www_authenticate: str | None = None,
    ) -> None:
        super().__init__(description or error)
        self.error = error
        self.status = status
        self.www_authenticate = www_authenticate

    @property
    def code(self) -> str:  # type: ignore[override]
        return self.error


class InvalidRedirectTarget(ServiceKontoError):
    """client_id or redirect_uri not trusted: show a page, never redirect (RFC 6749 §4.1.2.1).

    `reason` says which check failed, so the page can tell a portal developer (an unknown client
    is not a wrong redirect_uri) and the log can record it: one of the fixed tokens below, never
    the submitted value.
    """

    status = 400
    code = "invalid_request"
    UNKNOWN_CLIENT = "unknown_client"
    REDIRECT_URI_NOT_REGISTERED = "redirect_uri_not_registered"
    MALFORMED = "malformed_request"

    def __init__(self, description: str = "", *, reason: str = MALFORMED) -> None:
        super().__init__(description)
        self.reason = reason
