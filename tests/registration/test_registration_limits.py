"""Issue 15 item 4: sign-ups and every other POST that mails an address or costs a hash are
rate-limited per IP and per target address (checklist R-01); the "someone tried to register
with your address" notice goes out at most once per hour."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.db.models import OutboxMessage
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.letters.test_activation_race import CountingHashing as VerifyCounting
from tests.registration.test_flow import PASSWORD, TYPED, mails_to, register
from tests.support import Browser

ANNA = "anna@example.org"
API_BODY = {k: v for k, v in TYPED.items() if k != "privacy_consent"} | {"privacy_consent": True}


class CountingHashing(VerifyCounting):
    """Fast argon2 that counts every hash and verification (burns verify too) in `verified`."""

    def hash(self, password: str) -> str:
        with self._count_lock:
            self.verified += 1
        return super().hash(password)


def _client(settings: Settings, clock: FixedClock, **update: Any) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=update), clock=clock),
                      base_url="http://testserver")


@pytest.fixture
def counted(settings: Settings, clock: FixedClock) -> Iterator[tuple[TestClient, CountingHashing]]:
    with _client(settings, clock) as client:
        hashing = CountingHashing()
        state = client.app.state  # type: ignore[attr-defined]
        state.registration = dataclasses.replace(state.registration, hashing=hashing)
        yield client, hashing


def _api_register(client: TestClient, email: str) -> Any:
    return client.post("/api/v1/registrations", json={**API_BODY, "email": email})


def test_r01_seventy_sign_ups_with_annas_address_are_limited_by_page_and_api_together(
    counted: tuple[TestClient, CountingHashing],
) -> None:
    client, hashing = counted
    provider: Provider = client.app.state.provider  # type: ignore[attr-defined]
    browser = Browser(client)
    limit = provider.settings.mail_rate_per_address_per_hour
    statuses = []
    for i in range(70):
        if i % 2:
            statuses.append(_api_register(client, ANNA).status_code)
        else:
            statuses.append(register(browser, {**TYPED, "email": ANNA}).status_code)
    assert statuses[:limit] == [303, 202, 303, 202, 303][:limit]
    assert set(statuses[limit:]) == {429}
    limited = _api_register(client, ANNA.upper())  # the same address however it is spelled
    assert limited.status_code == 429
    assert re.fullmatch(r"[1-9][0-9]*", limited.headers["retry-after"])
    page = register(browser, {**TYPED, "email": ANNA})
    assert page.status_code == 429 and int(page.headers["retry-after"]) <= 3600
    # one sign-up (hash, letter code hash) and `limit - 1` repeats of two burns each
    assert hashing.verified == 2 + 2 * (limit - 1)
    # the confirmation link and one "already registered" notice
    subjects = [m["subject"] for m in mails_to(provider, ANNA)]
    assert sorted(subjects) == ["Bitte bestätigen Sie Ihre E-Mail-Adresse",
                                "Registrierung bei ServiceKonto"]
    # by now the per-IP limit holds as well: another address from this IP waits too
    assert _api_register(client, "berta@example.org").status_code == 429


def test_r01_sign_ups_are_limited_per_ip_across_page_and_api(
    settings: Settings, clock: FixedClock
) -> None:
    with _client(settings, clock, registration_rate_per_hour=3) as client:
        browser = Browser(client)
        assert register(browser, {**TYPED, "email": "a@example.org"}).status_code == 303
        assert _api_register(client, "b@example.org").status_code == 202
        assert register(browser, {**TYPED, "email": "c@example.org"}).status_code == 303
        refused_api = _api_register(client, "d@example.org")
        assert refused_api.status_code == 429
        assert refused_api.json()["title"] == "rate_limited"
        refused_page = register(browser, {**TYPED, "email": "e@example.org"})
        assert refused_page.status_code == 429
        assert "zu viele Anfragen in kurzer Zeit" in refused_page.text
        # Retry-After tells the truth
        clock.advance(seconds=int(refused_api.headers["retry-after"]))
        assert _api_register(client, "d@example.org").status_code == 202


def test_r01_the_already_registered_notice_goes_out_at_most_once_per_hour(
    settings: Settings, clock: FixedClock
) -> None:
    with _client(settings, clock, mail_rate_per_address_per_hour=100) as client:
        provider: Provider = client.app.state.provider  # type: ignore[attr-defined]
        for _ in range(6):
            assert _api_register(client, ANNA).status_code == 202
        notices = [m for m in mails_to(provider, ANNA)
                   if m["subject"] == "Registrierung bei ServiceKonto"]
        assert len(notices) == 1
        clock.advance(minutes=59)
        assert _api_register(client, ANNA).status_code == 202
        assert len(mails_to(provider, ANNA)) == 2
        clock.advance(minutes=1, seconds=1)
        assert _api_register(client, ANNA).status_code == 202
        assert len(mails_to(provider, ANNA)) == 3


def test_r01_password_reset_mails_are_limited_per_address(
    settings: Settings, clock: FixedClock
) -> None:
    with _client(settings, clock, mail_rate_per_address_per_hour=2) as client:
        provider: Provider = client.app.state.provider  # type: ignore[attr-defined]
        from tests.support import make_account

        make_account(provider, ANNA, password=PASSWORD)
        browser = Browser(client)

        def forgot(address: str) -> Any:
            page = browser.get("/password/forgot")
            return browser.post_form("/password/forgot", {"email": address}, page)

        assert forgot(ANNA).status_code == 303
        assert forgot(" Anna@Example.org ").status_code == 303
        refused = forgot(ANNA)
        assert refused.status_code == 429 and refused.headers["retry-after"]
        # an address without an account is counted alike: the 429 reveals nothing
        assert forgot("nobody@example.org").status_code == 303
        assert forgot("nobody@example.org").status_code == 303
        assert forgot("nobody@example.org").status_code == 429
        with provider.sessions() as db:
            mails = [m.payload for m in db.scalars(select(OutboxMessage))
                     if m.kind == "mail" and m.payload["to"] == ANNA]
        assert len(mails) == 2


def test_r01_adding_an_address_of_another_account_mails_it_once_and_is_limited(
    settings: Settings, clock: FixedClock
) -> None:
    from tests.eid_flow.test_step_up_pages import through_simulator
    from tests.support import make_account

    with _client(settings, clock, mail_rate_per_address_per_hour=3) as client:
        provider: Provider = client.app.state.provider  # type: ignore[attr-defined]
        make_account(provider, ANNA, password=PASSWORD)
        browser = Browser(client)
        back = through_simulator(browser, browser.get("/login"), card="camille-dubois-ub",
                                 pin="999999")
        account_page = browser.get(back.headers["location"])
        statuses = [browser.post_form("/account/email", {"email": ANNA}, account_page)
                    for _ in range(4)]
        assert [r.status_code for r in statuses] == [303, 303, 303, 429]
        assert statuses[-1].headers["retry-after"]
        assert len(mails_to(provider, ANNA)) == 1  # one notice, not three
