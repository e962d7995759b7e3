"""What every page shares: locale choice, the CSRF cookie and token, rendering, redirects.

The cookies, the CSRF check of a posted form and the refusals a page dependency raises live in
`servicekonto.http` (shared with the protocol layer).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekonto.http.context import csrf_of
from servicekonto.http.cookies import cookie_name, set_cookie
from servicekonto.http.refusals import CsrfFailure as CsrfFailure  # rendered by the app
from servicekonto.http.refusals import LoginRequired
from servicekonto.http.refusals import PageRefused as PageRefused  # rendered by the app
from servicekonto.security.csrf import CsrfTokens
from servicekonto.web.rendering import Renderer

PERSONAL = {"Cache-Control": "no-store"}


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
    return csrf_of(request)


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


async def login_redirect(request: Request, exc: Exception) -> Response:
    """A page that needs a signed-in session, opened without one (`http.refusals`)."""
    assert isinstance(exc, LoginRequired)
    return see_other(exc.location)
