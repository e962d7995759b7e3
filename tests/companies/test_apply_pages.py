"""The applicant's pages of company registration (issue 12 items 2 and 4; DESIGN §5, §8, §9):
registering with documents, every field problem in German next to its field with the typed
values kept, the upload attack corpus with nothing stored, the application page (timeline,
reasons, downloads, answering a request), activation by the applicant only, and blocking with
the Widerrufscode without login."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.companies import review
from servicekonto.companies.members import memberships_for
from servicekonto.letters.organisation import queue_organisation_activation_letter
from servicekonto.letters.service import QueuedLetter
from servicekonto.oidc.provider import Provider
from servicekonto.uploads.check import MB
from tests.companies.apply_support import (
    NOTHING,
    ORIGIN,
    Person,
    fields,
    pdf_file,
    sign_in,
    stored,
)
from tests.companies.factories import ISSUER, staff, state_of
from tests.uploads import corpus


@pytest.fixture
def person(apply_client: TestClient, app_provider: Provider) -> Person:
    return sign_in(apply_client, app_provider)


def _apply(person: Person, files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
           **overrides: str) -> httpx.Response:
    page = person.page("/organizations/new")
    assert page.status_code == 200
    data = [*fields(**overrides).items(), ("doc_type", "handelsregisterauszug")]
    return person.post("/organizations/new", page, data,
                       files=[pdf_file()] if files is None else files)


def _organisation_id(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[:3000]
    match = re.fullmatch(r"/organizations/applications/([0-9a-f]+)\?notice=submitted",
                         response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def _error_of(page: httpx.Response, field: str) -> str:
    """The German message shown next to `field` (its `<p id="{field}-error">`)."""
    match = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', page.text, re.S)
    assert match, f"no error next to {field}: {page.text[:200]}"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Fehler: ", "").strip()


# -- happy path ---------------------------------------------------------------------------------


def test_a_person_registers_a_company_with_a_document_and_sees_who_reviews_it(
    person: Person, app_provider: Provider
) -> None:
    account = person.page("/account")
    assert 'href="/organizations"' in account.text

    organisation_id = _organisation_id(_apply(person))

    page = person.page(f"/organizations/applications/{organisation_id}?notice=submitted")
    assert page.status_code == 200
    assert "Eingereicht, wartet auf Prüfung" in page.text
    assert "Verbandsgemeinde Cochem" in page.text  # the administration of 56812
    assert "Amtsgericht Koblenz, HRB 1234 B" in page.text
    assert "Antrag eingereicht" in page.text  # the timeline
    assert state_of(app_provider.sessions, organisation_id) == "submitted"
    assert stored(app_provider).blob_files == 1 and stored(app_provider).blob_rows == 0

    overview = person.page("/organizations")
    assert "Moselweingut Beispiel GmbH" in overview.text
    assert "seit 0 Tagen" in overview.text
    assert f"/organizations/applications/{organisation_id}" in overview.text


def test_the_own_document_downloads_as_an_attachment_under_a_sandbox_and_is_sealed_at_rest(
    person: Person, app_provider: Provider
) -> None:
    content = corpus.pdf(b"Handelsregister B des Amtsgerichts Koblenz")
    organisation_id = _organisation_id(_apply(person, files=[pdf_file("HR Auszug ä.pdf", content)]))
    page = person.page(f"/organizations/applications/{organisation_id}")
    link = re.search(r'href="(/organizations/applications/[^"]+/documents/[^"]+)"', page.text)
    assert link
    download = person.page(link.group(1))
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="dokument-')
    assert "filename*=UTF-8''HR%20Auszug%20%C3%A4.pdf" in disposition
    assert "sandbox" in download.headers.get_list("content-security-policy")[0]
    # sealed: the bytes on disk are not the document
    directory = app_provider.settings.blob_directory
    on_disk = [p.read_bytes() for p in directory.rglob("*") if p.is_file()]
    assert len(on_disk) == 1 and b"Amtsgerichts Koblenz" not in on_disk[0]


def test_another_persons_application_and_document_are_not_found(
    person: Person, apply_client: TestClient, app_provider: Provider
) -> None:
    organisation_id = _organisation_id(_apply(person))
    page = person.page(f"/organizations/applications/{organisation_id}")
    link = re.search(r'href="(/organizations/applications/[^"]+/documents/[^"]+)"', page.text)
    assert link
    stranger = sign_in(apply_client, app_provider)
    assert stranger.page(f"/organizations/applications/{organisation_id}").status_code == 404
    assert stranger.page(link.group(1)).status_code == 404
    assert "Moselweingut" not in stranger.page("/organizations").text


def test_the_pages_need_a_login(apply_client: TestClient) -> None:
    for path in ("/organizations", "/organizations/new", "/organizations/activate"):
        answer = apply_client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), path


# -- field problems ------------------------------------------------------------------------------

FIELD_CASES = [
    ({"name": ""}, "name", "Bitte geben Sie den Namen der Organisation an"),
    ({"kind": "sekte"}, "kind", "Bitte wählen Sie die Art der Organisation"),
    ({"legal_form": "llc"}, "legal_form", "Bitte wählen Sie eine Rechtsform aus der Liste."),
    ({"kind": "verein"}, "legal_form", "Diese Rechtsform passt nicht zur gewählten Art"),
    ({"register_type": "VR", "register_number": "1234"}, "register_type",
     "Die Registerart passt nicht zur Rechtsform"),
    ({"register_number": ""}, "register_number", "Bitte geben Sie die Registernummer an."),
    ({"register_number": "HRB 0123"}, "register_number", "nicht die übliche Form"),
    ({"register_court": ""}, "register_court", "Bitte geben Sie das Registergericht an."),
    ({"register_court": "Amtsgericht Hamburg"}, "register_court",
     "Dieses Registergericht kennen wir nicht"),
    ({"legal_form": "gbr", "register_type": "", "register_court": ""}, "register_number",
     "Für diese Rechtsform gibt es keinen Registereintrag"),
    ({"trade_authority": "VG Cochem"}, "trade_registered_on",
     "Bitte geben Sie das Datum der Gewerbeanmeldung an."),
    ({"trade_registered_on": "2024-03-15"}, "trade_authority",
     "welche Behörde die Gewerbeanmeldung bestätigt hat"),
    ({"trade_authority": "VG Cochem", "trade_registered_on": "32.13.2024"},
     "trade_registered_on", "als TT.MM.JJJJ an"),
    ({"trade_authority": "VG Cochem", "trade_registered_on": "01.01.2099"},
     "trade_registered_on", "liegt in der Zukunft"),
    ({"tax_number": "12345"}, "tax_number", "Die Steuernummer besteht aus 10 bis 13 Ziffern."),
    ({"vat_id": "DE12345"}, "vat_id", "beginnt mit „DE“ und hat danach neun Ziffern"),
    ({"vat_id": "DE123456789"}, "vat_id", "die Prüfziffer stimmt nicht"),
    ({"street": ""}, "street", "Bitte geben Sie die Straße der Geschäftsadresse an."),
    ({"house_number": ""}, "house_number", "Bitte geben Sie die Hausnummer"),
    ({"postal_code": "5681"}, "postal_code", "Die Postleitzahl besteht aus fünf Ziffern."),
    ({"locality": ""}, "locality", "Bitte geben Sie den Ort der Geschäftsadresse an."),
    ({"name": "x" * 201}, "name", "Diese Angabe ist zu lang."),
    ({"postal_code": "10115"}, "postal_code", "außerhalb des Landkreises Cochem-Zell"),
]


@pytest.mark.parametrize(("overrides", "field", "says"), FIELD_CASES)
def test_every_field_problem_is_shown_in_german_next_to_its_field_and_nothing_is_stored(
    person: Person, app_provider: Provider, overrides: dict[str, str], field: str, says: str
) -> None:
    page = _apply(person, **overrides)
    assert page.status_code == 422
    assert says in _error_of(page, field)
    assert f'href="#{field}"' in page.text  # the summary links to the field
    # the typed values are kept (one that is not the field in question)
    kept = "Moselweinstraße" if field != "street" else "Cochem"
    assert f'value="{kept}"' in page.text
    assert stored(app_provider) == NOTHING


def test_several_problems_and_a_bad_file_are_shown_together(
    person: Person, app_provider: Provider
) -> None:
    page = _apply(person, files=[pdf_file("Satzung.pdf", corpus.pdf_with_javascript())],
                  name="", postal_code="abc")
    assert page.status_code == 422
    assert _error_of(page, "name").startswith("Bitte geben Sie den Namen")
    assert _error_of(page, "postal_code") == "Die Postleitzahl besteht aus fünf Ziffern."
    assert "JavaScript" in _error_of(page, "documents")
    assert stored(app_provider) == NOTHING


def test_an_application_without_a_document_is_refused(
    person: Person, app_provider: Provider
) -> None:
    page = _apply(person, files=[("documents", ("", b"", "application/octet-stream"))])
    assert page.status_code == 422
    assert "mindestens ein begründendes Dokument" in _error_of(page, "documents")
    assert stored(app_provider) == NOTHING


# -- the upload attack corpus -------------------------------------------------------------------

UPLOAD_CASES = [
    ("polyglot", "Foto.jpg", corpus.jpeg_with_pdf_inside, "image/jpeg", 422,
     "enthält aber zusätzlich Inhalte im Format PDF"),
    ("javascript", "Satzung.pdf", corpus.pdf_with_javascript, "application/pdf", 422,
     "Das PDF enthält JavaScript."),
    ("open_action", "Satzung.pdf", corpus.pdf_with_open_action, "application/pdf", 422,
     "führt beim Öffnen automatisch eine Aktion aus"),
    ("launch", "Satzung.pdf", corpus.pdf_with_launch, "application/pdf", 422,
     "eine Aktion, die ein Programm startet"),
    ("embedded", "Satzung.pdf", corpus.pdf_with_embedded_file, "application/pdf", 422,
     "eingebettete Dateien"),
    ("truncated", "Auszug.pdf", lambda: corpus.pdf()[:200], "application/pdf", 422,
     "Die Datei ist unvollständig"),
    ("oversized", "Gross.pdf", lambda: b"%PDF-1.7\n" + b"0" * (10 * MB), "application/pdf", 413,
     "größer als 10 MB"),
    ("wrong_extension", "Auszug.jpg", corpus.pdf, "image/jpeg", 415,
     "Die Dateiendung „.jpg“ passt nicht zum Inhalt"),
    ("not_allowed", "setup.exe", lambda: b"MZ\x90\x00", "application/octet-stream", 415,
     "Dieses Dateiformat ist nicht erlaubt"),
    ("traversal", "../../etc/passwd.pdf", corpus.pdf, "application/pdf", 422,
     "enthält einen Schrägstrich"),
    ("backslash", "..\\..\\win.ini.pdf", corpus.pdf, "application/pdf", 422,
     "enthält einen Schrägstrich"),
    ("direction", "Rechnung\u202efdp.pdf", corpus.pdf, "application/pdf", 422,
     "unzulässige Steuerzeichen"),
]


@pytest.mark.parametrize(
    ("case", "filename", "build", "declared", "status", "says"), UPLOAD_CASES,
    ids=[case[0] for case in UPLOAD_CASES],
)
def test_a_hostile_file_through_the_page_is_refused_in_german_and_nothing_is_stored(
    person: Person, app_provider: Provider, case: str, filename: str, build: object,
    declared: str, status: int, says: str,
) -> None:
    assert callable(build)
    files = [pdf_file("Gut.pdf"), ("documents", (filename, build(), declared))]
    page = _apply(person, files=files)
    assert page.status_code == status, page.text[:500]
    assert says in _error_of(page, "documents")
    assert 'value="Moselweingut Beispiel GmbH"' in page.text
    assert stored(app_provider) == NOTHING


def test_a_nul_in_a_file_name_is_refused_and_nothing_is_stored(
    person: Person, app_provider: Provider
) -> None:
    """httpx percent-encodes control characters in file names, so the body is written here."""
    page = person.page("/organizations/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    boundary = "sk-boundary-7"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode()
        for name, value in [*fields().items(), ("csrf_token", token.group(1))]
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; '
        f'filename="Satzung\x00.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + corpus.pdf() + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    answer = person.http.post(
        "/organizations/new", content=body, follow_redirects=False,
        headers={"Origin": ORIGIN, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 422, answer.text[:500]
    assert "unzulässige Steuerzeichen" in _error_of(answer, "documents")
    assert stored(app_provider) == NOTHING


def test_six_files_are_refused_and_nothing_is_stored(
    person: Person, app_provider: Provider
) -> None:
    page = _apply(person, files=[pdf_file(f"Dokument{i}.pdf") for i in range(6)])
    assert page.status_code == 413
    assert "höchstens 5 Dateien auf einmal" in _error_of(page, "documents")
    assert stored(app_provider) == NOTHING


def test_a_body_over_the_upload_cap_gets_the_413_page_and_nothing_is_stored(
    person: Person, app_provider: Provider
) -> None:
    page = person.page("/organizations/new")
    files = [pdf_file(f"Gross{i}.pdf", b"%PDF-1.7\n" + b"0" * (10 * MB)) for i in range(5)]
    files.append(pdf_file("Noch.pdf", b"%PDF-1.7\n" + b"0" * (2 * MB)))
    answer = person.post("/organizations/new", page, fields(), files=files)
    assert answer.status_code == 413
    assert "höchstens 5 Dateien mit je 10 MB" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert stored(app_provider) == NOTHING


def test_a_body_over_the_app_cap_is_still_413_on_other_pages(person: Person) -> None:
    page = person.page("/account")
    answer = person.post("/account/email", page, {"email": "x" * (2 * MB)})
    assert answer.status_code == 413


# -- CSRF and Origin ------------------------------------------------------------------------------


def test_an_upload_without_the_csrf_token_or_from_another_origin_is_refused(
    person: Person, app_provider: Provider
) -> None:
    page = person.page("/organizations/new")
    data = [*fields().items(), ("doc_type", "handelsregisterauszug")]
    without_token = person.post("/organizations/new", None, data, files=[pdf_file()])
    assert without_token.status_code == 403
    foreign = person.post("/organizations/new", page, data, files=[pdf_file()],
                          origin="https://evil.example")
    assert foreign.status_code == 403
    assert "Formular abgelaufen" in foreign.text
    assert stored(app_provider) == NOTHING


# -- answering a request --------------------------------------------------------------------------


def test_the_applicant_reads_the_request_and_answers_with_a_document(
    person: Person, app_provider: Provider
) -> None:
    organisation_id = _organisation_id(_apply(person))
    officer = staff(app_provider.sessions, app_provider.clock.now(), "vg-cochem")
    with app_provider.sessions() as db:
        review.decide(db, staff_id=officer, organisation_id=organisation_id,
                      decision="request_info",
                      reason="Bitte reichen Sie die Gewerbeanmeldung nach.",
                      now=app_provider.clock.now(), issuer=ISSUER)
        db.commit()

    page = person.page(f"/organizations/applications/{organisation_id}")
    assert "Rückfrage: Ihre Antwort wird benötigt" in page.text
    assert "Bitte reichen Sie die Gewerbeanmeldung nach." in page.text
    assert "Bitte reichen Sie die Gewerbeanmeldung nach." in person.page("/organizations").text
    action = f"/organizations/applications/{organisation_id}/supplement"
    assert f'action="{action}"' in page.text

    bad = person.post(action, page, [("doc_type", "gewerbeanmeldung")],
                      files=[pdf_file("Gewerbe.pdf", corpus.pdf_with_launch())])
    assert bad.status_code == 422
    assert "Programm startet" in _error_of(bad, "documents")
    assert stored(app_provider).documents == 1

    answer = person.post(action, page, [("answer", "Anbei die Gewerbeanmeldung."),
                                        ("doc_type", "gewerbeanmeldung")],
                         files=[pdf_file("Gewerbe.pdf")])
    assert answer.status_code == 303
    assert state_of(app_provider.sessions, organisation_id) == "submitted"
    after = person.page(f"/organizations/applications/{organisation_id}")
    assert "Anbei die Gewerbeanmeldung." in after.text and "Gewerbe.pdf" in after.text
    assert stored(app_provider).documents == 2


# -- activation and the Widerrufscode -------------------------------------------------------------


def _approved_with_letter(person: Person, provider: Provider) -> tuple[str, QueuedLetter]:
    organisation_id = _organisation_id(_apply(person))
    now = provider.clock.now()
    officer = staff(provider.sessions, now, "vg-cochem")
    with provider.sessions() as db:
        review.decide(db, staff_id=officer, organisation_id=organisation_id, decision="approve",
                      reason="Registerauszug geprüft.", now=now, issuer=ISSUER)
        letter = queue_organisation_activation_letter(
            db, hashing=provider.hashing, organisation_id=organisation_id,
            organisation_name="Moselweingut Beispiel GmbH",
            address_lines=["Moselweinstraße 12a", "56812 Cochem"],
            applicant_account_id=person.account_id, administration_slug="vg-cochem",
            issuer_url=ISSUER, now=now,
        )
        db.commit()
    return organisation_id, letter


def test_the_applicant_activates_with_the_letters_code_and_becomes_first_admin(
    person: Person, app_provider: Provider
) -> None:
    organisation_id, letter = _approved_with_letter(person, app_provider)
    page = person.page(f"/organizations/applications/{organisation_id}")
    assert f"/organizations/activate?organisation={organisation_id}" in page.text
    form = person.page(f"/organizations/activate?organisation={organisation_id}")
    wrong = person.post("/organizations/activate", form,
                        {"organisation": organisation_id, "activation_code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 422
    assert "Der Aktivierungscode ist falsch" in wrong.text
    revocation = person.post("/organizations/activate", form,
                             {"organisation": organisation_id,
                              "activation_code": letter.revocation_code or ""})
    assert revocation.status_code == 422  # the Widerrufscode never activates
    done = person.post("/organizations/activate", form,
                       {"organisation": organisation_id, "activation_code": letter.code})
    assert done.status_code == 303, done.text[:500]
    assert state_of(app_provider.sessions, organisation_id) == "activated"
    overview = person.page("/organizations")
    assert f'href="/organizations/{organisation_id}"' in overview.text
    with app_provider.sessions() as db:
        memberships = memberships_for(db, account_id=person.account_id)
    roles = {m.organisation_id: m.role for m in memberships}
    assert roles == {organisation_id: "admin"}


def test_someone_other_than_the_applicant_cannot_activate(
    person: Person, apply_client: TestClient, app_provider: Provider
) -> None:
    organisation_id, letter = _approved_with_letter(person, app_provider)
    colleague = sign_in(apply_client, app_provider)
    form = colleague.page("/organizations/activate")
    assert "Aktivieren kann nur die Person, die den Antrag gestellt hat" in form.text
    assert 'name="activation_code"' not in form.text  # nothing of theirs to activate
    refused = colleague.post("/organizations/activate", colleague.page("/organizations/new"),
                             {"organisation": organisation_id, "activation_code": letter.code})
    assert refused.status_code == 403
    assert "Aktivieren kann nur die Person, die den Antrag gestellt hat" in refused.text
    assert state_of(app_provider.sessions, organisation_id) == "approved"
    # the stranger's try cost the letter no attempt: the applicant still activates
    own = person.page("/organizations/activate")
    assert person.post("/organizations/activate", own, {
        "organisation": organisation_id, "activation_code": letter.code,
    }).status_code == 303


def test_the_widerrufscode_blocks_without_login_with_one_generic_answer(
    person: Person, apply_client: TestClient, app_provider: Provider
) -> None:
    organisation_id, letter = _approved_with_letter(person, app_provider)
    stranger = TestClient(apply_client.app, base_url=ORIGIN)  # no session at all
    nobody = Person("", "", stranger)
    form = nobody.page("/organizations/revoke")
    assert form.status_code == 200
    answers = [
        nobody.post("/organizations/revoke", form,
                    {"reference": reference, "revocation_code": code})
        for reference, code in (
            ("ZZZZ-0000", letter.revocation_code or ""),  # unknown reference
            (letter.reference, "AAAA-BBBB-CCCC"),  # wrong code
            (letter.reference, letter.code),  # the activation code does not block
        )
    ]
    texts = {re.sub(r'value="[^"]*"', "", a.text) for a in answers}
    assert [a.status_code for a in answers] == [422, 422, 422]
    assert len({t.split('name="csrf_token"')[0] for t in texts}) == 1  # the same message
    assert state_of(app_provider.sessions, organisation_id) == "approved"


def test_the_widerrufscode_closes_the_organisation(
    person: Person, apply_client: TestClient, app_provider: Provider
) -> None:
    organisation_id, letter = _approved_with_letter(person, app_provider)
    nobody = Person("", "", TestClient(apply_client.app, base_url=ORIGIN))
    form = nobody.page("/organizations/revoke")
    done = nobody.post("/organizations/revoke", form, {
        "reference": letter.reference.lower(), "revocation_code": letter.revocation_code or "",
    })
    assert done.status_code == 200
    assert "Das Unternehmenskonto ist gesperrt." in done.text
    assert state_of(app_provider.sessions, organisation_id) == "closed"
    # the letter is used up: the applicant can no longer activate
    own = person.page("/organizations/activate")
    assert "keinen genehmigten Antrag" in own.text


def test_revoking_is_limited_per_ip(
    apply_client: TestClient, app_provider: Provider
) -> None:
    nobody = Person("", "", TestClient(apply_client.app, base_url=ORIGIN))
    form = nobody.page("/organizations/revoke")
    limit = app_provider.settings.login_rate_per_minute
    statuses = [
        nobody.post("/organizations/revoke", form,
                    {"reference": "ABCD-1234", "revocation_code": "AAAA-BBBB-CCCC"}).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[:limit] == [422] * limit
    assert statuses[limit] == 429
    assert ORIGIN  # the same client throughout: one IP
