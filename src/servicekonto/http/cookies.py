"""The cookies of this site: `__Host-` prefixed behind TLS, HttpOnly, SameSite=Lax (DESIGN §8)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from servicekonto.http.context import context_of

#: The browser session (`accounts.sessions`), the per-browser CSRF value (`security.csrf`).
SESSION = "sk_session"
BROWSER = "sk_csrf"


def cookie_name(request: Request, base: str) -> str:
    return f"__Host-{base}" if context_of(request).settings.secure_cookies else base


def cookie(request: Request, base: str) -> str | None:
    return request.cookies.get(cookie_name(request, base))


def set_cookie(
    request: Request, response: Response, base: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=context_of(request).settings.secure_cookies,
        samesite="lax",
    )


def clear_cookie(request: Request, response: Response, base: str) -> None:
    response.delete_cookie(
        cookie_name(request, base),
        path="/",
        secure=context_of(request).settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
