"""Attachments of a deposit: at most 5 of at most 2 MB each (BundID Postfach limits, egov-domain
§4.3), types of the ZBP list, checked like uploads (DESIGN §8), their SHA-512 verified.

In order, cheapest first, every attachment before any is scanned or stored:

1. the count (before any is looked at);
2. the name: display-only, refused with separators or control characters (`uploads.names`);
3. the size, from the base64 length before decoding, then exactly; empty is refused;
4. base64 (standard alphabet; line breaks tolerated, anything else refused);
5. the SHA-512 the client gave, compared in constant time with the decoded bytes;
6. the type by extension and content:
   * pdf, png, jpg/jpeg: the upload checks (`uploads.check.check_upload`: magic bytes, structure,
     nothing appended or hidden, PDFs without JavaScript or actions, images decoded);
   * txt, csv, ics: UTF-8 text without control characters other than tab, line breaks and form
     feed (an `.ics` must start with `BEGIN:VCALENDAR`);
   * the rest of the ZBP list — rtf (embeds objects), svg (carries script), gif, tiff, bmp — is
     refused, as is anything else: we have no check for them that we would trust;
7. the malware scan under the operator's policy (`uploads.scan.scan_file`).

What is stored is what the sender sent, also for images (the upload check re-encodes them, which
would change the bytes): the SHA-512 the sender gave then holds for what the person downloads,
which is the point of giving it for an official document.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from servicekonto.postfach.errors import (
    AttachmentChecksumMismatch,
    AttachmentNotBase64,
    AttachmentTextInvalid,
    AttachmentTypeNotAllowed,
    TooManyAttachments,
)
from servicekonto.postfach.schemas import Attachment
from servicekonto.uploads import errors as upload_errors
from servicekonto.uploads.check import MB, UploadLimits, check_upload
from servicekonto.uploads.detect import UNSPECIFIC_TYPES
from servicekonto.uploads.names import display_name, extension
from servicekonto.uploads.scan import MalwareScanner, ScanRecord, scan_file

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 2 * MB
MAX_NAME_CHARS = 200
LIMITS = UploadLimits(
    max_file_bytes=MAX_ATTACHMENT_BYTES, max_files=MAX_ATTACHMENTS, max_name_chars=MAX_NAME_CHARS
)
#: Checked by the upload checks.
BINARY_EXTENSIONS = frozenset({"pdf", "png", "jpg", "jpeg"})
#: Text types: extension → (stored content type, declared types accepted besides unspecific ones).
TEXT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "txt": ("text/plain", frozenset({"text/plain"})),
    "csv": ("text/csv", frozenset({"text/csv", "text/plain", "application/csv"})),
    "ics": ("text/calendar", frozenset({"text/calendar"})),
}
ALLOWED_EXTENSIONS = tuple(sorted(BINARY_EXTENSIONS | set(TEXT_TYPES)))
#: Base64 of MAX_ATTACHMENT_BYTES, padded; longer input is refused before it is decoded.
_MAX_BASE64_CHARS = 4 * -(-MAX_ATTACHMENT_BYTES // 3)
_BASE64_LINE_BREAKS = re.compile(r"[\r\n]")
#: Control characters (Cc) other than tab, line feed, form feed and carriage return.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class CheckedAttachment:
    position: int
    filename: str
    content_type: str
    sha512: str
    scan: ScanRecord
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


def check_attachments(
    attachments: Sequence[Attachment], *, scanner: MalwareScanner | None, scan_required: bool
) -> list[CheckedAttachment]:
    """Check every attachment (module doc); raises the first refusal, else the checked files."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise TooManyAttachments(f"at most {MAX_ATTACHMENTS} attachments per message")
    checked = [_check(item, index) for index, item in enumerate(attachments, start=1)]
    return [
        CheckedAttachment(
            position=index,
            filename=name,
            content_type=content_type,
            sha512=sha512,
            data=data,
            scan=scan_file(data, scanner=scanner, required=scan_required, index=index,
                           display_name=name),
        )
        for index, (name, content_type, sha512, data) in enumerate(checked, start=1)
    ]


def _check(item: Attachment, index: int) -> tuple[str, str, str, bytes]:
    name = display_name(item.filename, max_chars=MAX_NAME_CHARS, index=index)
    encoded = _BASE64_LINE_BREAKS.sub("", item.content)
    if len(encoded) > _MAX_BASE64_CHARS:
        raise upload_errors.FileTooLarge(
            index=index, display_name=name, max_mb=MAX_ATTACHMENT_BYTES // MB
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise AttachmentNotBase64("content is not valid base64", index=index) from None
    if not data:
        raise upload_errors.FileEmpty(index=index, display_name=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise upload_errors.FileTooLarge(
            index=index, display_name=name, max_mb=MAX_ATTACHMENT_BYTES // MB
        )
    sha512 = hashlib.sha512(data).hexdigest()
    if not hmac.compare_digest(sha512, item.sha512.lower()):
        raise AttachmentChecksumMismatch(
            "the SHA-512 of the content does not match sha512", index=index
        )
    ext = extension(name)
    if ext in TEXT_TYPES:
        return name, _check_text(ext, item.content_type, data, index), sha512, data
    if ext in BINARY_EXTENSIONS:
        checked = check_upload(name, item.content_type, data, limits=LIMITS, index=index)
        return name, checked.content_type, sha512, data
    raise AttachmentTypeNotAllowed(
        f"only {', '.join('.' + e for e in ALLOWED_EXTENSIONS)} files are accepted", index=index
    )


def _check_text(ext: str, declared_content_type: str, data: bytes, index: int) -> str:
    content_type, declared_ok = TEXT_TYPES[ext]
    declared = declared_content_type.split(";", 1)[0].strip().lower()
    if declared not in UNSPECIFIC_TYPES and declared not in declared_ok:
        raise AttachmentTextInvalid(
            f"declared content type does not match a .{ext} file", index=index
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentTextInvalid("the text is not UTF-8", index=index) from None
    if _TEXT_CONTROL.search(text):
        raise AttachmentTextInvalid("the text contains control characters", index=index)
    if ext == "ics" and not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise AttachmentTextInvalid("an .ics file must start with BEGIN:VCALENDAR", index=index)
    return content_type
