"""What every page shares: locale choice, the CSRF cookie and token, rendering, cookies.

CSRF defence on every POST (DESIGN §8): the Origin (or Referer) must be our issuer's origin and
the form's `csrf_token` must match the browser's CSRF cookie (signed double submit).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekonto.errors import ServiceKontoError
from servicekonto.oidc.provider import Provider
from servicekonto.security.csrf import CsrfTokens
from servicekonto.web.rendering import Renderer

PERSONAL = {"Cache-Control": "no-store"}


class CsrfFailure(ServiceKontoError):
    status = 403
    code = "csrf"


class PageRefused(ServiceKontoError):
    """A page refused with its own message (a code in `web.texts`) instead of the status's
    default."""

    code = "refused"

    def __init__(
        self,
        description: str,
        *,
        message_key: str,
        status: int = 400,
        title_key: str | None = None,
    ) -> None:
        super().__init__(description)
        self.message_key = message_key
        self.status = status
        self.title_key = title_key


def provider_of(request: Request) -> Provider:
    provider: Provider = request.app.state.provider
    return provider


def cookie_name(request: Request, base: str) -> str:
    return f"__Host-{base}" if provider_of(request).settings.secure_cookies else base


def set_cookie(
    request: Request, response: Response, base: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=provider_of(request).settings.secure_cookies,
        samesite="lax",
    )


def clear_cookie(request: Request, response: Response, base: str) -> None:
    response.delete_cookie(
        cookie_name(request, base),
        path="/",
        secure=provider_of(request).settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def _renderer(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer


def chosen_locale(request: Request) -> str | None:
    """The language picked with the switcher (`?lang=`), if it is one of ours."""
    return _renderer(request).catalogs.supported(request.query_params.get("lang"))


def locale(request: Request, ui_locales: str | None = None) -> str:
    chosen = chosen_locale(request)
    if chosen is not None:
        return chosen
    return _renderer(request).catalogs.pick(
        ui_locales,
        request.cookies.get(cookie_name(request, "sk_lang")),
        request.headers.get("accept-language"),
    )


def _csrf(request: Request) -> CsrfTokens:
    tokens: CsrfTokens = request.app.state.csrf
    return tokens


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    ui_locales: str | None = None,
    **context: Any,
) -> HTMLResponse:
    renderer = _renderer(request)
    lang = locale(request, ui_locales)
    existing = request.cookies.get(cookie_name(request, "sk_csrf"))
    cookie_value = existing or CsrfTokens.new_cookie_value()
    html = renderer.render(
        template,
        lang=lang,
        csrf_token=_csrf(request).form_token(cookie_value),
        status=status,
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers=PERSONAL)
    if not existing:
        set_cookie(request, response, "sk_csrf", cookie_value)
    if chosen_locale(request) is not None:
        set_cookie(request, response, "sk_lang", lang, max_age=365 * 24 * 3600)
    return response


def error_page(
    request: Request,
    *,
    status: int,
    title_key: str,
    message_key: str,
    action: tuple[str, str] | None = None,
) -> HTMLResponse:
    """The error page; `action`: (local URL, text key) of the one step that helps, if any."""
    return render(
        request,
        "error.html",
        status=status,
        title_key=title_key,
        message_key=message_key,
        action_link=action[0] if action else None,
        action_key=action[1] if action else None,
        request_id=getattr(request.state, "request_id", ""),
    )


def check_post(request: Request, form: dict[str, str]) -> None:
    issuer = urlsplit(provider_of(request).issuer)
    expected = f"{issuer.scheme}://{issuer.netloc}"
    origin = request.headers.get("origin")
    if origin is None:
        referer = urlsplit(request.headers.get("referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
    if origin != expected:
        raise CsrfFailure("cross-origin form post refused")
    if not _csrf(request).valid(
        request.cookies.get(cookie_name(request, "sk_csrf")), form.get("csrf_token")
    ):
        raise CsrfFailure("csrf token missing or invalid")


#: Longest `next` target accepted; our own pages have short paths.
_MAX_NEXT = 200


def local_path(value: str | None) -> str | None:
    """`value` if it is a path on this site, for a `next` parameter; else None (no open redirect).

    A local path starts with exactly one "/" and holds no backslash (browsers read "/\\x" as
    "//x"), no "//" anywhere, no ":" (no scheme can hide in it) and no control character.
    """
    if not value or len(value) > _MAX_NEXT or not value.startswith("/"):
        return None
    if "//" in value or "\\" in value or ":" in value:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    return value


def see_other(url: str) -> RedirectResponse:
    """303 after POST (RFC 9700 §4.12: never 307 after credentials)."""
    return RedirectResponse(url, status_code=303, headers=PERSONAL)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
