"""The registration JSON API under /api/v1 (issue 3 item 2 and 4), problem details on errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from tests.registration.test_flow import CODE, TYPED, letter_pdf_text, mails_to
from tests.support import Browser, Rp, full_login, make_client

BODY: dict[str, Any] = {**TYPED, "privacy_consent": True}


def test_registration_api_answers_202_for_new_and_known_addresses(
    app_client: TestClient, provider: Provider
) -> None:
    first = app_client.post("/api/v1/registrations", json=BODY)
    again = app_client.post("/api/v1/registrations", json=BODY)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()


def test_registration_api_refuses_bad_input_with_problem_details(app_client: TestClient) -> None:
    weak = app_client.post("/api/v1/registrations", json={**BODY, "password": "passwort1234"})
    assert weak.status_code == 422
    assert weak.headers["content-type"].startswith("application/problem+json")
    assert "password_too_common" in weak.json()["detail"]
    extra = app_client.post("/api/v1/registrations", json={**BODY, "trust_level": "high"})
    assert extra.status_code == 422
    no_consent = app_client.post("/api/v1/registrations", json={**BODY, "privacy_consent": False})
    assert no_consent.status_code == 422


def test_api_confirmation_and_activation_with_the_account_holders_token(
    app_client: TestClient, provider: Provider, browser: Browser, tmp_path: Path
) -> None:
    assert app_client.post("/api/v1/registrations", json=BODY).status_code == 202
    [mail] = mails_to(provider, BODY["email"])
    token = re.search(r"/register/confirm/(\S+)", mail["body"])
    assert token
    confirm = app_client.post("/api/v1/registrations/confirmations",
                              json={"token": token.group(1)})
    assert confirm.status_code == 204
    reuse = app_client.post("/api/v1/registrations/confirmations",
                            json={"token": token.group(1)})
    assert reuse.status_code == 422

    # a self-service app of the person: user token with scope `account`
    client = make_client(provider, scopes=["openid", "account"])
    rp = Rp(app_client, client)
    browser.post_form("/login", {"username": BODY["email"], "password": BODY["password"]},
                      browser.get("/login"))
    params = full_login(browser, rp, BODY["email"], scope="openid account")
    access = rp.redeem(params["code"]).json()["access_token"]
    auth = {"Authorization": f"Bearer {access}"}

    before = app_client.get("/api/v1/account/identity", headers=auth)
    assert before.status_code == 200
    assert before.json()["verified"] is False
    assert before.json()["letter"]["status"] == "queued"
    wrong = app_client.post("/api/v1/account/identity/activation", headers=auth,
                            json={"activation_code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 422
    _letter, text = letter_pdf_text(provider, tmp_path)
    code = CODE.search(text)
    assert code
    done = app_client.post("/api/v1/account/identity/activation", headers=auth,
                           json={"activation_code": code.group(1)})
    assert done.status_code == 200, done.text
    assert done.json()["verified"] is True
    assert done.json()["letter"]["status"] == "activated"


def test_identity_api_needs_a_person_not_a_machine(
    app_client: TestClient, provider: Provider
) -> None:
    machine = make_client(provider, grant_types=["client_credentials"], scopes=["account"],
                          redirect_uris=[])
    token = app_client.post("/token", data={"grant_type": "client_credentials"},
                            auth=(machine.client_id, machine.client_secret or ""))
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert app_client.get("/api/v1/account/identity", headers=headers).status_code == 403
    assert app_client.get("/api/v1/account/identity").status_code == 401
