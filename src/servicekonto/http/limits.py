"""Per-IP rate limits for the forms and APIs that cost a hash or send mail (DESIGN §8)."""

from __future__ import annotations

from fastapi import Request

from servicekonto.http.context import context_of, limits_of


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limit(request: Request, bucket: str | None, message: str = "too many requests") -> None:
    """One more request of form `bucket` from this IP, with the login's limit per minute (429 +
    Retry-After beyond it). Each form counts in its own bucket; `None` is the login's own (the
    API's e-mail confirmation counts in it too)."""
    key = client_ip(request) if bucket is None else f"{bucket}:{client_ip(request)}"
    limits_of(request).login.check(key, context_of(request).clock.now(), message)
