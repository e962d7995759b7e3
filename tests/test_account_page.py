"""Issue 10 item 14: the account page names the person (also without an e-mail address), writes
dates the German way, labels scopes in German and offers the letter only while the identity is
not yet confirmed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.service import create_account
from servicekonto.accounts.sessions import start_session
from servicekonto.oidc.provider import Provider
from servicekonto.web.routes.signin import EID_AMR
from tests.support import ERIKA, PASSWORD, Browser, Rp, full_login, make_account, make_client


def eid_account_session(app_client: TestClient, provider: Provider) -> None:
    """An account opened with the Online-Ausweis (no e-mail, no password), signed in."""
    with provider.sessions() as db:
        account = create_account(
            db, hashing=provider.hashing, now=provider.clock.now(), email=None, password=None,
            attributes=ERIKA, level=TrustLevel.HIGH, source="eid",
        )
        cookie, _ = start_session(db, account_id=account.id, level=TrustLevel.HIGH,
                                  amr=EID_AMR, now=provider.clock.now())
        db.commit()
    app_client.cookies.set("sk_session", cookie)


def login(browser: Browser, email: str) -> Any:
    response = browser.post_form("/login", {"username": email, "password": PASSWORD},
                                 browser.get("/login"))
    assert response.status_code == 303
    page = browser.get("/account")
    assert page.status_code == 200
    return page


def test_eid_account_is_greeted_by_name(app_client: TestClient, provider: Provider) -> None:
    eid_account_session(app_client, provider)
    page = app_client.get("/account")
    assert page.status_code == 200
    assert "Sie sind angemeldet als Erika Mustermann." in page.text
    assert "angemeldet als ." not in page.text


def test_password_account_shows_name_and_email(browser: Browser, provider: Provider) -> None:
    email = make_account(provider)
    page = login(browser, email)
    assert f"Sie sind angemeldet als Erika Mustermann ({email})." in page.text


def test_dates_are_written_the_german_way(browser: Browser, provider: Provider) -> None:
    page = login(browser, make_account(provider))
    assert "12.08.1964" in page.text
    assert "1964-08-12" not in page.text
    assert "Heidestraße 17, 51147 Köln" in page.text


def test_scopes_of_a_consent_carry_german_labels(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    full_login(browser, rp, email, scope="openid profile email address offline_access")
    page = browser.get("/account")
    card = page.text[page.text.index('class="card"'):]
    assert "Vorname(n)" in card and "Anschrift" in card  # the claims behind the scopes
    assert "Permanente Authentifikation" in card
    for raw in ("profile", "email", "address", "offline_access"):
        assert not re.search(rf"[>,]\s*{raw}\s*[<,]", card), raw


@pytest.mark.parametrize(
    ("level", "offered"),
    [(TrustLevel.BASIC, True), (TrustLevel.SUBSTANTIAL, False), (TrustLevel.HIGH, False)],
)
def test_letter_section_only_while_the_identity_is_unconfirmed(
    browser: Browser, provider: Provider, level: TrustLevel, offered: bool
) -> None:
    page = login(browser, make_account(provider, level=level))
    assert ('href="/account/identity"' in page.text) is offered


def test_eid_account_gets_no_letter_section(app_client: TestClient, provider: Provider) -> None:
    eid_account_session(app_client, provider)
    assert 'href="/account/identity"' not in app_client.get("/account").text
