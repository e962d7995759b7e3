"""Attachments of a deposit: at most 5 of at most 2 MB, ZBP types checked like uploads
(DESIGN §8), the client's SHA-512 verified; a refusal stores nothing at all."""

from __future__ import annotations

import base64
import hashlib

import pytest

from servicekonto.db.models import Blob, PostfachAttachment, PostfachMessage
from servicekonto.errors import ServiceKontoError
from servicekonto.postfach import attachments as checks
from servicekonto.postfach.errors import (
    AttachmentChecksumMismatch,
    AttachmentNotBase64,
    AttachmentTextInvalid,
    AttachmentTypeNotAllowed,
    TooManyAttachments,
)
from servicekonto.uploads import errors as upload_errors
from tests.postfach.conftest import PDF, PNG, Postfach, attachment, message
from tests.uploads import corpus

MB2 = 2 * 1024 * 1024


def _refused(pf: Postfach, client_id: str, sub: str, items: list[dict[str, str]],
             expected: type[ServiceKontoError]) -> ServiceKontoError:
    with pytest.raises(expected) as refused:
        pf.deposit(client_id, message(sub, attachments=items))
    assert pf.count(PostfachMessage) == 0
    assert pf.count(PostfachAttachment) == 0
    assert pf.blob_count() == 0
    return refused.value


@pytest.fixture
def sub(pf: Postfach, client_id: str) -> str:
    return pf.recipient(client_id)[1]


def test_five_attachments_are_accepted_and_a_sixth_is_refused(
    pf: Postfach, client_id: str, sub: str
) -> None:
    six = [attachment(corpus.pdf(str(i).encode()), f"Anlage-{i}.pdf") for i in range(6)]
    error = _refused(pf, client_id, sub, six, TooManyAttachments)
    assert error.code == "too_many_attachments"
    assert pf.scanner.scanned == []  # refused before any was looked at

    result = pf.deposit(client_id, message(sub, attachments=six[:5]))
    assert len(result.attachment_ids) == 5
    assert pf.blob_count() == 5


def test_an_attachment_over_2_mb_is_refused_before_decoding(
    pf: Postfach, client_id: str, sub: str
) -> None:
    big = PDF + b"%" + b"x" * (MB2 - len(PDF))  # 2 MiB + 1 byte
    error = _refused(pf, client_id, sub, [attachment(PDF), attachment(big, "gross.pdf")],
                     upload_errors.FileTooLarge)
    assert error.code == "file_too_large"
    assert isinstance(error, upload_errors.FileTooLarge) and error.index == 2
    assert "file 2" in error.description and "2 MB" in error.description


def test_an_attachment_of_exactly_2_mb_passes_the_size_check() -> None:
    data = b"a" * MB2
    item = attachment(data, "liste.txt", "text/plain")
    from servicekonto.postfach.schemas import Attachment

    (checked,) = checks.check_attachments([Attachment.model_validate(item)], scanner=None,
                                          scan_required=False)
    assert checked.size == MB2 and checked.scan.status == "skipped"


def test_a_wrong_sha512_is_refused(pf: Postfach, client_id: str, sub: str) -> None:
    wrong = attachment(PDF, sha512=hashlib.sha512(PDF + b" ").hexdigest())
    error = _refused(pf, client_id, sub, [wrong], AttachmentChecksumMismatch)
    assert error.code == "attachment_checksum_mismatch"
    assert error.description.startswith("attachment 1:")


def test_the_sha512_may_be_given_in_upper_case(pf: Postfach, client_id: str, sub: str) -> None:
    item = attachment(PDF, sha512=hashlib.sha512(PDF).hexdigest().upper())
    assert pf.deposit(client_id, message(sub, attachments=[item])).attachment_ids


def test_content_that_is_not_base64_is_refused(pf: Postfach, client_id: str, sub: str) -> None:
    error = _refused(pf, client_id, sub, [attachment(PDF, content="JVBERi0x*&%")],
                     AttachmentNotBase64)
    assert error.code == "attachment_not_base64"


def test_base64_with_line_breaks_is_accepted(pf: Postfach, client_id: str, sub: str) -> None:
    encoded = base64.encodebytes(PDF).decode("ascii")  # MIME style, a line break every 76
    assert "\n" in encoded
    result = pf.deposit(client_id, message(sub, attachments=[attachment(PDF, content=encoded)]))
    assert result.attachment_ids


