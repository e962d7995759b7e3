"""Posted HTML forms: parsed with a cap on their fields by an async dependency (the handler
stays plain `def`), and checked against cross-site posts (DESIGN §8).

CSRF defence on every page POST: the Origin (or Referer) must be our issuer's origin and the
form's `csrf_token` must match the browser's CSRF cookie (signed double submit, `security.csrf`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from servicekonto.http.context import context_of, csrf_of
from servicekonto.http.cookies import BROWSER, cookie
from servicekonto.http.refusals import CsrfFailure

#: Fields a page form may carry; more is refused (400) while the body is read (DESIGN §8).
MAX_FIELDS = 100


class Form(dict[str, str]):
    """A posted form: the first value of each field by name, every value through `all`."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs = tuple(pairs)
        super().__init__()
        for name, value in self.pairs:
            self.setdefault(name, value)

    def all(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes, multiple choice), in order."""
        return [value for field, value in self.pairs if field == name]


async def read_form(request: Request, *, max_fields: int) -> list[tuple[str, str]]:
    """The POSTed form's fields in order; Starlette answers more than `max_fields` with a 400."""
    if request.method != "POST":
        return []
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return []
    form = await request.form(max_files=0, max_fields=max_fields)
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


async def form_data(request: Request) -> Form:
    """The form as posted, not CSRF-checked: for endpoints other sites may post to by design
    (RP-initiated logout)."""
    return Form(await read_form(request, max_fields=MAX_FIELDS))


def check_post(request: Request, form: dict[str, str], *, referrer_free: bool = False) -> None:
    """Refuse a cross-site post: foreign Origin/Referer, or no matching CSRF token.

    `referrer_free`: the form sits on a page served with `Referrer-Policy: no-referrer` (its URL
    holds a secret, e.g. an invitation link), from which browsers post `Origin: null` (Fetch,
    "serializing a request origin"). There the browser's `Sec-Fetch-Site: same-origin` stands in
    for the Origin; it is a forbidden header name, so no other site's page can send it, and the
    CSRF token is checked as everywhere."""
    issuer = urlsplit(context_of(request).issuer)
    expected = f"{issuer.scheme}://{issuer.netloc}"
    origin = request.headers.get("origin")
    if (
        referrer_free
        and origin == "null"
        and request.headers.get("sec-fetch-site") == "same-origin"
    ):
        origin = expected
    if origin is None:
        referer = urlsplit(request.headers.get("referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
    if origin != expected:
        raise CsrfFailure("cross-origin form post refused")
    if not csrf_of(request).valid(cookie(request, BROWSER), form.get("csrf_token")):
        raise CsrfFailure("csrf token missing or invalid")


def posted_form(
    *,
    max_fields: int = MAX_FIELDS,
    too_many: Callable[[], Exception] | None = None,
    referrer_free: bool = False,
) -> Callable[[Request], Awaitable[Form]]:
    """A dependency: the page form, parsed and CSRF-checked. `too_many`: the error for more than
    `max_fields` fields, for a page that says what is too many in its own words (without it, the
    status-wide 400 page). `referrer_free`: see `check_post`."""

    async def dependency(request: Request) -> Form:
        try:
            pairs = await read_form(request, max_fields=max_fields)
        except HTTPException as exc:
            too_many_fields = exc.status_code == 400 and str(exc.detail).startswith(
                "Too many fields"
            )
            if too_many is None or not too_many_fields:
                raise
            raise too_many() from None
        form = Form(pairs)
        check_post(request, form, referrer_free=referrer_free)
        return form

    return dependency


PostedForm = Annotated[Form, Depends(posted_form())]
FormData = Annotated[Form, Depends(form_data)]
