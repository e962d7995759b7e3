"""Citizen registration through HTTP (issue 3): sign-up → e-mail link → PIN letter PDF addressed
from the civil register → activation → `verified_claims` (OpenID Connect for Identity Assurance)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from servicekonto.db.models import Account, EmailToken, Letter, OutboxMessage
from servicekonto.letters.store import load_pdf
from servicekonto.oidc.provider import Provider
from servicekonto.register.model import MatchResult, PersonQuery
from servicekonto.register.port import RegisterUnavailable
from tests.support import Browser, Rp, confirm_by_page, decode_jwt, full_login, make_client

PASSWORD = "Moselschleife-Bremm-2026"
CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b")

#: Jürgen Weißmüller (register test person 2), typed the way people type: ASCII folding, "Str.".
TYPED = {
    "email": "juergen@example.org", "password": PASSWORD, "given_name": "Juergen",
    "family_name": "Weissmueller", "birth_date": "1958-07-23", "street": "Balduinstr.",
    "house_number": "5", "postal_code": "56856", "locality": "Zell",
    "privacy_consent": "yes",
}


def register(browser: Browser, data: dict[str, str]) -> Any:
    page = browser.get("/register")
    assert page.status_code == 200
    return browser.post_form("/register", data, page)


def mails_to(provider: Provider, address: str) -> list[dict[str, Any]]:
    with provider.sessions() as db:
        rows = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail"))
        return [r.payload for r in rows if r.payload.get("to") == address]


def letter_pdf_text(provider: Provider, data_dir: Path) -> tuple[Letter, str]:
    with provider.sessions() as db:
        letter = db.scalars(select(Letter)).one()
        pdf = load_pdf(db, letter_id=letter.id)
    assert not (data_dir / "letters").exists()  # in the database, not one instance's directory
    reader = PdfReader(io.BytesIO(pdf))
    return letter, "\n".join(page.extract_text() for page in reader.pages)


def test_registration_to_verified_claims(
    app_client: TestClient, provider: Provider, browser: Browser, tmp_path: Path,
    jwks: dict[str, Any],
) -> None:
    response = register(browser, TYPED)
    assert response.status_code == 303
    assert response.headers["location"] == "/register/done"

    # e-mail confirmation link (outbox) → verified
    [mail] = mails_to(provider, TYPED["email"])
    link = re.search(r"http://testserver(/register/confirm/\S+)", mail["body"])
    assert link
    assert confirm_by_page(browser, link.group(1)).status_code == 200
    assert browser.get(link.group(1)).status_code == 400  # single use

    # the letter goes to the register's address, never the typed one
    letter, text = letter_pdf_text(provider, tmp_path)
    assert "Jürgen Weißmüller" in text
    assert "Balduinstraße 5" in text
    assert "56856 Zell (Mosel)" in text
    assert "Balduinstr." not in text and "Weissmueller" not in text
    code = CODE.search(text)
    assert code, text
    assert code.group(1) not in json.dumps(letter.recipient)

    # the account is `basic` until the letter's code is entered
    page = browser.post_form("/login", {"username": TYPED["email"], "password": PASSWORD},
                             browser.get("/login"))
    assert page.status_code == 303
    identity = browser.get("/account/identity")
    assert 'name="activation_code"' in identity.text
    wrong = browser.post_form("/account/identity", {"activation_code": "AAAA-BBBB-CCCC"},
                              identity)
    assert wrong.status_code == 200 and "falsch" in wrong.text
    done = browser.post_form("/account/identity", {"activation_code": code.group(1)}, identity)
    assert done.status_code == 303
    with provider.sessions() as db:
        account = db.scalars(select(Account).where(Account.email == TYPED["email"])).one()
        levels = {a.name: (a.level, a.source, a.value) for a in account.attributes}
        assert account.register_record_id == "07135-000000000002"
    assert levels["given_name"] == ("substantial", "register", "Jürgen")
    assert levels["family_name"][2] == "Weißmüller"
    assert levels["address"][2]["street_address"] == "Balduinstraße 5"

    # a portal asks for verified claims (OIDC for Identity Assurance) and gets them
    client = make_client(provider)
    rp = Rp(app_client, client)
    claims = {"userinfo": {"verified_claims": {"verification": {"trust_framework": None},
                                               "claims": {"given_name": None,
                                                          "family_name": None,
                                                          "birthdate": None}}},
              "id_token": {"verified_claims": {"verification": {"trust_framework": None},
                                               "claims": {"family_name": None}}}}
    params = full_login(browser, rp, TYPED["email"], claims=json.dumps(claims))
    body = rp.redeem(params["code"]).json()
    _h, id_claims = decode_jwt(body["id_token"], jwks)
    assert id_claims["verified_claims"]["claims"] == {"family_name": "Weißmüller"}
    info = app_client.get("/userinfo",
                          headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    verified = info["verified_claims"]
    assert verified["claims"] == {"given_name": "Jürgen", "family_name": "Weißmüller",
                                  "birthdate": "1958-07-23"}
    verification = verified["verification"]
    assert verification["trust_framework"] == "de_bsi_tr_03160"
    # released at min(attribute level, session level): a password session is `low`
    assert verification["assurance_level"] == "low"
    kinds = [e["type"] for e in verification["evidence"]]
    assert kinds == ["electronic_record", "document"]
    assert verification["evidence"][1]["check_details"][0]["txn"] == letter.id


def test_no_match_gives_the_same_answer_and_a_basic_account(
    provider: Provider, browser: Browser
) -> None:
    data = {**TYPED, "email": "nobody@example.org", "birth_date": "1958-07-24"}  # one day off
    response = register(browser, data)
    assert response.status_code == 303 and response.headers["location"] == "/register/done"
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Letter)) == 0
        account = db.scalars(select(Account).where(Account.email == "nobody@example.org")).one()
        assert {a.level for a in account.attributes} == {"basic"}


def test_known_email_gets_the_same_answer_and_no_second_account(
    provider: Provider, browser: Browser
) -> None:
    first = register(browser, TYPED)
    again = register(browser, {**TYPED, "given_name": "Someone", "password": PASSWORD + "x"})
    assert (first.status_code, first.headers["location"]) == (
        again.status_code, again.headers["location"])
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 1
        assert db.scalar(select(func.count()).select_from(Letter)) == 1
        assert db.scalar(select(func.count()).select_from(EmailToken)) == 1
    assert len(mails_to(provider, TYPED["email"])) == 2  # confirm link + "already registered"


def test_weak_password_and_missing_consent_keep_the_input(browser: Browser) -> None:
    response = register(browser, {**TYPED, "password": "passwort1234", "privacy_consent": ""})
    assert response.status_code == 422
    assert 'value="Weissmueller"' in response.text
    assert 'href="#privacy_consent"' in response.text


class _DownRegister:
    def match(self, query: PersonQuery) -> MatchResult:
        raise RegisterUnavailable("register timed out")


def test_register_outage_stores_nothing_and_says_try_later(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    registration = app_client.app.state.registration  # type: ignore[attr-defined]
    app_client.app.state.registration = type(registration)(  # type: ignore[attr-defined]
        hashing=registration.hashing, register=_DownRegister(), letters=registration.letters,
        issuer=registration.issuer)
    response = register(browser, TYPED)
    assert response.status_code == 503
    assert "Melderegister" in response.text
    assert 'value="Balduinstr."' in response.text
    with provider.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Account)) == 0
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("field", ["given_name", "postal_code", "birth_date", "email"])
def test_each_required_field_is_named_in_the_error_summary(browser: Browser, field: str) -> None:
    response = register(browser, {**TYPED, field: ""})
    assert response.status_code == 422
    assert f'href="#{field}"' in response.text
