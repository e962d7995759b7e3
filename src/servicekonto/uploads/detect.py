"""What a file is, by its bytes, and whether its structure holds exactly that (checklist U-02).

Detection reads the magic bytes at offset 0 only: `%PDF-`, the PNG signature (ISO/IEC 15948
§5.2), JPEG's SOI followed by a marker (ITU-T T.81 §B.1.1.2). A PDF header after other bytes —
readers search the first KiB for it, which is what makes PDF polyglots possible — is refused as
extra data, not detected.

Structure, walked without decoding pixels or PDF objects:
- PDF: the last `%%EOF` (ISO 32000-2 §7.5.5) ends the file, apart from white space; none at all
  is a truncated file, more after it an appended one.
- PNG: chunk by chunk with lengths and CRCs (§5.3) from IHDR to IEND; nothing may follow IEND.
- JPEG: marker segments with their lengths, entropy-coded data up to the next marker, until EOI
  (T.81 §B.2); nothing may follow EOI, and the frame header (SOFn) gives the size in pixels, so
  a pixel flood is refused before any decoder allocates memory for it.
Images are also searched for other formats' signatures (a PDF or HTML hidden in a comment or
metadata segment): an image that is also a PDF is refused, not quietly re-encoded.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from enum import StrEnum

from servicekonto.uploads import errors


class FileKind(StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self]

    @property
    def label(self) -> str:
        """How messages name the format."""
        return self.name


_CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
}
#: The extensions accepted, and the kind each promises.
EXTENSIONS = {"pdf": FileKind.PDF, "png": FileKind.PNG, "jpg": FileKind.JPEG, "jpeg": FileKind.JPEG}
#: What browsers and clients declare for each kind. An empty or generic declaration says nothing
#: and is not held against the file; any other must match.
DECLARED_TYPES = {
    FileKind.PDF: frozenset({"application/pdf", "application/x-pdf"}),
    FileKind.PNG: frozenset({"image/png", "image/x-png"}),
    FileKind.JPEG: frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}),
}
UNSPECIFIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
#: How far readers look for a PDF header (Acrobat: the first 1024 bytes).
_PDF_HEADER_WINDOW = 1024
_PDF_EOF = b"%%EOF"
_PDF_TRAILING_WHITE_SPACE = b"\x00\t\n\x0c\r "

#: Signatures of other formats that must not appear inside an image, by the name messages use;
#: HTML ones are matched without regard to case.
_FOREIGN_IN_IMAGES = (
    ("PDF", (b"%PDF-", b"%%EOF"), False),
    ("HTML", (b"<html", b"<script", b"<svg", b"<!doctype", b"<?php", b"<iframe"), True),
)
#: In entropy-coded data a 0xFF is followed by 0x00 (stuffing), a restart marker or more 0xFF
#: fill; anything else is the marker that ends the scan (T.81 §B.1.1.5).
_END_OF_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True)
class Structure:
    """What the walk found: the kind, and the size in pixels for images."""

    kind: FileKind
    width: int = 0
    height: int = 0


def sniff(data: bytes) -> FileKind | None:
    """The kind announced by the first bytes, or None."""
    if data.startswith(PDF_MAGIC):
        return FileKind.PDF
    if data.startswith(PNG_MAGIC):
        return FileKind.PNG
    if data.startswith(JPEG_MAGIC):
        return FileKind.JPEG
    return None


def has_late_pdf_header(data: bytes) -> bool:
    """A PDF header after other bytes, where lenient readers still find it (a polyglot)."""
    return data.find(PDF_MAGIC, 1, _PDF_HEADER_WINDOW + len(PDF_MAGIC)) > 0


@dataclass(frozen=True)
class Where:
    """The file a refusal is about."""

    index: int | None
    display_name: str | None
    kind: FileKind

    def refuse(
        self, error: type[errors.UploadRefused], **params: str | int
    ) -> errors.UploadRefused:
        return error(
            index=self.index, display_name=self.display_name, detected=self.kind.label, **params
        )


def walk(data: bytes, kind: FileKind, *, index: int | None, name: str | None) -> Structure:
    """Check the structure of `data` as `kind`; raises the refusal that describes a fault."""
    where = Where(index, name, kind)
    if kind is FileKind.PDF:
        _walk_pdf(data, where)
        return Structure(kind)
    if kind is FileKind.PNG:
        width, height = _walk_png(data, where)
    else:
        width, height = _walk_jpeg(data, where)
    # After the walk: a second file appended is reported as such, one hidden inside as this.
    _refuse_foreign_signatures(data, where)
    return Structure(kind, width, height)


# -- PDF --------------------------------------------------------------------------------------


def _walk_pdf(data: bytes, where: Where) -> None:
    end = data.rfind(_PDF_EOF)
    if end < 0:
        raise where.refuse(errors.FileTruncated)
    if data[end + len(_PDF_EOF) :].strip(_PDF_TRAILING_WHITE_SPACE):
        raise where.refuse(errors.FileExtraData)


# -- PNG --------------------------------------------------------------------------------------


def _walk_png(data: bytes, where: Where) -> tuple[int, int]:
    pos = len(PNG_MAGIC)
    size = (0, 0)
    first = True
    while True:
        if pos + 12 > len(data):
            raise where.refuse(errors.FileTruncated)
        length, chunk_type = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if length > 0x7FFFFFFF or not chunk_type.isalpha():
            raise where.refuse(errors.FileUnreadable)
        if end > len(data):
            raise where.refuse(errors.FileTruncated)
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : end])
        if zlib.crc32(chunk_type + body) != crc:
            raise where.refuse(errors.FileUnreadable)
        if first:
            if chunk_type != b"IHDR" or length != 13:
                raise where.refuse(errors.FileUnreadable)
            size = struct.unpack(">II", body[:8])
            first = False
        pos = end
        if chunk_type == b"IEND":
            break
    if pos != len(data):
        raise where.refuse(errors.FileExtraData)
    return size


# -- JPEG -------------------------------------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
#: Frame headers (T.81 Table B.1): SOF0-3, 5-7, 9-11, 13-15; not DHT (C4), JPG (C8), DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: Markers without a length: TEM and RST0-7.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _walk_jpeg(data: bytes, where: Where) -> tuple[int, int]:
    size: tuple[int, int] | None = None
    pos = 2  # after SOI
    n = len(data)
    while True:
        if pos + 2 > n:
            raise where.refuse(errors.FileTruncated)
        if data[pos] != 0xFF:
            raise where.refuse(errors.FileUnreadable)
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker (T.81 §B.1.1.2)
            pos += 1
            continue
        if marker == _EOI:
            pos += 2
            break
        if marker in _STANDALONE:
            pos += 2
            continue
        if marker in (_SOI, 0x00):
            raise where.refuse(errors.FileUnreadable)
        if pos + 4 > n:
            raise where.refuse(errors.FileTruncated)
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            raise where.refuse(errors.FileUnreadable)
        end = pos + 2 + length
        if end > n:
            raise where.refuse(errors.FileTruncated)
        if marker in _SOF:
            if length < 8:
                raise where.refuse(errors.FileUnreadable)
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            size = (width, height)
        pos = end
        if marker == _SOS:
            pos = _after_entropy_coded(data, pos)
            if pos < 0:
                raise where.refuse(errors.FileTruncated)
    if size is None or 0 in size:
        raise where.refuse(errors.FileUnreadable)
    if pos != n:
        raise where.refuse(errors.FileExtraData)
    return size


def _after_entropy_coded(data: bytes, pos: int) -> int:
    """The offset of the marker that ends the scan data starting at `pos`, or -1 if none."""
    found = _END_OF_SCAN.search(data, pos)
    return -1 if found is None else found.start()


# -- foreign content --------------------------------------------------------------------------


def _refuse_foreign_signatures(data: bytes, where: Where) -> None:
    lowered = data.lower()
    for other, signatures, any_case in _FOREIGN_IN_IMAGES:
        haystack = lowered if any_case else data
        if any(signature in haystack for signature in signatures):
            raise where.refuse(errors.FilePolyglot, other=other)
