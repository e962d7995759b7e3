"""One gate for control characters in everything a request carries: path, query string, form
fields and JSON strings (issue 10 #7, checklist V-01).

PostgreSQL refuses NUL in text (psycopg DataError, a 500), SQLite stores it, and no field of ours
has a use for C0/C1 controls or DEL. So every such character is refused with a 4xx before a route
runs, rendered per surface by the app's error handler. Registered once as an app-wide dependency
instead of per route. Tab, line feed and carriage return pass: they are the whitespace a pasted
value carries (an e-mail address copied with its line end is trimmed by the login, checklist C-01),
and each field's own validation decides whether it may hold them.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request

from servicekonto.errors import ControlCharacters
from servicekonto.http.uploads import MAX_FILE_PARTS, takes_files

#: A control character (C0 but tab/LF/CR, DEL, C1) as it can appear in a URL-encoded form body or
#: query string: percent-encoded (C1 as its UTF-8 bytes C2 80..C2 9F) or raw.
_ENCODED_CONTROL = re.compile(
    rb"%(?:0[0-8bcef]|1[0-9a-f]|7f|c2%[89][0-9a-f])|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _json_has_control(value: Any) -> bool:
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(_json_has_control(k) or _json_has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_json_has_control(v) for v in value)
    return False


async def _body_has_control(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        return _ENCODED_CONTROL.search(await request.body()) is not None
    if content_type == "multipart/form-data":
        # The first call caches the parsed form for the route, so these are the limits every
        # multipart reader gets: the fields of oidc.routes.form_pairs, and files only on the
        # routes that take them (`http.uploads.UPLOAD_ROUTES`; elsewhere a file is a 400). The
        # files' names are the upload checks' business (`uploads.names`), their bytes may hold
        # anything.
        files = MAX_FILE_PARTS if takes_files(request.method, request.url.path) else 0
        form = await request.form(max_files=files, max_fields=100)
        request.state.multipart_form = form  # closed by refuse_control_characters at the end
        return any(
            has_control_characters(k) or (isinstance(v, str) and has_control_characters(v))
            for k, v in form.multi_items()
        )
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(await request.body())
        except ValueError:
            return False  # not JSON: the route's own parsing answers that
        return _json_has_control(document)
    return False


async def refuse_control_characters(request: Request) -> AsyncIterator[None]:
    """App-wide dependency: raise ControlCharacters (a 4xx) when any input holds one. After the
    response, the files of a multipart body are closed (their spooled temporary files), since
    this parse is the one the routes read (`http.uploads`)."""
    try:
        if (
            has_control_characters(request.url.path)
            or _ENCODED_CONTROL.search(request.scope.get("query_string", b"")) is not None
            or (request.method in _BODY_METHODS and await _body_has_control(request))
        ):
            raise ControlCharacters("control characters are not allowed in the request")
        yield
    finally:
        # also when refused: a multipart body's spooled files are closed either way
        form = getattr(request.state, "multipart_form", None)
        if form is not None:
            await form.close()
