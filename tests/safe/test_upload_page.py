"""Own uploads through the safe's page (issue 13 item 4: the same checks and scanning as company
documents): a subset of the attack corpus is refused with its precise German message and
nothing stored; a good file is kept in its folder, downloads as an attachment under a sandbox
CSP; the malware scan refuses EICAR (service level, a stand-in scanner)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekonto.db.models import Blob, SafeDocument
from servicekonto.oidc.provider import Provider
from servicekonto.uploads import errors
from tests.safe.conftest import PDF, Safe, sign_in, upload_page
from tests.uploads import corpus

#: (file name, content, declared type, refusal, a word of its German message)
ATTACKS: list[tuple[str, Callable[[], bytes], str, type[errors.UploadRefused], str]] = [
    ("Satzung.pdf", corpus.pdf_with_javascript, "application/pdf", errors.PdfJavaScript,
     "JavaScript"),
    ("Satzung.pdf", corpus.pdf_with_launch, "application/pdf", errors.PdfLaunch, "Programm"),
    ("Foto.jpg", corpus.jpeg_with_pdf_inside, "image/jpeg", errors.FilePolyglot, "JPEG"),
    ("Bescheid.pdf", corpus.png, "application/pdf", errors.FileExtensionMismatch,
     "Dateiendung"),
    ("Auszug.pdf", lambda: corpus.pdf()[:200], "application/pdf", errors.FileTruncated,
     "unvollständig"),
    ("rechnung.exe", lambda: b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream",
     errors.FileTypeNotAllowed, "Dateiformat"),
]


def _stored(provider: Provider) -> tuple[int, int]:
    with provider.sessions() as db:
        return (int(db.scalar(select(func.count()).select_from(SafeDocument)) or 0),
                int(db.scalar(select(func.count()).select_from(Blob)) or 0))


@pytest.mark.parametrize(("name", "build", "content_type", "refusal", "word"), ATTACKS,
                         ids=[a[3].code for a in ATTACKS])
def test_a_hostile_file_is_refused_with_its_german_message_and_nothing_is_stored(
    safe_app: TestClient, app_provider: Provider, name: str, build: Callable[[], bytes],
    content_type: str, refusal: type[errors.UploadRefused], word: str,
) -> None:
    person = sign_in(safe_app, app_provider)
    response = upload_page(person, [(name, build(), content_type)])

    assert response.status_code == refusal.status, response.text[:300]
    alert = response.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert f"„{name}“" in alert and word in alert, alert
    assert _stored(app_provider) == (0, 0)


def test_two_files_at_once_are_refused(safe_app: TestClient, app_provider: Provider) -> None:
    person = sign_in(safe_app, app_provider)
    response = upload_page(person, [("a.pdf", PDF, "application/pdf"),
                                    ("b.pdf", PDF, "application/pdf")])
    assert response.status_code == 413
    assert "höchstens 1 Dateien" in response.text
    assert _stored(app_provider) == (0, 0)


def test_an_upload_without_the_csrf_token_is_refused(
    safe_app: TestClient, app_provider: Provider
) -> None:
    person = sign_in(safe_app, app_provider)
    response = person.browser.http.post(
        "/safe/upload", files=[("document", ("a.pdf", PDF, "application/pdf"))],
        headers={"Origin": person.browser.origin}, follow_redirects=False)
    assert response.status_code == 403
    assert _stored(app_provider) == (0, 0)


def test_a_good_file_is_kept_in_its_folder_and_downloads_safely(
    safe_app: TestClient, app_provider: Provider
) -> None:
    person = sign_in(safe_app, app_provider)
    response = upload_page(person, [("Mietvertrag Mai.pdf", PDF, "application/pdf")],
                           folder="Wohnung")
    assert response.status_code == 303 and response.headers["location"] == "/safe?notice=uploaded"

    listing = person.browser.get("/safe?folder=Wohnung")
    assert "Mietvertrag Mai.pdf" in listing.text
    assert person.browser.get("/safe?folder=Steuer").text.count("Mietvertrag Mai.pdf") == 0
    with app_provider.sessions() as db:
        document_id = db.scalar(select(SafeDocument.id))
    download = person.browser.get(f"/safe/documents/{document_id}/download")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox; default-src 'none'" in download.headers.get_list("content-security-policy")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_another_persons_document_is_not_found(
    safe_app: TestClient, app_provider: Provider
) -> None:
    owner = sign_in(safe_app, app_provider)
    upload_page(owner, [("Mietvertrag.pdf", PDF, "application/pdf")])
    with app_provider.sessions() as db:
        document_id = db.scalar(select(SafeDocument.id))
    owner.browser.http.cookies.clear()
    other = sign_in(safe_app, app_provider)
    assert other.browser.get(f"/safe/documents/{document_id}").status_code == 404
    assert other.browser.get(f"/safe/documents/{document_id}/download").status_code == 404


def test_the_malware_scan_refuses_eicar(safe: Safe) -> None:
    account = safe.person()
    with pytest.raises(errors.FileInfected):
        safe.upload(account, corpus.pdf(corpus.EICAR))
    assert (safe.documents(account), safe.blob_count()) == (0, 0)


def test_other_forms_still_refuse_files(safe_app: TestClient, app_provider: Provider) -> None:
    """Only the upload form takes files; elsewhere a file part is a 400 at the input guard."""
    person = sign_in(safe_app, app_provider)
    response = person.browser.http.post(
        "/account/email", data={"email": "a@example.org"},
        files=[("document", ("a.pdf", PDF, "application/pdf"))],
        headers={"Origin": person.browser.origin}, follow_redirects=False)
    assert response.status_code == 400


def _noise_png(side: int) -> bytes:
    import io
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_upload_form_has_its_own_body_cap(safe_app: TestClient, app_provider: Provider
                                              ) -> None:
    """Above the 1 MiB of every other route, below the upload cap; beyond it 413."""
    person = sign_in(safe_app, app_provider)
    scan = _noise_png(800)
    assert len(scan) > app_provider.settings.body_limit_bytes
    assert upload_page(person, [("Scan.png", scan, "image/png")]).status_code == 303

    too_big = b"%PDF-1.7\n" + b"0" * app_provider.settings.upload_body_limit_bytes
    response = upload_page(person, [("Riesig.pdf", too_big, "application/pdf")])
    assert response.status_code == 413
    assert _stored(app_provider)[0] == 1
