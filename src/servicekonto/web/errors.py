"""The error page a person sees (DESIGN §6 convention 2): German wording by message key, chosen by
the error's type, else by its status. The one renderer of errors for pages; the app registers it.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response

from servicekonto.errors import (
    ControlCharacters,
    InvalidRedirectTarget,
    RateLimited,
    ServiceKontoError,
    UnknownClient,
    UnregisteredRedirectUri,
)
from servicekonto.web.pages import CsrfFailure, PageRefused, error_page

log = logging.getLogger(__name__)

#: The page message for an error by its status. A 403 is "Kein Zugriff"; a failed CSRF check
#: (also 403) has its own page (`TITLE_FOR_TYPE`): "expired form" would mislead a person who
#: simply may not open a page.
PAGE_MESSAGE = {
    400: "error.invalid_request",
    403: "error.forbidden",
    404: "error.not_found",
    405: "error.method_not_allowed",
    413: "error.payload_too_large",
    429: "error.too_many_requests",
}
#: The page title by status, where the generic "Es ist ein Fehler aufgetreten" says too little.
PAGE_TITLE = {403: "error.forbidden_title"}

#: Messages of errors whose page depends on their type, not their status; the first match
#: wins, so a subclass comes before its base. Which check failed before a redirect target was
#: trusted is told apart (issue 10 #13): an unknown portal is not a wrong return address.
MESSAGE_FOR_TYPE: tuple[tuple[type[ServiceKontoError], str], ...] = (
    (CsrfFailure, "error.csrf"),
    (ControlCharacters, "error.control_characters"),
    (UnknownClient, "error.invalid_client"),
    (UnregisteredRedirectUri, "error.invalid_redirect_uri"),
    (InvalidRedirectTarget, "error.invalid_request"),
)
TITLE_FOR_TYPE: tuple[tuple[type[ServiceKontoError], str], ...] = (
    (CsrfFailure, "error.csrf_title"),
)


def _by_type(
    exc: ServiceKontoError, table: tuple[tuple[type[ServiceKontoError], str], ...], default: str
) -> str:
    return next((key for kind, key in table if isinstance(exc, kind)), default)


def page_keys(exc: ServiceKontoError) -> tuple[str, str]:
    """(title key, message key) of the page for `exc`."""
    if isinstance(exc, PageRefused):
        return exc.title_key or PAGE_TITLE.get(exc.status, "error.title"), exc.message_key
    title = _by_type(exc, TITLE_FOR_TYPE, PAGE_TITLE.get(exc.status, "error.title"))
    message = _by_type(exc, MESSAGE_FOR_TYPE, PAGE_MESSAGE.get(exc.status, "error.generic"))
    return title, message


def page_for_error(request: Request, exc: ServiceKontoError) -> Response:
    if isinstance(exc, InvalidRedirectTarget):
        # A fixed reason token only: never the submitted URI or client_id (may hold anything).
        log.warning("authorization request refused before redirect: %s", exc.reason)
    title, message = page_keys(exc)
    action = exc.action if isinstance(exc, PageRefused) else None
    response = error_page(
        request, status=exc.status, title_key=title, message_key=message, action=action
    )
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def page_for_status(
    request: Request, status: int, headers: dict[str, str] | None = None
) -> Response:
    """A framework refusal (unknown path, wrong method, oversized body) by its status."""
    response = error_page(
        request,
        status=status,
        title_key=PAGE_TITLE.get(status, "error.title"),
        message_key=PAGE_MESSAGE.get(status, "error.generic"),
    )
    if headers:
        response.headers.update(headers)
    return response


def unavailable_page(request: Request) -> Response:
    """The database is gone: try again in a few seconds."""
    response = error_page(
        request, status=503, title_key="error.unavailable_title", message_key="error.unavailable"
    )
    response.headers["Retry-After"] = "5"
    return response


def server_error_page(request: Request) -> Response:
    return error_page(
        request, status=500, title_key="error.server_error_title", message_key="error.server_error"
    )
