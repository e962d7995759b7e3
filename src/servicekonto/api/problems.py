"""The error responses of the JSON API: rendered and declared in the OpenAPI document.

Every error under /api/ is rendered once, here, as RFC 9457 problem details
(`application/problem+json`; DESIGN §6 convention 2); the app registers the renderers. FastAPI
would otherwise document only its own `HTTPValidationError` as `application/json`, which is not
what clients receive; the declarations make the committed spec say what the API really answers
(DESIGN §11, schemathesis).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from servicekonto.errors import REALM, OAuthError, RateLimited, ServiceKontoError, Unauthorized

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: The body `problem` renders; kept beside the declarations so both change together.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Per-field problems (RFC 9457 §3.2 extension member): where "
            "(`field`, a dotted path into the body, e.g. `attachments.2`) and what (`code`, "
            "`detail`).",
            "items": {
                "type": "object",
                "required": ["field", "code", "detail"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}

_DESCRIPTIONS = {
    400: "The body cannot be parsed (e.g. JSON that is not UTF-8)",
    401: "No bearer token, or one that is invalid, expired or revoked (RFC 6750 §3)",
    403: "The token lacks the scope or does not belong to a person",
    404: "No such resource",
    409: "The resource is in a state that does not allow this (e.g. a letter's PDF is unreadable)",
    413: "The body, or one attachment in it, is larger than allowed",
    415: "An attachment's type is not accepted or does not match its content",
    422: "The request does not satisfy the schema or a business rule",
    429: "Too many requests",
    503: "A dependency (the civil register) did not answer; nothing was stored",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer challenge", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}},
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for FastAPI routes and routers: the given statuses as problem details."""
    declared: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        declared[status] = response
    return declared


def problem(
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
) -> JSONResponse:
    """RFC 9457 problem details; `title` is the error's machine code; `errors` the per-field
    problems, when the error concerns fields."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def problem_for_error(exc: ServiceKontoError) -> JSONResponse:
    headers: dict[str, str] | None = None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unauthorized):  # RFC 9110 §15.5.2, RFC 6750 §3
        headers = {"WWW-Authenticate": f'Bearer realm="{REALM}"'}
    if isinstance(exc, OAuthError) and exc.www_authenticate:  # RFC 6750 §3 error challenges
        headers = {"WWW-Authenticate": exc.www_authenticate}
    return problem(exc.status, exc.code, exc.description, headers, _field_errors(exc))


def _field_errors(exc: ServiceKontoError) -> list[dict[str, str]] | None:
    """The field a route pinned on the error (`exc.field`, e.g. `attachments.2`), if any."""
    field = getattr(exc, "field", None)
    if not isinstance(field, str):
        return None
    return [{"field": field, "code": exc.code, "detail": exc.description}]


def problem_for_status(
    status: int, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A framework refusal (unknown path, wrong method) titled by its status's phrase."""
    title = HTTPStatus(status).phrase.lower().replace(" ", "_")
    return problem(status, title, detail, headers)


def problem_for_validation(exc: RequestValidationError) -> JSONResponse:
    """A body or parameter the schema refuses: 422 naming up to ten fields and what is wrong."""
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())[1:]),
            "code": str(e.get("type", "invalid")),
            "detail": str(e.get("msg", "")),
        }
        for e in exc.errors()[:10]
    ]
    fields = "; ".join(f"{e['field']}: {e['detail']}" for e in errors)
    return problem(422, "invalid_input", fields or "invalid input", errors=errors or None)
