"""Parse a PDF and refuse active content (DESIGN §8; checklist U-02; TR-03172-3: no PDFs with
JavaScript).

pypdf opens the file (an error, or no page, makes it unreadable); an encrypted file is refused
before anything else is read. Then every object is looked at — the ones the cross-reference
sections list (object streams included, which pypdf decompresses) and everything reachable from
the trailer — and every dictionary key and name value is compared with what makes a PDF act
instead of show (ISO 32000-2 §12.6 actions, §7.11.4 embedded files, §12.7.9 XFA, §13.7 rich
media). Because a lenient viewer rebuilds a cross-reference table it finds broken from whatever
objects it sees, and two parsers need not agree on what is broken, the raw bytes are searched as
well: every name token outside literal strings, comments and stream data (where compressed bytes
would match short names by chance), `#xx` escapes decoded (`/J#61vaScript`, §7.3.5). A hit there
counts as much as one in a parsed object. Objects hidden inside unfiltered stream data are the
blind spot of this search; the parse sees them only when something lists them.

An /OpenAction that is a destination (an array: "open at page 1, fit the width") is no action
and is accepted — many generators write one; an action dictionary there is refused, whatever its
type. The PDF itself is kept unchanged: rewriting it would break the electronic seal a register
extract may carry, and what could act in it has been refused above.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from servicekonto.uploads import errors
from servicekonto.uploads.detect import Where

#: Names that make a PDF act, with the refusal each one means. Checked as dictionary keys and as
#: name values (`/S /JavaScript`, `/Type /EmbeddedFile`).
_ACTIVE: dict[str, type[errors.UploadRefused]] = {
    "JS": errors.PdfJavaScript,
    "JavaScript": errors.PdfJavaScript,
    "Launch": errors.PdfLaunch,
    "EmbeddedFile": errors.PdfEmbeddedFile,
    "EmbeddedFiles": errors.PdfEmbeddedFile,
    "EF": errors.PdfEmbeddedFile,
    "FileAttachment": errors.PdfEmbeddedFile,
    "AA": errors.PdfAdditionalActions,
    "XFA": errors.PdfActiveContent,
    "RichMedia": errors.PdfActiveContent,
    "RichMediaContent": errors.PdfActiveContent,
    "SubmitForm": errors.PdfActiveContent,
    "ImportData": errors.PdfActiveContent,
    "GoToE": errors.PdfActiveContent,
    "GoToR": errors.PdfActiveContent,
    "Rendition": errors.PdfActiveContent,
}
#: When a file has several, the one reported (the most telling first).
_PRIORITY: tuple[type[errors.UploadRefused], ...] = (
    errors.PdfJavaScript,
    errors.PdfLaunch,
    errors.PdfEmbeddedFile,
    errors.PdfOpenAction,
    errors.PdfAdditionalActions,
    errors.PdfActiveContent,
)
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: What the raw search stops at: a string, a comment, stream data (after the keyword and its
#: end of line, §7.3.8.1) or a name. "endstream" has no word boundary before "stream".
_LEXEME = re.compile(rb"\(|%|\bstream(?:\r\n|\n|\r)|/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_STRING_DELIMITER = re.compile(rb"\\.|[()]", re.DOTALL)
#: A bound on the objects looked at: a 10 MB file has far fewer real ones.
_MAX_OBJECTS = 500_000


def check_pdf(data: bytes, where: Where) -> int:
    """Refuse an encrypted, unreadable or active PDF; returns its number of pages."""
    found: dict[type[errors.UploadRefused], str] = {}
    raw = set(_raw_names(data))
    if "Encrypt" in raw:
        raise where.refuse(errors.PdfEncrypted)
    for name in raw:
        _note(name, found)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise where.refuse(errors.PdfEncrypted)
        pages = len(reader.pages)
        open_action_parsed = False
        for obj in _objects(reader):
            open_action_parsed |= _inspect(obj, found)
    except errors.UploadRefused:
        raise
    except Exception as exc:  # hostile input may break a parser anywhere: unreadable, not 500
        raise where.refuse(errors.FileUnreadable) from exc
    if "OpenAction" in raw and not open_action_parsed:
        # An /OpenAction in the bytes that no parsed object has: hidden from this parser, so
        # judged as the action it may be for another.
        found.setdefault(errors.PdfOpenAction, "OpenAction")
    for error in _PRIORITY:
        if error in found:
            if error is errors.PdfActiveContent:
                raise where.refuse(error, feature=found[error])
            raise where.refuse(error)
    if pages < 1:
        raise where.refuse(errors.FileUnreadable)
    return pages


def _raw_names(data: bytes) -> Iterator[str]:
    """Name tokens outside literal strings, comments and stream data, escapes decoded."""
    pos = 0
    while True:
        match = _LEXEME.search(data, pos)
        if match is None:
            return
        lexeme = match.group(0)
        if lexeme == b"(":
            pos = _after_literal_string(data, match.end())
        elif lexeme == b"%":
            pos = _after_line(data, match.end())
        elif lexeme.startswith(b"stream"):
            end = data.find(b"endstream", match.end())
            # Without an end, the "stream" proves nothing: search on rather than stop.
            pos = match.end() if end < 0 else end + len(b"endstream")
        else:
            raw = match.group(1)
            if b"#" in raw:
                raw = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
            yield raw.decode("latin-1")
            pos = match.end()


def _after_literal_string(data: bytes, pos: int) -> int:
    """The offset after the literal string whose "(" ends at `pos`: parentheses nest, a
    backslash escapes the next byte (§7.3.4.2)."""
    depth = 1
    for match in _STRING_DELIMITER.finditer(data, pos):
        byte = match.group(0)
        if byte.startswith(b"\\"):
            continue
        if byte == b"(":
            depth += 1
        elif byte == b")":
            depth -= 1
            if depth == 0:
                return match.end()
    return pos  # unterminated: not a string after all, so search on right after the "("


def _after_line(data: bytes, pos: int) -> int:
    ends = [i for i in (data.find(b"\n", pos), data.find(b"\r", pos)) if i >= 0]
    return min(ends) + 1 if ends else len(data)


def _note(name: str, found: dict[type[errors.UploadRefused], str]) -> None:
    error = _ACTIVE.get(name)
    if error is not None:
        found.setdefault(error, name)


def _objects(reader: PdfReader) -> Iterator[PdfObject]:
    """Every object the file lists, then whatever the trailer reaches that it did not list."""
    seen: set[tuple[int, int]] = set()
    listed = [(num, gen) for gen, nums in reader.xref.items() for num in nums]
    listed += [(num, 0) for num in reader.xref_objStm]
    stack: list[PdfObject] = [reader.trailer]
    for num, gen in listed:
        stack.append(IndirectObject(num, gen, reader))
    count = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            resolved = obj.get_object()
            if resolved is None:
                continue
            obj = resolved
        count += 1
        if count > _MAX_OBJECTS:
            raise ValueError("too many objects")
        yield obj
        if isinstance(obj, DictionaryObject):
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _inspect(obj: PdfObject, found: dict[type[errors.UploadRefused], str]) -> bool:
    """Note what `obj` holds; True when it has an /OpenAction (judged here)."""
    open_action = False
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            name = str(key)[1:]
            if name == "OpenAction":
                open_action = True
                target = value.get_object() if isinstance(value, IndirectObject) else value
                if not isinstance(target, ArrayObject):
                    found.setdefault(errors.PdfOpenAction, name)
                continue
            _note(name, found)
    elif isinstance(obj, NameObject):
        _note(str(obj)[1:], found)
    return open_action
