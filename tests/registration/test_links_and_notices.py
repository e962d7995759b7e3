"""Issue 10 item 17: the login page shows the success notice after a password reset (from an
allow-list of notice keys), and opening the e-mail confirmation link spends nothing — only the
POST from the page it opens confirms (a mail system's link scanner cannot use it up)."""

from __future__ import annotations

import re

from sqlalchemy import select

from servicekonto.db.models import Account, EmailToken
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest
from tests.registration.test_flow import TYPED, mails_to, register
from tests.registration.test_recovery import NEW_PASSWORD, request_reset, reset_link, set_password
from tests.support import Browser, make_account, page_text

CHANGED = page_text("login.notice.password_changed")


def test_login_page_shows_the_password_changed_notice_after_a_reset(
    browser: Browser, provider: Provider
) -> None:
    email = make_account(provider)
    request_reset(browser, email)
    done = set_password(browser, reset_link(browser, provider, email), NEW_PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/login?notice=password_changed"
    page = browser.get(done.headers["location"])
    assert page.status_code == 200
    assert CHANGED in page.text
    assert 'role="status"' in page.text


def test_login_notice_comes_only_from_the_allow_list(browser: Browser) -> None:
    plain = browser.get("/login")
    for junk in ("revoked", "<script>alert(1)</script>", "login.title", ""):
        page = browser.get("/login", params={"notice": junk})
        assert page.status_code == 200
        assert 'class="notice notice--success"' not in page.text
        assert "<script>alert" not in page.text
    assert CHANGED not in plain.text


def _confirmation_link(browser: Browser, provider: Provider) -> str:
    assert register(browser, TYPED).status_code == 303
    [mail] = mails_to(provider, TYPED["email"])
    link = re.search(r"http://testserver(/register/confirm/(\S+))", mail["body"])
    assert link
    return link.group(1)


def _verified(provider: Provider) -> bool:
    with provider.sessions() as db:
        return bool(db.scalars(select(Account.email_verified)).one())


def test_opening_the_confirmation_link_spends_nothing(
    browser: Browser, provider: Provider
) -> None:
    path = _confirmation_link(browser, provider)
    token = path.rsplit("/", 1)[1]
    for _ in range(3):  # a link scanner, a preview, the person
        page = browser.get(path)
        assert page.status_code == 200
        assert 'action="/register/confirm"' in page.text and 'method="post"' in page.text
    assert not _verified(provider)
    with provider.sessions() as db:
        row = db.get(EmailToken, digest(token))
        assert row is not None and row.used_at is None

    confirmed = browser.post_form("/register/confirm", {"token": token}, page)
    assert confirmed.status_code == 200
    assert "E-Mail-Adresse bestätigt" in confirmed.text
    assert _verified(provider)
    again = browser.post_form("/register/confirm", {"token": token}, page)
    assert again.status_code == 400  # single use
    assert browser.get(path).status_code == 400  # a used link says so on opening


def test_confirmation_post_needs_the_csrf_token_and_our_origin(
    browser: Browser, provider: Provider
) -> None:
    path = _confirmation_link(browser, provider)
    token = path.rsplit("/", 1)[1]
    no_token = browser.post_form("/register/confirm", {"token": token})  # no csrf_token
    assert no_token.status_code == 403
    page = browser.get(path)
    foreign = Browser(browser.http, origin="https://evil.example")
    assert foreign.post_form("/register/confirm", {"token": token}, page).status_code == 403
    assert not _verified(provider)


def test_an_unknown_confirmation_link_says_invalid_on_opening(browser: Browser) -> None:
    page = browser.get("/register/confirm/kein-gueltiger-link")
    assert page.status_code == 400
    assert "Der Link ist ungültig oder abgelaufen" in page.text
    assert 'name="token"' not in page.text
