"""Names are display-only (checklist U-03) and every refusal has its page text (issue 12: "each
gets a precise German message")."""

from __future__ import annotations

import io
import re

import pytest

from servicekonto.uploads import errors
from servicekonto.uploads.check import UploadLimits, read_limited
from servicekonto.uploads.names import content_disposition, display_name, extension
from servicekonto.web.upload_messages import UPLOAD_TEXTS as MESSAGES
from servicekonto.web.upload_messages import upload_error_message


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Satzung.pdf", "Satzung.pdf"),
        ("  Handelsregister   Auszug .pdf ", "Handelsregister Auszug .pdf"),
        ("Gesellschafterliste\u00a0Mai.pdf", "Gesellschafterliste Mai.pdf"),  # NBSP
        ("Gru\u0308ndung.pdf", "Gründung.pdf"),  # decomposed umlaut → NFC
        ('Auszug"; filename=evil.html.pdf', 'Auszug"; filename=evil.html.pdf'),
        ("C:Auszug.pdf", "C:Auszug.pdf"),  # shown as typed; never a path anyway
    ],
)
def test_a_name_is_kept_for_display_in_normal_form(raw: str, shown: str) -> None:
    assert display_name(raw, max_chars=200) == shown


def test_the_extension_is_the_last_one_and_a_dot_file_has_none() -> None:
    assert extension("Auszug.PDF") == "pdf"
    assert extension("Auszug.pdf.exe") == "exe"
    assert extension(".pdf") == ""
    assert extension("Auszug.") == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Satzung.pdf", "attachment; filename=\"Satzung.pdf\"; filename*=UTF-8''Satzung.pdf"),
        (
            "Gründung Müller & Söhne.pdf",
            "attachment; filename=\"Grundung Muller _ Sohne.pdf\"; "
            "filename*=UTF-8''Gr%C3%BCndung%20M%C3%BCller%20%26%20S%C3%B6hne.pdf",
        ),
        (
            'a"; filename=evil.html.pdf',
            "attachment; filename=\"a__ filename=evil.html.pdf\"; "
            "filename*=UTF-8''a%22%3B%20filename%3Devil.html.pdf",
        ),
        (
            "日本.pdf",
            "attachment; filename=\"download.pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf",
        ),
    ],
)
def test_content_disposition_quotes_nothing_raw_rfc_6266(name: str, expected: str) -> None:
    value = content_disposition(name)
    assert value == expected
    fallback = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'(\S+)', value)
    assert fallback is not None and value.isascii()


def test_content_disposition_inline_for_images() -> None:
    assert content_disposition("Foto.jpg", "inline").startswith('inline; filename="Foto.jpg"')


def test_read_limited_reads_at_most_one_byte_past_the_limit() -> None:
    limits = UploadLimits(max_file_bytes=10)

    class Counting(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.read_sizes: list[int] = []

        def read(self, size: int | None = -1, /) -> bytes:
            self.read_sizes.append(-1 if size is None else size)
            return super().read(size)

    assert read_limited(io.BytesIO(b"x" * 10), limits=limits) == b"x" * 10
    stream = Counting(b"x" * 1000)
    with pytest.raises(errors.FileTooLarge):
        read_limited(stream, limits=limits, index=3)
    assert stream.tell() == 11 and all(0 < size <= 11 for size in stream.read_sizes)


SAMPLE_PARAMS: dict[str, str | int] = {
    "max_files": 5,
    "max_chars": 200,
    "max_mb": 10,
    "extension": "png",
    "detected": "PDF",
    "other": "HTML",
    "max_megapixels": 50,
    "feature": "XFA",
    "signature": "Eicar-Signature",
}


@pytest.mark.parametrize("error", errors.ALL, ids=lambda error: error.code)
@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_refusal_has_a_complete_page_text(
    error: type[errors.UploadRefused], locale: str
) -> None:
    assert f"upload.error.{error.code}" in MESSAGES
    placeholders = set(re.findall(r"\{(\w+)\}", error.english))
    params = {name: SAMPLE_PARAMS[name] for name in placeholders if name != "file"}
    refusal = error(index=2, display_name="Satzung.pdf", **params)
    message = upload_error_message(locale, refusal)
    assert "{" not in message and "%(" not in message
    if error is not errors.TooManyFiles and error is not errors.ScanUnavailable:
        assert ("„Satzung.pdf“" if locale == "de" else "“Satzung.pdf”") in message
    assert refusal.description.isascii() and "{" not in refusal.description


def test_every_refusal_class_is_listed_with_its_own_code() -> None:
    def subclasses(cls: type[errors.UploadRefused]) -> set[type[errors.UploadRefused]]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found)) if found else found

    assert subclasses(errors.UploadRefused) == set(errors.ALL)
    assert len({error.code for error in errors.ALL}) == len(errors.ALL)