@pytest.mark.parametrize(
    ("filename", "content_type", "data"),
    [
        ("plan.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
        ("brief.rtf", "application/rtf", b"{\\rtf1 {\\object}}"),
        ("bild.gif", "image/gif", b"GIF89a\x01\x00\x01\x00"),
        ("setup.exe", "application/octet-stream", b"MZ\x90\x00"),
        ("ohne-endung", "application/pdf", PDF),
    ],
)
def test_types_outside_the_checked_list_are_refused(
    pf: Postfach, client_id: str, sub: str, filename: str, content_type: str, data: bytes
) -> None:
    error = _refused(pf, client_id, sub, [attachment(data, filename, content_type)],
                     AttachmentTypeNotAllowed)
    assert error.code == "attachment_type_not_allowed"


@pytest.mark.parametrize(
    ("item", "code"),
    [
        (attachment(corpus.pdf_with_javascript()), "pdf_javascript"),
        (attachment(PNG, "Bescheid.pdf"), "file_extension_mismatch"),
        (attachment(PDF, content_type="image/png"), "file_content_type_mismatch"),
        (attachment(b"%PDF-1.7 but not really"), "file_truncated"),
        (attachment(PDF, "../../etc/passwd.pdf"), "file_name_path"),
        (attachment(PDF, "rechnung\u202efdp.pdf"), "file_name_control"),
        (attachment(b"", "leer.pdf"), "file_empty"),
    ],
)
def test_the_upload_checks_apply(
    pf: Postfach, client_id: str, sub: str, item: dict[str, str], code: str
) -> None:
    error = _refused(pf, client_id, sub, [item], upload_errors.UploadRefused)
    assert error.code == code


def test_an_infected_attachment_is_refused(pf: Postfach, client_id: str, sub: str) -> None:
    item = attachment(corpus.EICAR, "virus.txt", "text/plain")
    error = _refused(pf, client_id, sub, [attachment(PDF), item], upload_errors.FileInfected)
    assert error.code == "file_infected"


def test_without_a_scanner_the_policy_decides() -> None:
    from servicekonto.postfach.schemas import Attachment

    item = Attachment.model_validate(attachment(PDF))
    with pytest.raises(upload_errors.ScanUnavailable):
        checks.check_attachments([item], scanner=None, scan_required=True)
    (checked,) = checks.check_attachments([item], scanner=None, scan_required=False)
    assert checked.scan.status == "skipped"


@pytest.mark.parametrize(
    ("filename", "content_type", "data"),
    [
        ("werte.csv", "text/csv", "Datum;Betrag\n2026-11-21;48,00 €\n".encode()),
        ("hinweis.txt", "text/plain; charset=utf-8", "\ufeffGrüße\tund\r\nTabs".encode()),
        ("termin.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
    ],
)
def test_utf8_text_files_are_accepted(
    pf: Postfach, client_id: str, sub: str, filename: str, content_type: str, data: bytes
) -> None:
    result = pf.deposit(client_id, message(sub, attachments=[attachment(data, filename,
                                                                        content_type)]))
    with pf.sessions() as db:
        stored = db.get(PostfachAttachment, result.attachment_ids[0])
        assert stored is not None and stored.content_type == content_type.split(";")[0]


@pytest.mark.parametrize(
    ("filename", "content_type", "data"),
    [
        ("binaer.txt", "text/plain", b"Text\x00mit NUL"),
        ("escape.txt", "text/plain", b"\x1b[2J Terminal"),
        ("latin1.txt", "text/plain", "Grüße".encode("latin-1")),
        ("tabelle.csv", "application/pdf", b"a;b\n"),
        ("termin.ics", "text/calendar", b"<html>kein Kalender</html>"),
    ],
)
def test_text_files_that_are_not_clean_utf8_text_are_refused(
    pf: Postfach, client_id: str, sub: str, filename: str, content_type: str, data: bytes
) -> None:
    error = _refused(pf, client_id, sub, [attachment(data, filename, content_type)],
                     AttachmentTextInvalid)
    assert error.code == "attachment_text_invalid"


def test_an_image_is_stored_as_sent_so_its_sha512_holds(
    pf: Postfach, client_id: str, sub: str
) -> None:
    photo = corpus.jpeg(metadata=True)
    result = pf.deposit(client_id, message(sub, attachments=[attachment(photo, "Foto.jpg",
                                                                        "image/jpeg")]))
    with pf.sessions() as db:
        stored = db.get(PostfachAttachment, result.attachment_ids[0])
        assert stored is not None
        data = pf.store(db).get(blob_id=stored.blob_id)
    assert data is not None and data.data == photo
    assert hashlib.sha512(data.data).hexdigest() == stored.sha512
    assert stored.content_type == "image/jpeg"


def test_a_refused_second_attachment_leaves_no_trace_of_the_first(
    pf: Postfach, client_id: str, sub: str
) -> None:
    _refused(pf, client_id, sub, [attachment(PDF), attachment(PDF, sha512="0" * 128)],
             AttachmentChecksumMismatch)
    assert pf.count(Blob) == 0
