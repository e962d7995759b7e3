"""The checks every uploaded file passes, in order, cheapest first (DESIGN §8, issue 12 item 2).

1. the request: at most `max_files` files (before any of them is looked at);
2. the name: display-only, refused with separators, control characters or too long (`names.py`);
3. the size: not empty, at most `max_file_bytes`;
4. the extension: pdf, png, jpg or jpeg;
5. the content: PDF, PNG or JPEG by its magic bytes (a late PDF header is refused as extra data),
   matching the extension and any specific declared content type;
6. the structure: complete, nothing appended, no second format inside (`detect.py`), images at
   most `max_pixels`;
7. the parse: PDFs opened and refused when encrypted or active (`pdf.py`); images decoded and
   encoded afresh without metadata (`images.py`).

The result holds the bytes to store: a PDF as it came, an image re-encoded. Nothing is stored
here; the malware scan and storing follow in `intake.py`. No web framework: a route hands in the
name, the declared type and the bytes (`read_limited` reads a stream without over-reading).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from servicekonto.uploads import errors
from servicekonto.uploads.detect import (
    DECLARED_TYPES,
    EXTENSIONS,
    UNSPECIFIC_TYPES,
    FileKind,
    Where,
    has_late_pdf_header,
    sniff,
    walk,
)
from servicekonto.uploads.images import reencode
from servicekonto.uploads.names import display_name, extension
from servicekonto.uploads.pdf import check_pdf

MB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """The limits of one request. The defaults are DESIGN §8's (10 MB, 5 files); 50 million
    pixels fit an A4 page scanned at 600 dpi (about 35 million) and stay below Pillow's own
    decompression-bomb threshold, which therefore never fires."""

    max_file_bytes: int = 10 * MB
    max_files: int = 5
    max_name_chars: int = 200
    max_pixels: int = 50_000_000

    def __post_init__(self) -> None:
        if self.max_pixels > (Image.MAX_IMAGE_PIXELS or 0):
            raise ValueError("max_pixels must stay below Pillow's MAX_IMAGE_PIXELS")


DEFAULT_LIMITS = UploadLimits()


@dataclass(frozen=True)
class IncomingFile:
    """One file as a request brought it."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what to scan and store, and what to show."""

    display_name: str
    kind: FileKind
    #: What to store: a fresh encoding (images) or the upload itself (PDF).
    data: bytes = field(repr=False)
    #: What was uploaded, for the malware scan (the verdict is about what the person sent).
    original: bytes = field(repr=False)
    #: Pages of a PDF; 0 for images.
    pages: int = 0
    width: int = 0
    height: int = 0

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    @property
    def reencoded(self) -> bool:
        return self.data is not self.original

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_upload(
    filename: str,
    declared_content_type: str,
    data: bytes,
    *,
    limits: UploadLimits = DEFAULT_LIMITS,
    index: int | None = None,
) -> CheckedFile:
    """Check one file (module doc); raises the `errors.UploadRefused` that says why not."""
    name = display_name(filename, max_chars=limits.max_name_chars, index=index)
    if not data:
        raise errors.FileEmpty(index=index, display_name=name)
    if len(data) > limits.max_file_bytes:
        raise errors.FileTooLarge(
            index=index, display_name=name, max_mb=limits.max_file_bytes // MB
        )
    expected = EXTENSIONS.get(extension(name))
    if expected is None:
        raise errors.FileTypeNotAllowed(index=index, display_name=name)
    kind = sniff(data)
    if kind is None:
        if has_late_pdf_header(data):
            raise errors.FileExtraData(index=index, display_name=name, detected=FileKind.PDF.label)
        raise errors.FileContentUnknown(index=index, display_name=name)
    if kind is not expected:
        raise errors.FileExtensionMismatch(
            index=index, display_name=name, extension=extension(name), detected=kind.label
        )
    declared = declared_content_type.split(";", 1)[0].strip().lower()
    if declared not in UNSPECIFIC_TYPES and declared not in DECLARED_TYPES[kind]:
        raise errors.FileContentTypeMismatch(index=index, display_name=name, detected=kind.label)
    where = Where(index, name, kind)
    structure = walk(data, kind, index=index, name=name)
    if kind is FileKind.PDF:
        pages = check_pdf(data, where)
        return CheckedFile(name, kind, data=data, original=data, pages=pages)
    if structure.width * structure.height > limits.max_pixels:
        raise where.refuse(
            errors.ImageTooManyPixels, max_megapixels=limits.max_pixels // 1_000_000
        )
    clean = reencode(data, kind, where)
    return CheckedFile(
        name, kind, data=clean, original=data, width=structure.width, height=structure.height
    )


def check_batch(
    files: Sequence[IncomingFile], *, limits: UploadLimits = DEFAULT_LIMITS
) -> list[CheckedFile]:
    """Check every file of one request; the first refusal ends it (errors carry the 1-based
    position). Too many files are refused before any is looked at."""
    if len(files) > limits.max_files:
        raise errors.TooManyFiles(max_files=limits.max_files)
    return [
        check_upload(
            file.filename, file.content_type, file.data, limits=limits, index=position
        )
        for position, file in enumerate(files, start=1)
    ]


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_limited(
    stream: Readable, *, limits: UploadLimits = DEFAULT_LIMITS, index: int | None = None
) -> bytes:
    """Read a file's bytes, never more than one byte past the limit (a route reads an upload's
    spooled file with this before `check_upload`); FileTooLarge beyond it."""
    chunks: list[bytes] = []
    total = 0
    while total <= limits.max_file_bytes:
        chunk = stream.read(limits.max_file_bytes + 1 - total)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    raise errors.FileTooLarge(index=index, max_mb=limits.max_file_bytes // MB)
