"""Requests that carry files (DESIGN §8 uploads): their own body cap, the multipart reading with
the document type chosen for each file, the CSRF check of a page's upload form, and the blob
store and malware scanner the settings choose.

The body cap of the whole app is 1 MiB (`Settings.body_limit_bytes`); an upload route may take
`UPLOAD_BODY_LIMIT`: five files of 10 MB and the form around them. The edge middleware enforces
it per route before the body is buffered (`UPLOAD_ROUTES`, wired by `app.create_app`), so an
oversized request is answered 413 and nothing of it is read or stored.

Field order carries the document type: each `doc_type` field applies to the `documents` files
after it (a page puts a select before each file input; an API client sends `doc_type` before
its file). Files before any `doc_type` count as `other`. An empty file input (no name, no bytes)
is no file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from servicekonto.blobs.port import BlobStore
from servicekonto.blobs.stores import open_store
from servicekonto.companies.service import Upload
from servicekonto.http.forms import MAX_FIELDS, Form, check_post
from servicekonto.settings import Settings
from servicekonto.uploads.check import DEFAULT_LIMITS, MB, IncomingFile
from servicekonto.uploads.scan import MalwareScanner, scanner_from_settings

#: Five files of 10 MB and the form around them (DESIGN §8: ≤ 10 MB each, ≤ 5 per request).
UPLOAD_BODY_LIMIT: Final = DEFAULT_LIMITS.max_files * DEFAULT_LIMITS.max_file_bytes + MB
#: File parts read at most: more than five are refused with a message of their own
#: (`uploads.errors.TooManyFiles`); beyond this the parser stops (400) before reading them.
MAX_FILE_PARTS: Final = 20
#: (method, path pattern) of every route that takes files; the edge middleware gives them
#: UPLOAD_BODY_LIMIT instead of the app's cap.
UPLOAD_ROUTES: Final[Sequence[tuple[str, str]]] = (
    ("POST", r"/organizations/new"),
    ("POST", r"/organizations/applications/[A-Za-z0-9]{1,64}/supplement"),
    ("POST", r"/api/v1/organizations"),
)
DEFAULT_DOC_TYPE: Final = "other"


@dataclass(frozen=True)
class Multipart:
    """A posted multipart form: its text fields and its files with their document types."""

    fields: Form
    uploads: tuple[Upload, ...]


async def read_multipart(request: Request) -> Multipart:
    """The request's fields and files in order (module doc); nothing for another body type."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method != "POST" or content_type != "multipart/form-data":
        return Multipart(Form(), ())
    form = await request.form(max_files=MAX_FILE_PARTS, max_fields=MAX_FIELDS)
    pairs: list[tuple[str, str]] = []
    uploads: list[Upload] = []
    doc_type = DEFAULT_DOC_TYPE
    for name, value in form.multi_items():
        if isinstance(value, str):
            pairs.append((name, value))
            if name == "doc_type":
                doc_type = value.strip()
        elif isinstance(value, UploadFile) and name == "documents":
            # One byte past the limit is enough for the check to say "too large".
            data = await value.read(DEFAULT_LIMITS.max_file_bytes + 1)
            if not value.filename and not data:
                continue  # an empty file input
            declared = value.content_type or ""
            uploads.append(Upload(doc_type, IncomingFile(value.filename or "", declared, data)))
    return Multipart(Form(pairs), tuple(uploads))


async def posted_upload(request: Request) -> Multipart:
    """A page's upload form: read, and refused unless it is our own (Origin and CSRF token)."""
    posted = await read_multipart(request)
    check_post(request, posted.fields)
    return posted


PostedUpload = Annotated[Multipart, Depends(posted_upload)]
UploadBody = Annotated[Multipart, Depends(read_multipart)]


@dataclass(frozen=True)
class UploadPlace:
    """Where accepted files go and who scans them, as the settings say."""

    store: BlobStore
    scanner: MalwareScanner | None
    scan_required: bool


def upload_place(settings: Settings, db: Session) -> UploadPlace:
    return UploadPlace(
        store=open_store(settings, db),
        scanner=scanner_from_settings(settings),
        scan_required=settings.upload_scan_required,
    )
