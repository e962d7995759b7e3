"""The error tree. Raised anywhere, rendered once per surface: OAuth JSON or redirect
(`oidc.errors`), the error page (`web.errors`), problem details (`api.problems`).

Decide by type, never by `description`: that is ASCII English for clients; German wording lives
in templates only. Models: authlib `oauth2/rfc6749/errors.py`, node-oidc-provider
`lib/helpers/errors.js` (one class per registered error code).
"""

from __future__ import annotations

from typing import ClassVar


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


class InputRefused(InvalidInput):
    """Input a policy refuses for reasons given as machine codes (`password_too_short`, …), so a
    page can show each reason in its own words without reading the description."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        super().__init__(", ".join(problems))
        self.problems = tuple(problems)


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


# -- OAuth 2.0 / OpenID Connect protocol errors --------------------------------------------------

#: The realm of every WWW-Authenticate challenge the service sends.
REALM = "servicekonto"


class OAuthError(ServiceKontoError):
    """A protocol error with its registered `error` code: one subclass per code.

    `redirectable`: the error may be sent to the client's redirect_uri once that is validated
    (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6); the others only ever answer the request that caused
    them (token, introspection, revocation, resource endpoints). `www_authenticate` is the
    challenge header the error answers with, if any (RFC 6749 §5.2, RFC 6750 §3).
    """

    #: The registered error code (RFC 6749 §11.4 registry); set by every subclass.
    error: ClassVar[str]
    redirectable: ClassVar[bool] = False
    status = 400

    def __init__(self, description: str = "", *, status: int | None = None) -> None:
        super().__init__(description or self.error)
        if status is not None:
            self.status = status
        #: Where the error goes by redirect, once addressed with `to_client`.
        self.redirect_uri: str | None = None
        self.state: str | None = None

    @property
    def code(self) -> str:  # type: ignore[override]
        return self.error

    def to_client(self, redirect_uri: str, state: str | None) -> OAuthError:
        """Address the error to the client's validated redirect_uri, with the request's `state`
        (RFC 6749 §4.1.2.1). An error that may not be redirected stays unaddressed, so it is
        shown as a page instead."""
        if self.redirectable:
            self.redirect_uri, self.state = redirect_uri, state
        return self

    @property
    def www_authenticate(self) -> str | None:
        return None


def _bearer_challenge(exc: OAuthError) -> str:
    """RFC 6750 §3: the Bearer challenge naming the error (descriptions: ASCII, no quotes)."""
    return f'Bearer realm="{REALM}", error="{exc.error}", error_description="{exc.description}"'


# RFC 6749 §4.1.2.1 (authorization endpoint, sent by redirect) and §5.2 (token endpoint).


class InvalidRequest(OAuthError):
    error = "invalid_request"
    redirectable = True


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    redirectable = True


class AccessDenied(OAuthError):
    error = "access_denied"
    redirectable = True


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"
    redirectable = True


class InvalidScope(OAuthError):
    error = "invalid_scope"
    redirectable = True


class ServerError(OAuthError):
    error = "server_error"
    redirectable = True
    status = 500


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    redirectable = True
    status = 503


class InvalidClient(OAuthError):
    """RFC 6749 §5.2: always 401 here; a client that authenticated with the Authorization
    header (`basic`) MUST also get a WWW-Authenticate challenge of that scheme."""

    error = "invalid_client"
    status = 401

    def __init__(self, description: str = "", *, basic: bool = False) -> None:
        super().__init__(description)
        self.basic = basic

    @property
    def www_authenticate(self) -> str | None:
        return f'Basic realm="{REALM}"' if self.basic else None


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


# RFC 7009 §2.2.1 (revocation) and RFC 8707 §2 (resource indicators).


class UnsupportedTokenType(OAuthError):
    error = "unsupported_token_type"


class InvalidTarget(OAuthError):
    error = "invalid_target"
    redirectable = True


# OIDC Core §3.1.2.6: the authorization endpoint's errors beyond RFC 6749, all sent by redirect.


class InteractionRequired(OAuthError):
    error = "interaction_required"
    redirectable = True


class LoginRequired(OAuthError):
    error = "login_required"
    redirectable = True


class ConsentRequired(OAuthError):
    error = "consent_required"
    redirectable = True


class RequestNotSupported(OAuthError):
    error = "request_not_supported"
    redirectable = True


class RequestUriNotSupported(OAuthError):
    error = "request_uri_not_supported"
    redirectable = True


class UnmetAuthenticationRequirements(OAuthError):
    """OpenID Connect EAP ACR Values 1.0 §4: an essential acr no interaction can satisfy."""

    error = "unmet_authentication_requirements"
    redirectable = True


# RFC 6750 §3: errors of a resource endpoint (userinfo), each with a Bearer challenge.


class InvalidBearerRequest(InvalidRequest):
    """RFC 6750 §3.1 `invalid_request` at a resource endpoint: 400 with a Bearer challenge."""

    redirectable = False

    @property
    def www_authenticate(self) -> str | None:
        return _bearer_challenge(self)


class MissingBearerToken(InvalidRequest):
    """RFC 6750 §3.1: a request without any authentication gets 401 and a challenge that names
    no error code."""

    redirectable = False
    status = 401

    @property
    def www_authenticate(self) -> str | None:
        return f'Bearer realm="{REALM}"'


class InvalidToken(OAuthError):
    error = "invalid_token"
    status = 401

    @property
    def www_authenticate(self) -> str | None:
        return _bearer_challenge(self)


class InsufficientScope(OAuthError):
    error = "insufficient_scope"
    status = 403

    @property
    def www_authenticate(self) -> str | None:
        return _bearer_challenge(self)


# -- before the redirect_uri is trusted ---------------------------------------------------------


class InvalidRedirectTarget(ServiceKontoError):
    """client_id or redirect_uri not trusted: show a page, never redirect (RFC 6749 §4.1.2.1).

    The subclass says which check failed, so the page can tell a portal developer (an unknown
    client is not a wrong redirect_uri); `reason` is a fixed token for the log, never the
    submitted value.
    """

    status = 400
    code = "invalid_request"
    reason: ClassVar[str] = "malformed_request"


class UnknownClient(InvalidRedirectTarget):
    """The client_id names no active client."""

    reason = "unknown_client"


class UnregisteredRedirectUri(InvalidRedirectTarget):
    """A redirect_uri (or post_logout_redirect_uri) missing or not registered for the client."""

    reason = "redirect_uri_not_registered"
