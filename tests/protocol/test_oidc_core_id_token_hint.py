"""OIDC Core §3.1.2.1 `id_token_hint` at the authorization endpoint: the client says whom it
expects. A signed-in session answers only for that person; a hint that is forged, someone
else's or another client's never yields a code for whoever is signed in."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.clock import FixedClock
from servicekonto.oidc.provider import Provider
from tests.protocol.flows import (
    assert_code_redirect,
    assert_error_redirect,
    authorize_url,
    log_in,
    login_page,
    token_body,
)
from tests.support import Browser, Rp, decode_jwt, full_login, make_account, make_client


@pytest.fixture(autouse=True)
def without_eid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Provider, "eid_available", property(lambda self: False))


def _id_token_of(rp: Rp, browser: Browser, email: str) -> str:
    """A fresh ID token of `email` for `rp`, from a login in a browser of its own."""
    code = full_login(browser, rp, email)["code"]
    return str(token_body(rp, code)["id_token"])


def test_oidc_core_3_1_2_1_id_token_hint_of_the_signed_in_person_gives_a_code_silently(
    browser: Browser, signed_in: Rp, email: str, jwks: dict[str, Any]
) -> None:
    hint = str(token_body(signed_in, assert_code_redirect(
        browser.get(authorize_url(signed_in)), signed_in))["id_token"])
    response = browser.get(authorize_url(signed_in, prompt="none", id_token_hint=hint))
    code = assert_code_redirect(response, signed_in)
    _, claims = decode_jwt(token_body(signed_in, code)["id_token"], jwks)
    _, hinted = decode_jwt(hint, jwks)
    assert claims["sub"] == hinted["sub"]


def test_oidc_core_3_1_2_1_id_token_hint_expired_still_names_the_person(
    browser: Browser, signed_in: Rp, clock: FixedClock
) -> None:
    hint = str(token_body(signed_in, assert_code_redirect(
        browser.get(authorize_url(signed_in)), signed_in))["id_token"])
    clock.advance(seconds=3600)  # the ID token lives 10 minutes; the session lasts longer
    response = browser.get(authorize_url(signed_in, prompt="none", id_token_hint=hint))
    assert_code_redirect(response, signed_in)


def test_oidc_core_3_1_2_1_id_token_hint_of_someone_else_with_prompt_none_is_login_required(
    app_client: TestClient, provider: Provider, browser: Browser, signed_in: Rp
) -> None:
    other_person = make_account(provider)
    hint = _id_token_of(signed_in, Browser(TestClient(app_client.app)), other_person)
    response = browser.get(authorize_url(signed_in, prompt="none", id_token_hint=hint))
    assert_error_redirect(response, signed_in, "login_required")


def test_oidc_core_3_1_2_1_id_token_hint_of_another_client_with_prompt_none_is_login_required(
    app_client: TestClient, provider: Provider, browser: Browser, signed_in: Rp, email: str
) -> None:
    other_client = Rp(app_client, make_client(provider, name="Anderes Portal"))
    hint = _id_token_of(other_client, Browser(TestClient(app_client.app)), email)
    response = browser.get(authorize_url(signed_in, prompt="none", id_token_hint=hint))
    assert_error_redirect(response, signed_in, "login_required")


@pytest.mark.parametrize(
    "hint",
    ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
    ids=["not-a-jwt", "three-junk-segments", "alg-none"],
)
def test_oidc_core_3_1_2_1_id_token_hint_that_does_not_verify_is_login_required(
    browser: Browser, signed_in: Rp, hint: str
) -> None:
    response = browser.get(authorize_url(signed_in, prompt="none", id_token_hint=hint))
    assert_error_redirect(response, signed_in, "login_required")


def test_oidc_core_3_1_2_1_id_token_hint_of_someone_else_asks_for_a_login(
    app_client: TestClient, provider: Provider, browser: Browser, signed_in: Rp
) -> None:
    other_person = make_account(provider)
    hint = _id_token_of(signed_in, Browser(TestClient(app_client.app)), other_person)
    start = browser.get(authorize_url(signed_in, id_token_hint=hint))
    login_page(browser, start)  # the login page, although a session exists
    login_page(browser, browser.get(start.headers["location"]))  # and again after a reload
    callback = log_in(browser, start, other_person)
    assert_code_redirect(callback, signed_in, status=303)
