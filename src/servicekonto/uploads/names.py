"""File names of uploads: checked, kept for display only, never used as a path (checklist U-03).

A name with a path separator (also one that Unicode compatibility folding turns into one, such
as U+FF0F), NUL, a control or format character (C0, DEL, C1, the bidirectional overrides that
make "rechnung‮fdp.exe" look like a PDF), an unassigned or private-use code point, or more than
`max_chars` characters is refused rather than repaired: a person sees which file and why. What
passes is put into NFC with surrounding white space removed and runs of white space collapsed.

Storage never uses the name (blobs get random ids); downloads send it through
`content_disposition` (RFC 6266 with an RFC 8187 `filename*`), so no quote, semicolon or
non-ASCII character reaches the header raw.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from urllib.parse import quote

from servicekonto.uploads.errors import (
    FileNameControl,
    FileNameMissing,
    FileNamePath,
    FileNameTooLong,
)

#: Categories refused anywhere in a name: control, format, surrogate, private use, unassigned.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SEPARATORS = ("/", "\\")
_WHITE_SPACE = re.compile(r"\s+")
#: Characters kept in the ASCII fallback of `filename=` (RFC 6266 §4.3 advises a plain one).
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+,=@-]")


def display_name(raw: str, *, max_chars: int, index: int | None = None) -> str:
    """The name to show for an uploaded file, or the refusal that says what is wrong with it."""
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in raw):
        raise FileNameControl(index=index)
    name = _WHITE_SPACE.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not name:
        raise FileNameMissing(index=index)
    folded = unicodedata.normalize("NFKC", name)
    if any(sep in name or sep in folded for sep in _SEPARATORS):
        raise FileNamePath(index=index)
    if len(name) > max_chars:
        raise FileNameTooLong(index=index, max_chars=max_chars)
    return name


def extension(name: str) -> str:
    """The lower-case text after the last dot, "" without one ("a.pdf.html" → "html")."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem.strip() else ""


def content_disposition(
    name: str, disposition: Literal["attachment", "inline"] = "attachment"
) -> str:
    """A `Content-Disposition` value for a checked display name (RFC 6266 §4, RFC 8187)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = _FALLBACK_UNSAFE.sub("_", fallback).strip()
    if not fallback or fallback.startswith("."):  # "日本.pdf" must not become a hidden ".pdf"
        fallback = "download" + fallback
    encoded = quote(name, safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
