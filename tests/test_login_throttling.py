"""Password login throttling and storage (DESIGN §8; checklist C-01, C-03, C-05, R-04).

Ports of Keycloak's BruteForceTest scenarios (testBrowserInvalidPassword, testWait,
testBrowserInvalidPasswordDifferentCase, testResetLoginFailureCount, testNonExistingAccounts) and
NIST SP 800-63B §5.1.1.2 / §5.2.2: temporary locks with growing waits after 5 failures, never
permanent; the locked answer is identical to a wrong password; success resets the counter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from servicekonto.accounts.service import LOCK_THRESHOLD, LOCK_WAITS
from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import Account
from servicekonto.oidc.provider import Provider
from servicekonto.security.passwords import MAX_BYTES, PasswordHashing
from servicekonto.settings import Settings
from tests.support import (
    FORM_ACTION,
    PASSWORD,
    Browser,
    CountingHashing,
    Rp,
    make_account,
    make_client,
)

#: Locking is database-sensitive (conditional UPDATE, CASE with timestamps): both backends.
pytestmark = pytest.mark.postgres


WRONG = "Falsches-Passwort-0815"
SESSION_COOKIE = "sk_session"


# -- helpers ---------------------------------------------------------------------------------------


def login(browser: Browser, email: str, password: str) -> httpx.Response:
    """One attempt on the standalone login form (GET the form, POST it with its CSRF token)."""
    page = browser.get("/login")
    assert page.status_code == 200, page.text[:300]
    return browser.post_form("/login", {"username": email, "password": password}, page)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert "error-summary" in response.text
    assert "location" not in response.headers
    assert not any(
        c.startswith(f"{SESSION_COOKIE}=") for c in response.headers.get_list("set-cookie")
    )


def assert_logged_in(response: httpx.Response) -> None:
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == "/account"
    assert any(c.startswith(f"{SESSION_COOKIE}=") for c in response.headers.get_list("set-cookie"))


def account_row(provider: Provider, email: str) -> Account:
    with provider.sessions() as db:
        account = db.scalar(select(Account).where(Account.email == email))
        assert account is not None
        return account


def fail(browser: Browser, email: str, times: int) -> httpx.Response:
    response: httpx.Response | None = None
    for _ in range(times):
        response = login(browser, email, WRONG)
        assert_refused(response)
    assert response is not None
    return response


# -- lock, identical answer, wait, reset -----------------------------------------------------------


def test_c01_five_wrong_passwords_lock_the_account(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    fail(browser, email, LOCK_THRESHOLD - 1)
    row = account_row(provider, email)
    assert row.failed_logins == LOCK_THRESHOLD - 1
    assert row.locked_until is None

    fail(browser, email, 1)
    row = account_row(provider, email)
    assert row.failed_logins == LOCK_THRESHOLD
    assert LOCK_WAITS[0] == 30
    assert row.locked_until == clock.now() + timedelta(seconds=30)


def test_c01_locked_account_answers_correct_password_with_the_identical_page(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    wrong = fail(browser, email, LOCK_THRESHOLD)
    clock.advance(seconds=LOCK_WAITS[0] - 1)
    locked = login(browser, email, PASSWORD)
    assert_refused(locked)
    assert locked.status_code == wrong.status_code
    assert locked.text == wrong.text
    assert "set-cookie" not in locked.headers  # neither a session nor anything else differs
    # still locked: a wrong guess now gives the very same page as well
    assert login(browser, email, WRONG).text == wrong.text


def test_c01_after_the_wait_the_correct_password_works_and_resets_the_counter(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    fail(browser, email, LOCK_THRESHOLD)
    clock.advance(seconds=31)
    assert_logged_in(login(browser, email, PASSWORD))
    row = account_row(provider, email)
    assert row.failed_logins == 0
    assert row.locked_until is None
    # Keycloak testResetLoginFailureCount: after the reset, four failures do not lock again
    fail(browser, email, LOCK_THRESHOLD - 1)
    assert account_row(provider, email).locked_until is None
    assert_logged_in(login(browser, email, PASSWORD))


def test_c01_waits_grow_with_each_failure_after_the_first_lock(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    fail(browser, email, LOCK_THRESHOLD)
    first = account_row(provider, email).locked_until
    assert first == clock.now() + timedelta(seconds=30)

    clock.advance(seconds=31)
    fail(browser, email, 1)  # the 6th consecutive failure
    row = account_row(provider, email)
    assert row.failed_logins == LOCK_THRESHOLD + 1
    assert row.locked_until is not None
    second_wait = row.locked_until - clock.now()
    assert second_wait > timedelta(seconds=30)
    assert second_wait == timedelta(seconds=LOCK_WAITS[1])

    # the longer lock holds past the first wait …
    clock.advance(seconds=31)
    assert_refused(login(browser, email, PASSWORD))
    # … and ends after its own wait
    clock.advance(seconds=second_wait.total_seconds() - 31 + 1)
    assert_logged_in(login(browser, email, PASSWORD))


def test_c01_waits_keep_growing_but_the_lock_is_never_permanent(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    fail(browser, email, LOCK_THRESHOLD)
    waits: list[timedelta] = []
    for _ in range(len(LOCK_WAITS) + 2):
        row = account_row(provider, email)
        assert row.locked_until is not None
        waits.append(row.locked_until - clock.now())
        clock.advance(seconds=waits[-1].total_seconds() + 1)
        fail(browser, email, 1)
    assert waits == sorted(waits), waits
    assert waits[0] < waits[-1]
    assert waits[-1] <= timedelta(hours=1)  # NIST 800-63B-4 draft: growing to about an hour
    row = account_row(provider, email)
    assert row.locked_until is not None
    clock.set(row.locked_until + timedelta(seconds=1))
    assert_logged_in(login(browser, email, PASSWORD))


def test_c01_hits_during_a_lock_do_not_increase_the_counter(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    fail(browser, email, LOCK_THRESHOLD)
    before = account_row(provider, email)
    for _ in range(4):
        clock.advance(seconds=5)
        assert_refused(login(browser, email, WRONG))
    assert_refused(login(browser, email, PASSWORD))
    after = account_row(provider, email)
    assert after.failed_logins == before.failed_logins == LOCK_THRESHOLD
    assert after.locked_until == before.locked_until
    # the lock was not extended by the hits: it ends at the original time
    assert before.locked_until is not None
    clock.set(before.locked_until + timedelta(seconds=1))
    assert_logged_in(login(browser, email, PASSWORD))


def test_c01_locked_answer_is_identical_on_the_authorization_login_form(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    """The same rules on the login page of an authorization request (interaction flow)."""
    email = make_account(provider)
    rp = Rp(app_client, make_client(provider))
    page = browser.follow(browser.get(rp.authorize_url()))
    assert 'name="password"' in page.text
    action = FORM_ACTION.search(page.text)
    assert action and action.group(1).startswith("/interaction/")
    responses = [
        browser.post_form(action.group(1), {"username": email, "password": WRONG}, page)
        for _ in range(LOCK_THRESHOLD)
    ]
    assert {r.status_code for r in responses} == {200}
    assert account_row(provider, email).locked_until is not None
    locked = browser.post_form(action.group(1), {"username": email, "password": PASSWORD}, page)
    assert locked.status_code == 200
    assert locked.text == responses[-1].text
    assert "location" not in locked.headers


# -- enumeration, normalisation, length ------------------------------------------------------------


def test_c03_unknown_email_gets_the_same_page_and_status_as_a_wrong_password(
    provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    wrong = login(browser, email, WRONG)
    unknown = login(browser, "niemand-hier@example.org", WRONG)
    assert_refused(wrong)
    assert unknown.status_code == wrong.status_code
    assert unknown.text == wrong.text
    assert sorted(unknown.headers.keys()) == sorted(wrong.headers.keys())


@pytest.mark.parametrize("case", ["unknown e-mail", "locked account", "wrong password", "correct"])
def test_c03_every_login_attempt_costs_exactly_one_argon2_verification(
    provider: Provider, browser: Browser, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """Timing does not tell an unknown or locked account from a wrong password: each runs the
    same one argon2id verification (a dummy one where there is no hash to check or no attempt
    left), never none and never two."""
    email = make_account(provider)
    if case == "locked account":
        fail(browser, email, LOCK_THRESHOLD)
        assert account_row(provider, email).locked_until is not None
    counting = CountingHashing()
    monkeypatch.setattr(provider, "hashing", counting)
    if case == "unknown e-mail":
        assert_refused(login(browser, "niemand-hier@example.org", WRONG))
    elif case == "locked account":
        assert_refused(login(browser, email, PASSWORD))
    elif case == "wrong password":
        assert_refused(login(browser, email, WRONG))
    else:
        assert_logged_in(login(browser, email, PASSWORD))
    assert counting.verified == 1, case


def test_c01_email_is_case_and_whitespace_insensitive(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider, "erika.mustermann@example.org")
    variants = [
        "Erika.Mustermann@Example.org",
        "  erika.mustermann@example.org",
        "ERIKA.MUSTERMANN@EXAMPLE.ORG ",
        "\terika.mustermann@EXAMPLE.org\n",
        "Erika.Mustermann@example.ORG",
    ]
    # Keycloak testBrowserInvalidPasswordDifferentCase: the variants count for the one account
    for variant in variants:
        assert_refused(login(browser, variant, WRONG))
    row = account_row(provider, email)
    assert row.failed_logins == LOCK_THRESHOLD
    assert row.locked_until is not None
    clock.advance(seconds=31)
    assert_logged_in(login(browser, "  ERIKA.Mustermann@Example.ORG  ", PASSWORD))


def test_r04_password_over_1024_bytes_is_refused_without_error(
    provider: Provider, browser: Browser
) -> None:
    longest = "ä" * (MAX_BYTES // 2)  # 512 code points, exactly 1024 bytes
    assert len(longest.encode("utf-8")) == MAX_BYTES
    email = make_account(provider, password=longest)
    assert_logged_in(login(browser, email, longest))

    too_long = longest + "x"  # 1025 bytes, and the stored password is its prefix
    assert_refused(login(browser, email, too_long))
    assert_refused(login(browser, email, "x" * 200_000))
    assert_refused(login(browser, "niemand-hier@example.org", "x" * 200_000))

    # ASVS 6.2.9: at least 64 characters must work
    sixty_four = "Lang und sicher " * 4
    other = make_account(provider, password=sixty_four)
    assert_logged_in(login(browser, other, sixty_four))


# -- per-IP rate limit -----------------------------------------------------------------------------


@pytest.fixture
def limited_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"login_rate_per_minute": 3}), clock=clock)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def test_r01_per_ip_login_rate_limit_answers_429_with_retry_after(
    limited_client: TestClient, clock: FixedClock
) -> None:
    provider: Provider = limited_client.app.state.provider  # type: ignore[attr-defined]
    browser = Browser(limited_client)
    email = make_account(provider)
    for _ in range(3):
        assert_refused(login(browser, email, WRONG))
    limited = login(browser, email, WRONG)
    assert limited.status_code == 429, limited.text[:300]
    retry_after = limited.headers.get("retry-after", "")
    assert re.fullmatch(r"[1-9][0-9]*", retry_after), retry_after
    assert int(retry_after) <= 60
    # the correct password is limited as well: the limit is per IP, before any password check
    assert login(browser, email, PASSWORD).status_code == 429
    # a limited request is not a counted login attempt
    assert account_row(provider, email).failed_logins == 3
    # Retry-After tells the truth: after that long the next attempt is served
    clock.advance(seconds=int(retry_after))
    assert_logged_in(login(browser, email, PASSWORD))


# -- password storage (C-05) and policy ------------------------------------------------------------

ARGON2_HASH = re.compile(
    r"^\$argon2id\$v=19\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$(?P<salt>[A-Za-z0-9+/]+)\$"
    r"(?P<hash>[A-Za-z0-9+/]+)$"
)


def test_c05_the_app_hashes_with_the_configured_parameters(provider: Provider) -> None:
    email = make_account(provider)
    match = ARGON2_HASH.match(account_row(provider, email).password_hash or "")
    assert match
    s = provider.settings
    assert (match["m"], match["t"], match["p"]) == (
        str(s.argon2_memory_kib),
        str(s.argon2_time_cost),
        "1",
    )


def test_c05_hash_with_old_parameters_is_rehashed_on_successful_login(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    email = make_account(provider)
    old = PasswordHashing(memory_kib=2048, time_cost=3).hash(PASSWORD)
    with provider.sessions() as db:
        db.execute(update(Account).where(Account.email == email).values(password_hash=old))
        db.commit()

    assert_refused(login(browser, email, WRONG))
    assert account_row(provider, email).password_hash == old  # no rehash on a failure

    assert_logged_in(login(browser, email, PASSWORD))
    new = account_row(provider, email).password_hash or ""
    assert new != old
    match = ARGON2_HASH.match(new)
    assert match
    s = provider.settings
    assert (match["m"], match["t"], match["p"]) == (
        str(s.argon2_memory_kib),
        str(s.argon2_time_cost),
        "1",
    )
    # the new hash still verifies and needs no further rehash
    assert provider.hashing.verify(new, PASSWORD) == (True, False)
    assert_logged_in(login(browser, email, PASSWORD))
    assert account_row(provider, email).password_hash == new


def test_lock_deadline_is_in_the_future_of_the_failed_attempt(
    provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    """Guard for the stored datetime: the lock ends WAIT seconds after the attempt, in UTC."""
    email = make_account(provider)
    fail(browser, email, LOCK_THRESHOLD)
    row = account_row(provider, email)
    assert isinstance(row.locked_until, datetime)
    assert row.locked_until.utcoffset() == timedelta(0)
    assert row.locked_until - clock.now() == timedelta(seconds=LOCK_WAITS[0])
