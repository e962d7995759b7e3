"""Issue 10 item 20: a logged-in person changes the password (current one + new one, rate
limited, other sessions end, notice mail) and the e-mail address (link to the new address,
confirmed by a POST from the page the link opens, notice to the old address, rate limited)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.clock import FixedClock
from servicekonto.db.models import Account, OutboxMessage
from servicekonto.oidc.provider import Provider
from tests.registration.test_recovery import (
    NEW_PASSWORD,
    can_log_in,
    login,
    mails_to,
    request_reset,
    reset_link,
)
from tests.support import (
    PASSWORD,
    Browser,
    Rp,
    account_id_of,
    full_login,
    make_account,
    make_client,
    page_text,
)
from tests.test_account_page import eid_account_session

NEW_EMAIL = "neue.adresse@example.org"
CONFIRM = re.compile(r"http://testserver(/account/email/confirm/([A-Za-z0-9_-]+))")


def signed_in(app_client: TestClient, email: str) -> Browser:
    """Another browser (its own cookies) on the same app, logged in."""
    other = Browser(TestClient(app_client.app, base_url="http://testserver"))
    assert login(other, email, PASSWORD).status_code == 303
    return other


def change_password(browser: Browser, current: str, new: str, repeat: str | None = None) -> Any:
    page = browser.get("/account/password")
    assert page.status_code == 200
    data = {"password": current, "new_password": new,
            "new_password_repeat": new if repeat is None else repeat}
    return browser.post_form("/account/password", data, page)


def field_error(page: httpx.Response, field: str) -> str:
    found = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', page.text, re.S)
    assert found, page.text[:500]
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Fehler: ", "").strip()


# -- password --------------------------------------------------------------------------------------


def test_security_page_links_to_the_change_form_not_to_forgot_password(
    browser: Browser, provider: Provider
) -> None:
    login(browser, make_account(provider), PASSWORD)
    page = browser.get("/account/security")
    assert 'href="/account/password"' in page.text
    assert 'href="/password/forgot"' not in page.text
    assert 'href="/account/password"' in browser.get("/account").text


@pytest.mark.postgres
def test_c04_change_password_sets_it_ends_other_sessions_and_sends_a_notice(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    login(browser, email, PASSWORD)
    elsewhere = signed_in(app_client, email)
    rp = Rp(elsewhere.http, make_client(provider, backchannel_logout_uri="https://rp.example/bcl"))
    full_login(elsewhere, rp, email)  # a portal signed in through the other session

    done = change_password(browser, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/account?notice=password_changed"
    page = browser.get(done.headers["location"])
    assert page.status_code == 200  # this browser stays signed in
    assert page_text("account.password_changed") in page.text
    assert elsewhere.get("/account").status_code == 303  # the other session has ended

    assert can_log_in(app_client, email, NEW_PASSWORD)
    assert not can_log_in(app_client, email, PASSWORD)
    assert [m["subject"] for m in mails_to(provider, email)] == ["Ihr Passwort wurde geändert"]
    with provider.sessions() as db:
        logouts = [m.payload for m in db.scalars(select(OutboxMessage))
                   if m.kind != "mail"]
    assert [p["client_id"] for p in logouts] == [rp.client.client_id]
    assert logouts[0]["sid"]


def test_c04_change_password_needs_the_current_password(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    login(browser, email, PASSWORD)
    refused = change_password(browser, "not-my-password-1", NEW_PASSWORD)
    assert refused.status_code == 422
    assert field_error(refused, "password") == "Das bisherige Passwort ist falsch."
    assert can_log_in(app_client, email, PASSWORD)
    assert mails_to(provider, email) == []


def test_c04_change_password_applies_the_policy_and_the_repeat(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    login(browser, email, PASSWORD)
    weak = change_password(browser, PASSWORD, "passwort1234")
    assert weak.status_code == 422 and "häufig verwendet" in field_error(weak, "new_password")
    typo = change_password(browser, PASSWORD, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    assert typo.status_code == 422 and "stimmen nicht" in field_error(typo, "new_password_repeat")
    assert can_log_in(app_client, email, PASSWORD)


def test_change_password_is_rate_limited_per_ip(browser: Browser, provider: Provider) -> None:
    login(browser, make_account(provider), PASSWORD)
    limit = provider.settings.login_rate_per_minute
    statuses = {change_password(browser, "x", "y", repeat="z").status_code for _ in range(limit)}
    assert statuses == {422}
    last = change_password(browser, "x", "y", repeat="z")
    assert last.status_code == 429 and int(last.headers["retry-after"]) > 0


def test_change_password_needs_a_session(browser: Browser) -> None:
    assert browser.get("/account/password").headers["location"] == "/login"


def test_account_without_password_is_told_it_has_none(
    app_client: TestClient, provider: Provider
) -> None:
    eid_account_session(app_client, provider)
    page = app_client.get("/account/password")
    assert page.status_code == 200
    assert "Ihr Konto hat kein Passwort: Sie melden sich mit dem Online-Ausweis an." in page.text
    assert 'name="new_password"' not in page.text
    assert 'href="/account/password"' not in app_client.get("/account").text


# -- e-mail address --------------------------------------------------------------------------------


def request_change(browser: Browser, new: str, password: str = PASSWORD) -> httpx.Response:
    page = browser.get("/account/email/change")
    assert page.status_code == 200
    return browser.post_form("/account/email/change", {"email": new, "password": password}, page)


def account_email(provider: Provider, account_id: str) -> tuple[str | None, bool]:
    with provider.sessions() as db:
        account = db.get(Account, account_id)
        assert account is not None
        return account.email, account.email_verified


@pytest.mark.postgres
def test_email_change_is_confirmed_by_a_post_from_the_new_address(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    account_id = account_id_of(provider, email)
    login(browser, email, PASSWORD)
    sent = request_change(browser, NEW_EMAIL.upper())
    assert sent.status_code == 303
    assert sent.headers["location"] == "/account?notice=email_change_sent"
    assert account_email(provider, account_id) == (email, True)  # unchanged until confirmed
    [notice] = mails_to(provider, email)
    assert notice["subject"] == "Änderung Ihrer E-Mail-Adresse beantragt"
    [mail] = mails_to(provider, NEW_EMAIL)
    link = CONFIRM.search(mail["body"])
    assert link

    scanner = Browser(TestClient(app_client.app))
    for user_agent in (scanner, browser):  # opening the link spends nothing
        page = user_agent.get(link.group(1))
        assert page.status_code == 200 and 'action="/account/email/confirm"' in page.text
    assert account_email(provider, account_id) == (email, True)

    confirmed = browser.post_form("/account/email/confirm", {"token": link.group(2)}, page)
    assert confirmed.status_code == 200
    assert account_email(provider, account_id) == (NEW_EMAIL, True)
    assert [m["subject"] for m in mails_to(provider, email)][-1] == (
        "Ihre E-Mail-Adresse wurde geändert"
    )
    assert can_log_in(app_client, NEW_EMAIL, PASSWORD)
    assert not can_log_in(app_client, email, PASSWORD)
    again = browser.post_form("/account/email/confirm", {"token": link.group(2)}, page)
    assert again.status_code == 400
    assert browser.get(link.group(1)).status_code == 400


def test_email_change_needs_the_current_password(browser: Browser, provider: Provider) -> None:
    email = make_account(provider)
    login(browser, email, PASSWORD)
    refused = request_change(browser, NEW_EMAIL, password="not-my-password-1")
    assert refused.status_code == 422
    assert field_error(refused, "password") == "Das bisherige Passwort ist falsch."
    assert mails_to(provider, NEW_EMAIL) == [] and mails_to(provider, email) == []


def test_email_change_to_a_taken_address_gives_the_same_answer_and_no_link(
    browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    taken = make_account(provider)
    login(browser, email, PASSWORD)
    sent = request_change(browser, taken)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/account?notice=email_change_sent"
    [mail] = mails_to(provider, taken)
    assert not CONFIRM.search(mail["body"])
    assert account_email(provider, account_id_of(provider, email))[0] == email


def test_email_change_refuses_the_current_address(browser: Browser, provider: Provider) -> None:
    email = make_account(provider)
    login(browser, email, PASSWORD)
    same = request_change(browser, email)
    assert same.status_code == 422
    assert field_error(same, "email") == "Das ist bereits Ihre E-Mail-Adresse."


def test_email_change_mails_per_account_are_limited(
    browser: Browser, provider: Provider, clock: FixedClock
) -> None:
    email = make_account(provider)
    login(browser, email, PASSWORD)
    for n in range(3):
        assert request_change(browser, f"neu{n}@example.org").status_code == 303
    refused = request_change(browser, "neu9@example.org")
    assert refused.status_code == 429
    assert "mehrere Änderungen" in field_error(refused, "email")
    assert mails_to(provider, "neu9@example.org") == []
    clock.advance(minutes=61)
    login(browser, email, PASSWORD)  # the idle session has decayed meanwhile
    assert request_change(browser, "neu9@example.org").status_code == 303


def test_email_confirmation_post_needs_the_csrf_token(
    browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    account_id = account_id_of(provider, email)
    login(browser, email, PASSWORD)
    request_change(browser, NEW_EMAIL)
    link = CONFIRM.search(mails_to(provider, NEW_EMAIL)[0]["body"])
    assert link
    refused = browser.post_form("/account/email/confirm", {"token": link.group(2)})
    assert refused.status_code == 403
    assert account_email(provider, account_id)[0] == email


def test_confirmed_change_voids_reset_links_sent_to_the_old_address(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    request_reset(browser, email)
    old_reset = reset_link(browser, provider, email)
    login(browser, email, PASSWORD)
    request_change(browser, NEW_EMAIL)
    link = CONFIRM.search(mails_to(provider, NEW_EMAIL)[0]["body"])
    assert link
    page = browser.get(link.group(1))
    assert browser.post_form("/account/email/confirm", {"token": link.group(2)}, page
                             ).status_code == 200
    assert browser.get(old_reset).status_code == 400
