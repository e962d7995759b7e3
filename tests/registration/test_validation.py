"""Issue 10 item 16: registration says what is wrong with a field (too long with the limit, a
birth date in the future or implausibly early, the character outside DIN 91379), the same way
on the web form and the JSON API (one validator: `RegistrationInput` plus the service)."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.accounts.service import attributes_of
from servicekonto.db.models import Account
from servicekonto.oidc.provider import Provider
from servicekonto.registration.din91379 import (
    _LETTER_SEQUENCES,
    DataType,
    first_refused,
)
from tests.registration.test_flow import TYPED, register
from tests.support import PASSWORD, Browser, make_account

REQUIRED = "Bitte füllen Sie dieses Feld aus"
FORMAT = "Format JJJJ-MM-TT"


def field_error(page: Any, field: str) -> str:
    """The text of the inline error of `field` (without the hidden "Fehler:" prefix)."""
    found = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', page.text, re.S)
    assert found, f"no error shown for {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("Fehler: ", "").strip()


@pytest.mark.parametrize(
    ("field", "length", "limit"),
    [("given_name", 5000, 200), ("family_name", 201, 200), ("house_number", 300, 20),
     ("street", 5000, 200), ("locality", 101, 100)],
)
def test_too_long_field_says_too_long_with_the_limit(
    browser: Browser, field: str, length: int, limit: int
) -> None:
    page = register(browser, {**TYPED, field: "a" * length})
    assert page.status_code == 422
    message = field_error(page, field)
    assert message == (
        f"Die Eingabe ist zu lang: höchstens {limit} Zeichen, Sie haben {length} eingegeben."
    )
    assert REQUIRED not in page.text


def test_overlong_password_says_too_long_not_too_short(browser: Browser) -> None:
    page = register(browser, {**TYPED, "password": "x" * 5000})
    assert page.status_code == 422
    assert field_error(page, "password").startswith("Das Passwort ist zu lang")


def test_birth_date_in_the_future_says_so(browser: Browser) -> None:
    page = register(browser, {**TYPED, "birth_date": "2030-01-01"})  # the clock is 2026-11-21
    assert page.status_code == 422
    assert field_error(page, "birth_date") == (
        "Das Geburtsdatum liegt in der Zukunft. Bitte prüfen Sie das Datum."
    )
    assert FORMAT not in field_error(page, "birth_date")


def test_birth_date_before_1900_is_called_implausible(browser: Browser) -> None:
    page = register(browser, {**TYPED, "birth_date": "1800-05-01"})
    assert page.status_code == 422
    message = field_error(page, "birth_date")
    assert "vor dem Jahr 1900" in message and "nicht plausibel" in message
    assert FORMAT not in message


def test_a_malformed_birth_date_still_names_the_format(browser: Browser) -> None:
    page = register(browser, {**TYPED, "birth_date": "23.07.1958"})
    assert page.status_code == 422
    assert FORMAT in field_error(page, "birth_date")


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [("given_name", "Jürgen 😀", "„😀“ (U+1F600)"),
     ("family_name", "Müller2", "„2“ (U+0032)"),
     ("given_name", "Jürgen\u200b", "U+200B"),
     ("family_name", "Мüller", "„М“ (U+041C)")],  # Cyrillic capital EM: not DIN 91379 type A
)
def test_name_outside_din_91379_names_the_character(
    browser: Browser, provider: Provider, field: str, value: str, shown: str
) -> None:
    page = register(browser, {**TYPED, field: value})
    assert page.status_code == 422
    assert field_error(page, field).startswith(
        f"Das Zeichen {shown} ist in Namen nicht erlaubt."
    )
    with provider.sessions() as db:
        assert db.scalar(select(Account.id)) is None


def test_a_control_character_in_a_name_is_refused_before_the_form_and_stores_nothing(
    browser: Browser, provider: Provider
) -> None:
    """Control characters never reach a validator: the app-wide input gate refuses them with
    its German page (issue 10 #7), so no account is written either."""
    page = register(browser, {**TYPED, "family_name": "Weiß\u0007müller"})
    assert page.status_code == 422
    assert "Steuerzeichen" in page.text
    with provider.sessions() as db:
        assert db.scalar(select(Account.id)) is None


def test_address_outside_din_91379_names_the_character(browser: Browser) -> None:
    page = register(browser, {**TYPED, "locality": "Zell 🏰"})
    assert page.status_code == 422
    assert field_error(page, "locality").startswith("Das Zeichen „🏰“ (U+1F3F0) ist hier nicht")


def test_din_91379_names_are_accepted_and_stored_in_nfc(
    browser: Browser, provider: Provider
) -> None:
    decomposed = "Ma\u0308del-Łucja O’Brien-Ñúñez"  # "ä" typed as a + combining diaeresis
    family = "d'Artagnan-Ș. ẞtraße K\u035fH"  # a DIN 91379 letter sequence (K͟H)
    data = {**TYPED, "given_name": decomposed, "family_name": family,
            "street": "Rue de l'Église (Hof)", "house_number": "7 a/1"}
    assert register(browser, data).status_code == 303
    with provider.sessions() as db:
        account = db.scalars(select(Account)).one()
        typed = attributes_of(account)
    assert typed["given_name"].value == unicodedata.normalize("NFC", decomposed)
    assert typed["given_name"].value.startswith("Mädel")
    assert typed["family_name"].value == family


def test_din_91379_letter_sequences_survive_nfc() -> None:
    """The check compares in NFC, so every listed sequence must be its own NFC form."""
    for sequence in _LETTER_SEQUENCES:
        text = "".join(chr(int(p, 16)) for p in sequence.split())
        assert unicodedata.normalize("NFC", text) == text, sequence
        assert first_refused(text, DataType.PERSON_NAME) is None, sequence


def test_din_91379_refuses_a_stray_combining_mark_and_names_it() -> None:
    assert first_refused("Qx\u0301", DataType.PERSON_NAME) == "\u0301"
    assert first_refused("Hauptstr. 7", DataType.PERSON_NAME) == "7"
    assert first_refused("Hauptstr. 7/1 (Hof)", DataType.OTHER_NAME) is None
    assert first_refused("a×b", DataType.PERSON_NAME) == "×"


def test_api_uses_the_same_validator(app_client: TestClient) -> None:
    body = {**TYPED, "privacy_consent": True}
    emoji = app_client.post("/api/v1/registrations", json={**body, "given_name": "Anna 😀"})
    assert emoji.status_code == 422
    assert emoji.headers["content-type"].startswith("application/problem+json")
    detail = emoji.json()["detail"]
    assert "given_name" in detail and "U+1F600" in detail and detail.isascii()

    long = app_client.post("/api/v1/registrations", json={**body, "house_number": "1" * 300})
    assert long.status_code == 422 and "house_number" in long.json()["detail"]
    assert "at most 20 characters" in long.json()["detail"]

    future = app_client.post("/api/v1/registrations", json={**body, "birth_date": "2030-01-01"})
    assert future.status_code == 422 and "birth_date_in_future" in future.json()["detail"]

    old = app_client.post("/api/v1/registrations", json={**body, "birth_date": "1800-01-01"})
    assert old.status_code == 422 and "birth_date before 1900" in old.json()["detail"]


def test_totp_enrolment_error_is_shown_once(browser: Browser, provider: Provider) -> None:
    email = make_account(provider)
    browser.post_form("/login", {"username": email, "password": PASSWORD}, browser.get("/login"))
    enrol = browser.get("/account/security/totp")
    assert enrol.status_code == 200
    means_id = re.search(r'name="means_id" value="([^"]+)"', enrol.text)
    assert means_id
    wrong = browser.post_form(
        "/account/security/totp", {"otp": "000000", "means_id": means_id.group(1), "next": ""},
        enrol,
    )
    assert wrong.status_code == 400
    message = (
        "Der Code stimmt nicht. Prüfen Sie die Uhrzeit Ihres Telefons und versuchen Sie es mit dem "
        "nächsten Code."
    )
    assert wrong.text.count(message) == 1
    assert 'role="alert"' in wrong.text and 'href="#otp"' in wrong.text
