"""Browser sessions: TR-03160-1 Tab. 2 limits per level (DESIGN §4) and the cookie (DESIGN §8).

Checklist S-01 (fixation, entropy), S-02 (cookie attributes), S-03 (idle and absolute limits per
level, also bounding the SSO session used by `prompt=none`), S-04 (logout ends the session).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.sessions import load_session
from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import BrowserSession
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.support import (
    CSRF,
    PASSWORD,
    Browser,
    Rp,
    account_id_of,
    make_account,
    make_client,
    start_browser_session,
)

#: Session state is server-side in the database: both backends.
pytestmark = pytest.mark.postgres

COOKIE = "sk_session"
B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


# -- helpers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetCookie:
    name: str
    value: str
    attributes: dict[str, str]  # lower-case attribute name → value ("" for flags)


def set_cookies(response: httpx.Response) -> dict[str, SetCookie]:
    parsed: dict[str, SetCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        pair, *attrs = [part.strip() for part in header.split(";")]
        name, _, value = pair.partition("=")
        attributes = {}
        for attr in attrs:
            key, _, val = attr.partition("=")
            attributes[key.strip().lower()] = val.strip()
        parsed[name] = SetCookie(name, value.strip('"'), attributes)
    return parsed


def login(browser: Browser, email: str, password: str = PASSWORD) -> httpx.Response:
    page = browser.get("/login")
    assert page.status_code == 200
    response = browser.post_form("/login", {"username": email, "password": password}, page)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == "/account"
    return response


def session_cookie(response: httpx.Response, name: str = COOKIE) -> SetCookie:
    cookies = set_cookies(response)
    assert name in cookies, response.headers.get_list("set-cookie")
    return cookies[name]


def is_logged_in(browser: Browser) -> bool:
    response = browser.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == "/login"
    return False


def session_rows(provider: Provider) -> list[BrowserSession]:
    with provider.sessions() as db:
        return list(db.scalars(select(BrowserSession)))


def use_cookie(browser: Browser, value: str) -> None:
    browser.http.cookies.delete(COOKIE)
    browser.http.cookies.set(COOKIE, value)


# -- TR-03160-1 Tab. 2 limits through the pages ----------------------------------------------------


def test_s03_low_session_survives_59_minutes_idle(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    login(browser, make_account(provider))
    clock.advance(minutes=59)
    assert is_logged_in(browser)
    # the visit counted as activity: another 59 minutes are fine again
    clock.advance(minutes=59)
    assert is_logged_in(browser)


def test_s03_low_session_ends_after_61_minutes_idle(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    login(browser, make_account(provider))
    assert is_logged_in(browser)
    clock.advance(minutes=61)
    assert not is_logged_in(browser)
    assert session_rows(provider) == []  # ended server-side, not merely hidden
    clock.advance(minutes=1)
    assert not is_logged_in(browser)


def test_s03_low_session_ends_after_12_hours_despite_activity_every_30_minutes(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    login(browser, make_account(provider))
    for _ in range(23):  # 30 min … 11 h 30 min
        clock.advance(minutes=30)
        assert is_logged_in(browser)
    clock.advance(minutes=30, seconds=1)  # 12 h 00 min 01 s after the login, 30 min idle
    assert not is_logged_in(browser)
    assert session_rows(provider) == []


def test_s03_session_limits_bound_the_sso_session_for_prompt_none(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    rp = Rp(app_client, make_client(provider))
    login(browser, make_account(provider))

    def silent_error() -> str:
        response = browser.get(rp.authorize_url(prompt="none"))
        assert response.status_code in (302, 303), response.text[:300]
        query = parse_qs(urlsplit(response.headers["location"]).query)
        return query["error"][0]

    clock.advance(minutes=59)
    assert silent_error() == "consent_required"  # logged in, only the consent is missing
    clock.advance(minutes=61)
    assert silent_error() == "login_required"


def test_s03_a_stored_session_decays_and_keeps_its_lower_level(
    provider: Provider, clock: FixedClock
) -> None:
    email = make_account(provider)
    cookie, started = start_browser_session(
        provider.sessions,
        account_id=account_id_of(provider, email),
        level=TrustLevel.HIGH,
        amr=["eid"],
        now=clock.now(),
    )
    assert started.level is TrustLevel.HIGH

    def level_now() -> TrustLevel | None:
        with provider.sessions() as db:
            active = load_session(db, cookie_value=cookie, now=clock.now())
            db.commit()
        return active.level if active else None

    clock.advance(minutes=6)  # high idle limit (5 min) passed
    assert level_now() is TrustLevel.SUBSTANTIAL
    assert [r.level for r in session_rows(provider)] == ["substantial"]
    clock.advance(minutes=31)  # substantial idle limit passed
    assert level_now() is TrustLevel.LOW
    # a decayed session never climbs back, even when the higher limits would hold again
    clock.advance(minutes=1)
    assert level_now() is TrustLevel.LOW
    assert [r.level for r in session_rows(provider)] == ["low"]
    clock.advance(minutes=61)
    assert level_now() is None
    assert session_rows(provider) == []


# -- the cookie ------------------------------------------------------------------------------------


def test_s02_session_cookie_attributes(provider: Provider, browser: Browser) -> None:
    cookie = session_cookie(login(browser, make_account(provider)))
    assert "httponly" in cookie.attributes
    assert cookie.attributes.get("samesite", "").lower() == "lax"
    assert cookie.attributes.get("path") == "/"
    assert "domain" not in cookie.attributes
    assert len(cookie.value) >= 43  # ≥ 256 bits from the CSPRNG, base64url
    assert B64URL.match(cookie.value)
    assert len(cookie.name) + len(cookie.value) <= 4096


@pytest.fixture
def https_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"issuer": "https://testserver"}), clock=clock)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_s02_https_issuer_uses_host_prefixed_secure_cookie(https_client: TestClient) -> None:
    provider: Provider = https_client.app.state.provider  # type: ignore[attr-defined]
    browser = Browser(https_client, origin="https://testserver")
    response = login(browser, make_account(provider))
    cookie = session_cookie(response, "__Host-sk_session")
    assert "secure" in cookie.attributes
    assert "httponly" in cookie.attributes
    assert cookie.attributes.get("samesite", "").lower() == "lax"
    assert cookie.attributes.get("path") == "/"
    assert "domain" not in cookie.attributes
    assert COOKIE not in set_cookies(response)
    assert browser.get("/account").status_code == 200


def test_s01_each_login_mints_a_new_cookie_and_kills_the_old_one(
    provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    first = session_cookie(login(browser, email)).value
    assert is_logged_in(browser)
    second = session_cookie(login(browser, email)).value  # logging in again in the same browser
    assert second != first
    assert is_logged_in(browser)
    assert len(session_rows(provider)) == 1  # the old session was replaced, not kept

    use_cookie(browser, first)  # an attacker who planted or stole the old value
    assert not is_logged_in(browser)
    use_cookie(browser, second)
    assert is_logged_in(browser)


def test_s01_a_planted_cookie_value_is_not_adopted_at_login(
    provider: Provider, browser: Browser
) -> None:
    planted = "A" * 43
    use_cookie(browser, planted)
    issued = session_cookie(login(browser, make_account(provider))).value
    assert issued != planted
    use_cookie(browser, planted)
    assert not is_logged_in(browser)


def test_s01_different_logins_get_unrelated_values(provider: Provider, browser: Browser) -> None:
    email = make_account(provider)
    values = set()
    for _ in range(5):
        browser.http.cookies.clear()
        values.add(session_cookie(login(browser, email)).value)
    assert len(values) == 5
    assert len({v[:8] for v in values}) == 5


def test_s01_database_stores_only_the_sha256_of_the_cookie(
    provider: Provider, browser: Browser
) -> None:
    value = session_cookie(login(browser, make_account(provider))).value
    rows = session_rows(provider)
    assert len(rows) == 1
    row = rows[0]
    assert row.id_digest == hashlib.sha256(value.encode()).hexdigest()
    stored = [str(getattr(row, c.key)) for c in BrowserSession.__table__.columns]
    assert not any(value in column for column in stored)
    assert row.sid != value


# -- logout ----------------------------------------------------------------------------------------


def test_s04_logout_from_the_account_page_ends_the_session(
    provider: Provider, browser: Browser
) -> None:
    value = session_cookie(login(browser, make_account(provider))).value
    page = browser.get("/account")
    assert page.status_code == 200
    form = re.search(r'<form[^>]*action="(/account/logout)"', page.text)
    assert form and CSRF.search(page.text)
    response = browser.post_form(form.group(1), {}, page)
    assert response.status_code == 303
    assert response.headers["location"] == "/logged-out"
    cleared = session_cookie(response)
    assert cleared.value == "" or cleared.attributes.get("max-age") == "0"

    assert session_rows(provider) == []
    assert not is_logged_in(browser)
    use_cookie(browser, value)  # the old value (back button, copied cookie) is dead
    assert not is_logged_in(browser)


def test_s04_a_new_login_in_the_same_browser_logs_the_previous_person_out(
    provider: Provider, browser: Browser, app_client: TestClient
) -> None:
    """Issue 15 item 7: the browser changes hands; the previous person's session ends through
    the logout path — its grants are revoked and its portal gets a back-channel logout."""
    from servicekonto.db.models import Authorization, OutboxMessage
    from servicekonto.db.outbox import BACKCHANNEL_LOGOUT
    from tests.support import full_login

    rp = Rp(app_client, make_client(provider))
    first_person = make_account(provider)
    params = full_login(browser, rp, first_person)
    tokens = rp.redeem(params["code"])
    assert tokens.status_code == 200
    [before] = session_rows(provider)

    login(browser, make_account(provider))  # the next person, same browser

    [after] = session_rows(provider)
    assert after.sid != before.sid and after.account_id != before.account_id
    with provider.sessions() as db:
        messages = [
            m.payload for m in db.scalars(select(OutboxMessage)) if m.kind == BACKCHANNEL_LOGOUT
        ]
        grants = list(db.scalars(select(Authorization)))
    assert messages == [
        {
            "client_id": rp.client.client_id,
            "account_id": before.account_id,
            "sid": before.sid,
            "reason": "logout",
        }
    ]
    assert [g.revoked_at is not None for g in grants] == [True]
    introspected = app_client.post(
        "/introspect",
        data={"token": tokens.json()["access_token"]},
        auth=(rp.client.client_id, rp.client.client_secret or ""),
    )
    assert introspected.json() == {"active": False}
