"""The JSON API of company registration (DESIGN §9: `POST /api/v1/organizations` multipart with
the form's fields, `GET /api/v1/organizations`, `GET /api/v1/organizations/{id}`): the person's
own access token (scope `account`), problem details with one entry per field, the upload
attack corpus with nothing stored, other people's applications 404."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from servicekonto.uploads.check import MB
from tests.companies.apply_support import NOTHING, fields, pdf_file, stored
from tests.support import Browser, Rp, full_login, make_account, make_client
from tests.uploads import corpus

PROBLEM = "application/problem+json"


def _token(client: TestClient, provider: Provider, scope: str = "openid account") -> str:
    """A person's own access token from a real authorization code flow."""
    rp_client = make_client(provider, scopes=["openid", "account", "profile"])
    email = make_account(provider)
    rp = Rp(client, rp_client)
    browser = Browser(TestClient(client.app, base_url="http://testserver"))
    params = full_login(browser, rp, email, scope=scope)
    tokens = rp.redeem(params["code"]).json()
    return str(tokens["access_token"])


@pytest.fixture
def token(apply_client: TestClient, app_provider: Provider) -> str:
    return _token(apply_client, app_provider)


def _post(client: TestClient, token: str, data: list[tuple[str, str]] | dict[str, Any],
          files: list[Any]) -> httpx.Response:
    return client.post("/api/v1/organizations", data=data, files=files,
                       headers={"Authorization": f"Bearer {token}"})


def test_a_person_registers_by_api_and_reads_only_their_own(
    apply_client: TestClient, app_provider: Provider, token: str
) -> None:
    created = _post(apply_client, token, {**fields(), "doc_type": "handelsregisterauszug"},
                    [pdf_file()])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "submitted"
    assert body["administration"] == "Verbandsgemeinde Cochem"
    assert body["register_entry"] == "Amtsgericht Koblenz, HRB 1234 B"
    assert [d["doc_type"] for d in body["documents"]] == ["handelsregisterauszug"]
    assert body["documents"][0]["scan_status"] == "skipped"
    assert [s["action"] for s in body["history"]] == ["submit"]
    assert created.headers["location"] == f"/api/v1/organizations/{body['id']}"

    auth = {"Authorization": f"Bearer {token}"}
    listed = apply_client.get("/api/v1/organizations", headers=auth).json()
    assert [o["id"] for o in listed["organizations"]] == [body["id"]]
    one = apply_client.get(f"/api/v1/organizations/{body['id']}", headers=auth)
    assert one.status_code == 200 and one.json()["name"] == "Moselweingut Beispiel GmbH"

    other = _token(apply_client, app_provider)
    foreign = apply_client.get(f"/api/v1/organizations/{body['id']}",
                               headers={"Authorization": f"Bearer {other}"})
    assert foreign.status_code == 404
    assert foreign.headers["content-type"] == PROBLEM
    assert apply_client.get("/api/v1/organizations", headers={
        "Authorization": f"Bearer {other}"}).json() == {"organizations": []}


def test_every_field_problem_is_listed_and_nothing_is_stored(
    apply_client: TestClient, app_provider: Provider, token: str
) -> None:
    answer = _post(apply_client, token,
                   fields(name="", postal_code="5681", vat_id="DE123456789"),
                   [pdf_file("Satzung.pdf", corpus.pdf_with_open_action())])
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["title"] == "invalid_application"
    assert {(p["field"], p["code"]) for p in problem["problems"]} == {
        ("name", "name_required"),
        ("postal_code", "postal_code_malformed"),
        ("vat_id", "vat_id_check_digit"),
        ("documents", "pdf_open_action"),
    }
    assert stored(app_provider) == NOTHING


def test_outside_the_region_is_a_clear_problem(
    apply_client: TestClient, app_provider: Provider, token: str
) -> None:
    answer = _post(apply_client, token, fields(postal_code="10115"), [pdf_file()])
    assert answer.status_code == 422
    assert answer.json()["title"] == "outside_region"
    assert stored(app_provider) == NOTHING


API_UPLOAD_CASES = [
    ("Foto.jpg", corpus.jpeg_with_pdf_inside, "image/jpeg", 422, "file_polyglot"),
    ("Satzung.pdf", corpus.pdf_with_javascript, "application/pdf", 422, "pdf_javascript"),
    ("Satzung.pdf", corpus.pdf_with_open_action, "application/pdf", 422, "pdf_open_action"),
    ("Satzung.pdf", corpus.pdf_with_launch, "application/pdf", 422, "pdf_launch"),
    ("Satzung.pdf", corpus.pdf_with_embedded_file, "application/pdf", 422, "pdf_embedded_file"),
    ("Auszug.pdf", lambda: corpus.pdf()[:200], "application/pdf", 422, "file_truncated"),
    ("Gross.pdf", lambda: b"%PDF-1.7\n" + b"0" * (10 * MB), "application/pdf", 413,
     "file_too_large"),
    ("Auszug.jpg", corpus.pdf, "image/jpeg", 415, "file_extension_mismatch"),
    ("../../etc/passwd.pdf", corpus.pdf, "application/pdf", 422, "file_name_path"),
    ("Rechnung\u202efdp.pdf", corpus.pdf, "application/pdf", 422, "file_name_control"),
]


@pytest.mark.parametrize(("filename", "build", "declared", "status", "code"), API_UPLOAD_CASES,
                         ids=[case[4] for case in API_UPLOAD_CASES])
def test_a_hostile_file_through_the_api_keeps_its_status_and_code_and_nothing_is_stored(
    apply_client: TestClient, app_provider: Provider, token: str, filename: str, build: Any,
    declared: str, status: int, code: str,
) -> None:
    answer = _post(apply_client, token, fields(),
                   [pdf_file("Gut.pdf"), ("documents", (filename, build(), declared))])
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["title"] == code
    assert answer.json()["detail"].startswith("file 2")
    assert stored(app_provider) == NOTHING


def test_six_files_and_a_body_over_the_cap_are_413(
    apply_client: TestClient, app_provider: Provider, token: str
) -> None:
    six = _post(apply_client, token, fields(), [pdf_file(f"D{i}.pdf") for i in range(6)])
    assert (six.status_code, six.json()["title"]) == (413, "too_many_files")
    huge = [pdf_file(f"G{i}.pdf", b"%PDF-1.7\n" + b"0" * (10 * MB)) for i in range(5)]
    over = _post(apply_client, token, fields(),
                 [*huge, pdf_file("N.pdf", b"%PDF-1.7\n" + b"0" * (2 * MB))])
    assert over.status_code == 413
    assert over.headers["content-type"] == PROBLEM
    assert over.json()["title"] == "payload_too_large"
    assert stored(app_provider) == NOTHING


def test_without_a_person_token_or_with_unknown_fields_it_is_refused(
    apply_client: TestClient, app_provider: Provider, token: str
) -> None:
    anonymous = apply_client.post("/api/v1/organizations", data=fields(), files=[pdf_file()])
    assert anonymous.status_code == 401
    without_scope = _token(apply_client, app_provider, scope="openid profile")
    assert _post(apply_client, without_scope, fields(), [pdf_file()]).status_code == 403
    unknown = _post(apply_client, token, {**fields(), "state": "approved"}, [pdf_file()])
    assert unknown.status_code == 422
    assert "unknown fields: state" in unknown.json()["detail"]
    assert stored(app_provider) == NOTHING
