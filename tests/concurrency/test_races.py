"""Races against a real `servicekonto serve --workers 2` process (DESIGN §7, §11).

Checklist D-01 (double redemption of one code, RFC 6749 §4.1.2 / §10.5), D-02 (refresh race,
RFC 9700 §4.14.2) and C-01 (parallel password guessing against one account). The requests are
fired together from threads released by one barrier over connections opened in advance to both
worker processes, so they meet in both processes and in the database at the same time; each test
checks, by the dev-mode worker header, that both workers answered. Every test runs on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select

from servicekonto.accounts.service import LOCK_THRESHOLD
from servicekonto.audit.service import verify_chain
from servicekonto.db.models import Account, AuditEvent, Authorization, RefreshToken
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest
from tests.concurrency import CONCURRENCY_GROUP
from tests.conftest import ServerProcess
from tests.support import (
    CSRF,
    FORM_ACTION,
    PASSWORD,
    Browser,
    RegisteredClient,
    Rp,
    full_login,
    in_parallel,
    make_account,
    make_client,
    workers_of,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.server,
    pytest.mark.timeout(60),
    CONCURRENCY_GROUP,
]

TIMEOUT = httpx.Timeout(30.0)
#: A race that took this long waited for something: below SQLite's 30 s busy timeout, far above
#: the ~1 s the requests take on two cores shared with other work.
HANG_SECONDS = 25.0
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    """The user agent's client: keeps the server's cookies (plain names: the issuer is http)."""
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT) as client:
        yield client


def code_through_pages(
    http: httpx.Client, server: ServerProcess, provider: Provider, scope: str
) -> tuple[Rp, RegisteredClient, str]:
    """authorize → login form → consent form on the real server: the Rp, its client, the code."""
    client = make_client(provider)
    email = make_account(provider)
    rp = Rp(http, client)  # type: ignore[arg-type]  # any httpx.Client will do
    browser = Browser(http, origin=server.base_url)  # type: ignore[arg-type]
    params = full_login(browser, rp, email, scope=scope)
    assert params.get("code"), params
    assert params["state"] == rp.state
    assert params["iss"] == server.base_url
    return rp, client, params["code"]


def token_request(
    client: RegisteredClient, form: dict[str, str]
) -> Callable[[httpx.Client, int], httpx.Response]:
    def call(http: httpx.Client, _i: int) -> httpx.Response:
        return http.post("/token", data=form, auth=(client.client_id, client.client_secret or ""))

    return call


def errors_of(responses: list[httpx.Response]) -> list[str]:
    return [str(r.json().get("error", "")) for r in responses if r.status_code != 200]


def assert_no_5xx(responses: list[httpx.Response]) -> None:
    server_errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not server_errors, server_errors


def summary(responses: list[httpx.Response]) -> list[tuple[int, str]]:
    return [(r.status_code, r.text[:120]) for r in responses]


# -- D-01: one code, 20 redemptions ----------------------------------------------------------------


def test_d01_parallel_redemptions_of_one_code_yield_exactly_one_token(
    server: ServerProcess, server_provider: Provider, http: httpx.Client
) -> None:
    rp, client, code = code_through_pages(http, server, server_provider, "openid profile email")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": rp.verifier,
    }
    started = time.monotonic()
    responses = in_parallel(server.base_url, 20, token_request(client, form))
    elapsed = time.monotonic() - started

    assert_no_5xx(responses)
    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) == 1, summary(responses)
    assert [r.status_code for r in losers] == [400] * 19, summary(losers)
    assert errors_of(losers) == ["invalid_grant"] * 19
    assert all(r.headers.get("cache-control") == "no-store" for r in responses)
    assert len(workers_of(responses)) == 2
    assert elapsed < HANG_SECONDS, elapsed

    # RFC 6749 §4.1.2: the replay revoked the tokens the code had issued
    access_token = winners[0].json()["access_token"]
    info = http.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert info.status_code == 401, info.text
    assert info.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in info.headers["www-authenticate"]

    # and a late replay is still refused
    late = token_request(client, form)(http, 0)
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"


# -- D-02: one refresh token, 10 refreshes ---------------------------------------------------------


def test_d02_parallel_refreshes_exactly_one_wins_and_the_reuse_revokes_the_grant(
    server: ServerProcess, server_provider: Provider, http: httpx.Client
) -> None:
    rp, client, code = code_through_pages(http, server, server_provider, "openid offline_access")
    first = rp.redeem(code)
    assert first.status_code == 200, first.text
    refresh_token = first.json()["refresh_token"]
    with server_provider.sessions() as db:
        authorization_id = db.scalar(
            select(RefreshToken.authorization_id).where(
                RefreshToken.digest == digest(refresh_token)
            )
        )
    assert authorization_id

    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    started = time.monotonic()
    responses = in_parallel(server.base_url, 10, token_request(client, form))
    elapsed = time.monotonic() - started

    assert_no_5xx(responses)
    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    # exactly one refresh wins: the conditional UPDATE lets one through, and the reuse the
    # others reveal must not take the winner's answer back (all failing is no fix either)
    assert len(winners) == 1, summary(responses)
    assert [r.status_code for r in losers] == [400] * 9, summary(losers)
    assert errors_of(losers) == ["invalid_grant"] * 9
    assert winners[0].json()["refresh_token"] != refresh_token
    assert len(workers_of(responses)) == 2
    assert elapsed < HANG_SECONDS, elapsed

    with server_provider.sessions() as db:
        usable = db.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .join(Authorization, Authorization.id == RefreshToken.authorization_id)
            .where(
                RefreshToken.authorization_id == authorization_id,
                RefreshToken.used_at.is_(None),
                Authorization.revoked_at.is_(None),
            )
        )
    # Policy (DESIGN §8, checklist D-02 (a)): reuse revokes the whole grant, so the winner's
    # rotated refresh token is dead as well, and so is the original one.
    assert usable == 0
    rotated = winners[0].json()["refresh_token"]
    again = token_request(client, {**form, "refresh_token": rotated})(http, 0)
    assert again.status_code == 400, again.text
    assert again.json()["error"] == "invalid_grant"
    replay = token_request(client, form)(http, 0)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


# -- C-01: 20 wrong passwords at once --------------------------------------------------------------


def test_c01_parallel_wrong_passwords_lock_the_account_exactly_once(
    server: ServerProcess, server_provider: Provider, http: httpx.Client
) -> None:
    client = make_client(server_provider)
    email = make_account(server_provider)
    rp = Rp(http, client)  # type: ignore[arg-type]
    page = http.get(rp.authorize_url(), follow_redirects=True)
    assert page.status_code == 200 and 'name="password"' in page.text, page.text[:300]
    action = FORM_ACTION.search(page.text)
    token = CSRF.search(page.text)
    assert action and token
    assert "sk_csrf" in http.cookies
    login_url, csrf_token = action.group(1), token.group(1)

    def post_login(h: httpx.Client, password: str) -> httpx.Response:
        body = urlencode({"username": email, "password": password, "csrf_token": csrf_token})
        return h.post(login_url, content=body, headers={**FORM_HEADERS, "Origin": server.base_url})

    def wrong(h: httpx.Client, i: int) -> httpx.Response:
        return post_login(h, f"Falsches-Passwort-{i}")

    started = time.monotonic()
    responses = in_parallel(server.base_url, 20, wrong, cookies=http.cookies)
    elapsed = time.monotonic() - started

    assert_no_5xx(responses)
    assert [r.status_code for r in responses] == [200] * 20, summary(responses)
    assert all("error-summary" in r.text for r in responses)
    assert len({r.text for r in responses}) == 1  # one answer, whether counted or locked
    assert len(workers_of(responses)) == 2
    assert elapsed < HANG_SECONDS, elapsed

    with server_provider.sessions() as db:
        account = db.scalar(select(Account).where(Account.email == email))
        assert account is not None
        failed, locked_until = account.failed_logins, account.locked_until
    # every failure up to the lock counted, none was lost, none counted during the lock
    assert failed == LOCK_THRESHOLD, failed
    assert locked_until is not None and locked_until > datetime.now(UTC)

    # while locked, the correct password gets exactly the wrong-password answer
    locked = post_login(http, PASSWORD)
    assert locked.status_code == 200
    assert "location" not in locked.headers
    assert "sk_session" not in locked.cookies
    error_summary = re.search(r'<div class="error-summary".*?</div>', responses[0].text, re.S)
    assert error_summary
    assert error_summary.group(0) in locked.text
    assert locked.text == responses[0].text
    with server_provider.sessions() as db:
        account = db.scalar(select(Account).where(Account.email == email))
        assert account is not None
        assert (account.failed_logins, account.locked_until) == (failed, locked_until)
        # both workers appended to the hash-chained audit log at once: one event per attempt,
        # and the chain did not fork (DESIGN §7)
        failures = db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "login.failed")
        )
        assert failures == 21
        chain = verify_chain(db)
        assert chain.intact, chain.problem
