"""Reading HTML forms in sync handlers: an async dependency parses, the handler stays plain def."""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException

#: Fields a page form may carry; more is refused (400) while the body is read (DESIGN §8).
MAX_FIELDS = 100


async def form_fields(request: Request) -> list[tuple[str, str]]:
    return await read_form(request, max_fields=MAX_FIELDS)


async def read_form(request: Request, *, max_fields: int) -> list[tuple[str, str]]:
    """The POSTed form's fields in order; Starlette answers more than `max_fields` with a 400."""
    if request.method != "POST":
        return []
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return []
    form = await request.form(max_files=0, max_fields=max_fields)
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


async def form_fields_up_to(request: Request, max_fields: int) -> list[tuple[str, str]] | None:
    """`read_form`, but None when the form has more than `max_fields` fields, for a page that
    says what is too many in its own words (the status-wide 400 page cannot)."""
    try:
        return await read_form(request, max_fields=max_fields)
    except HTTPException as exc:
        if exc.status_code == 400 and str(exc.detail).startswith("Too many fields"):
            return None
        raise


def first(fields: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in fields:
        out.setdefault(name, value)
    return out
