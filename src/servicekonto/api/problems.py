"""The error responses of the JSON API in the OpenAPI document.

Every error under /api/ is rendered once, by `app._problem`, as RFC 9457 problem details
(`application/problem+json`; DESIGN §6 convention 2). FastAPI would otherwise document only its
own `HTTPValidationError` as `application/json`, which is not what clients receive; these
declarations make the committed spec say what the API really answers (DESIGN §11, schemathesis).
"""

from __future__ import annotations

from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: The body `app._problem` renders; kept beside the declarations so both change together.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}

_DESCRIPTIONS = {
    400: "The body cannot be parsed (e.g. JSON that is not UTF-8)",
    401: "No bearer token, or one that is invalid, expired or revoked (RFC 6750 §3)",
    403: "The token lacks the scope or does not belong to a person",
    404: "No such resource",
    409: "The resource is in a state that does not allow this (e.g. a letter's PDF is unreadable)",
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
