"""The page text of an upload refusal (`uploads/errors.py`) in the page's language.

A page shows `upload_error_message(locale, error)`: the text of `upload.error.<code>` from
`i18n.py`, with the file named as the person knows it („Satzung.pdf“), by its position when its
name was the problem ("Datei 2"), and the limits filled in. Templates escape it like any text.
"""

from __future__ import annotations

from servicekonto.uploads.errors import UploadRefused
from servicekonto.web.i18n import translate


def upload_error_message(locale: str, error: UploadRefused) -> str:
    if error.display_name:
        file = translate(locale, "upload.file.named", name=error.display_name)
    elif error.index is not None:
        file = translate(locale, "upload.file.numbered", number=error.index)
    else:
        file = translate(locale, "upload.file.unnamed")
    return translate(locale, error.message_key, file=file, **error.params)
