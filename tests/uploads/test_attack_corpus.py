"""The upload attack corpus (issue 12 "Tests that must exist"; checklist U-01 to U-03): every
hostile file is refused with its own code and a precise German message, and nothing of the
request is stored — each bad file comes second, after a good PDF that would otherwise have been
stored first. Runs against both blob stores."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from pypdf import PdfReader

from servicekonto.clock import FixedClock
from servicekonto.uploads import errors
from servicekonto.uploads.check import MB, IncomingFile
from servicekonto.uploads.intake import accept_files
from servicekonto.web.upload_messages import upload_error_message
from tests.uploads import corpus
from tests.uploads.conftest import CleanScanner, Stores


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    code: str
    declared: str = ""
    #: Words the German message must contain besides the file's name.
    says: tuple[str, ...] = ()


def _garbage_then_pdf() -> bytes:
    return b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20 + corpus.pdf()


CASES = [
    # polyglots and appended files
    Case("Foto.jpg", corpus.jpeg_with_pdf_inside, "file_polyglot", says=("JPEG", "PDF")),
    Case("Logo.png", corpus.png_with_html_inside, "file_polyglot", says=("PNG", "HTML")),
    Case("Auszug.pdf", _garbage_then_pdf, "file_extra_data", says=("PDF",)),
    Case("Foto.jpg", lambda: corpus.jpeg() + corpus.pdf(), "file_extra_data", says=("JPEG",)),
    Case("Scan.png", lambda: corpus.png() + b"PK\x03\x04zip", "file_extra_data"),
    Case("Satzung.pdf", lambda: corpus.pdf() + b"PK\x03\x04" + b"\x00" * 26, "file_extra_data"),
    # active PDFs
    Case("Satzung.pdf", corpus.pdf_with_javascript, "pdf_javascript", says=("JavaScript",)),
    Case("Satzung.pdf", corpus.pdf_with_hidden_javascript, "pdf_javascript"),
    Case("Satzung.pdf", corpus.pdf_with_javascript_in_object_stream, "pdf_javascript"),
    Case("Satzung.pdf", corpus.pdf_with_unlisted_javascript, "pdf_javascript"),
    Case("Satzung.pdf", corpus.pdf_with_open_action, "pdf_open_action", says=("Öffnen",)),
    Case("Satzung.pdf", corpus.pdf_with_launch, "pdf_launch", says=("Programm",)),
    Case("Satzung.pdf", corpus.pdf_with_additional_actions, "pdf_additional_actions"),
    Case("Satzung.pdf", corpus.pdf_with_embedded_file, "pdf_embedded_file", says=("eingebettete",)),
    Case("Satzung.pdf", corpus.pdf_encrypted, "pdf_encrypted", says=("Passwort",)),
    # truncated and damaged
    Case("Auszug.pdf", lambda: corpus.pdf()[:200], "file_truncated", says=("unvollständig",)),
    Case("Scan.png", lambda: corpus.png()[:60], "file_truncated"),
    Case("Foto.jpeg", lambda: corpus.jpeg()[:-40], "file_truncated"),
    Case("Auszug.pdf", lambda: b"%PDF-1.7\nkein PDF\n%%EOF\n", "file_unreadable"),
    Case("Scan.png", corpus.png_with_bad_crc, "file_unreadable", says=("beschädigt",)),
    # size
    Case("Gross.pdf", lambda: b"%PDF-1.7\n" + b"0" * (10 * MB), "file_too_large", says=("10 MB",)),
    Case("Leer.pdf", lambda: b"", "file_empty", says=("leer",)),
    Case("Flut.png", corpus.png_pixel_flood, "image_too_many_pixels", says=("50 Millionen",)),
    Case("Flut.jpg", corpus.jpeg_pixel_flood, "image_too_many_pixels"),
    # type and extension
    Case("Scan.pdf", corpus.png, "file_extension_mismatch", says=(".pdf", "PNG")),
    Case("Auszug.jpg", corpus.pdf, "file_extension_mismatch", says=(".jpg", "PDF")),
    Case("Auszug.pdf.html", corpus.pdf, "file_type_not_allowed", says=(".pdf", ".png", ".jpg")),
    Case("setup.exe", lambda: b"MZ\x90\x00", "file_type_not_allowed"),
    Case("Auszug", corpus.pdf, "file_type_not_allowed"),
    Case("Bild.png", lambda: b"<svg onload=alert(1)>", "file_content_unknown"),
    Case("Auszug.pdf", lambda: b"MZ\x90\x00" + b"\x00" * 60, "file_content_unknown"),
    Case("Auszug.pdf", corpus.pdf, "file_content_type_mismatch", declared="text/html"),
]

NAME_CASES = [
    ("../../etc/passwd.pdf", "file_name_path"),
    ("..\\..\\windows\\win.ini.pdf", "file_name_path"),
    ("Satzung\uff0f..\uff0fpasswd.pdf", "file_name_path"),  # FULLWIDTH SOLIDUS folds to "/"
    ("Satzung\x00.pdf", "file_name_control"),
    ("Satzung.pdf\x00.exe", "file_name_control"),
    ("Rechnung\u202efdp.exe", "file_name_control"),  # RIGHT-TO-LEFT OVERRIDE
    ("Satzung\r\nContent-Type: text/html.pdf", "file_name_control"),
    ("a" * 201 + ".pdf", "file_name_too_long"),
    ("", "file_name_missing"),
    ("   ", "file_name_missing"),
]


def test_each_pdf_search_finds_what_the_other_cannot() -> None:
    """The premises of two corpus cases: JavaScript in a compressed object stream is invisible
    to the byte search, so the parse must find it; an object the table does not list is
    invisible to the parse, so the byte search must find it."""
    compressed = corpus.pdf_with_javascript_in_object_stream()
    assert b"JavaScript" not in compressed and b"OpenAction" not in compressed
    assert set(PdfReader(io.BytesIO(compressed)).xref_objStm) == {1, 2, 3}
    unlisted = PdfReader(io.BytesIO(corpus.pdf_with_unlisted_javascript()))
    assert 99 not in unlisted.xref[0] and len(unlisted.pages) == 1


def _refusal(stores: Stores, second: IncomingFile) -> errors.UploadRefused:
    first = IncomingFile("Gewerbeanmeldung.pdf", "application/pdf", corpus.pdf())
    with stores.sessions() as db:
        with pytest.raises(errors.UploadRefused) as refused:
            accept_files(
                files=[first, second],
                store=stores.open(db),
                scanner=CleanScanner(),
                scan_required=True,
                now=_now(),
            )
        db.commit()  # whatever the failed call left in the transaction would be kept now
    assert stores.count() == 0
    return refused.value


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.code}-{case.name}")
def test_a_hostile_file_is_refused_with_its_code_and_a_german_message_and_nothing_is_stored(
    stores: Stores, case: Case
) -> None:
    error = _refusal(stores, IncomingFile(case.name, case.declared, case.build()))
    assert error.code == case.code
    assert (error.index, error.display_name) == (2, case.name)
    message = upload_error_message("de", error)
    assert message.startswith(f"„{case.name}“: ")
    assert "{" not in message
    for word in case.says:
        assert word in message
    assert error.description.isascii() and case.name not in error.description
    assert error.description.startswith("file 2: ")


@pytest.mark.parametrize(("filename", "code"), NAME_CASES)
def test_a_name_that_is_a_path_holds_control_characters_or_is_too_long_is_refused(
    stores: Stores, filename: str, code: str
) -> None:
    error = _refusal(stores, IncomingFile(filename, "application/pdf", corpus.pdf()))
    assert error.code == code
    assert error.display_name is None
    # The name itself was the problem: the message names the file by its position.
    message = upload_error_message("de", error)
    assert message.startswith("Datei 2: ")
    assert "\x00" not in message and "\u202e" not in message and "passwd" not in message


def test_six_files_are_refused_before_any_is_looked_at(stores: Stores) -> None:
    scanner = CleanScanner()
    files = [IncomingFile(f"Dokument {n}.pdf", "application/pdf", corpus.pdf()) for n in range(6)]
    with stores.sessions() as db, pytest.raises(errors.TooManyFiles) as refused:
        accept_files(
            files=files, store=stores.open(db), scanner=scanner, scan_required=True, now=_now()
        )
    assert stores.count() == 0 and scanner.scanned == []
    assert refused.value.status == 413
    assert upload_error_message("de", refused.value) == (
        "Sie können höchstens 5 Dateien auf einmal hochladen. Es wurde nichts gespeichert; "
        "bitte wählen Sie weniger Dateien aus."
    )


def test_five_good_files_are_accepted_and_stored(stores: Stores) -> None:
    files = [
        IncomingFile("Handelsregisterauszug.pdf", "application/pdf", corpus.pdf()),
        IncomingFile("Gewerbeanmeldung.PDF", "application/octet-stream", corpus.pdf()),
        IncomingFile("Satzung  Seite 1.png", "image/png", corpus.png()),
        IncomingFile("Vollmacht.jpeg", "image/jpeg", corpus.jpeg()),
        IncomingFile("Ausweis.jpg", "", corpus.jpeg(metadata=True)),
    ]
    with stores.sessions() as db:
        accepted = accept_files(
            files=files,
            store=stores.open(db),
            scanner=CleanScanner(),
            scan_required=True,
            now=_now(),
        )
        db.commit()
    assert [a.display_name for a in accepted] == [
        "Handelsregisterauszug.pdf",
        "Gewerbeanmeldung.PDF",
        "Satzung Seite 1.png",
        "Vollmacht.jpeg",
        "Ausweis.jpg",
    ]
    assert [a.content_type for a in accepted] == ["application/pdf"] * 2 + [
        "image/png",
        "image/jpeg",
        "image/jpeg",
    ]
    assert all(a.scan.status == "clean" and a.scan.scanner == "test" for a in accepted)
    assert len({a.blob_id for a in accepted}) == 5
    assert stores.count() == 5
    with stores.sessions() as db:
        store = stores.open(db)
        for record, file in zip(accepted, files, strict=True):
            stored = store.get(blob_id=record.blob_id)
            assert stored is not None and stored.content_type == record.content_type
            assert len(stored.data) == record.size
            if record.content_type == "application/pdf":
                assert stored.data == file.data  # PDFs are kept as they came


def _now() -> datetime:
    return FixedClock().now()
