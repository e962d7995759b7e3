"""Reading HTML forms in sync handlers: an async dependency parses, the handler stays plain def."""

from __future__ import annotations

from fastapi import Request


async def form_fields(request: Request) -> list[tuple[str, str]]:
    if request.method != "POST":
        return []
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return []
    form = await request.form(max_files=0, max_fields=100)
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def first(fields: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in fields:
        out.setdefault(name, value)
    return out
