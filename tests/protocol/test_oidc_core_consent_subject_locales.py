"""Consent and login pages of the authorization request (DESIGN §5 interaction order), pairwise
subject identifiers (OpenID Connect Core 1.0 §8.1, checklist V-02) and `ui_locales` (§3.1.2.1).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from tests.protocol.flows import (
    assert_code_redirect,
    assert_error_redirect,
    authorize_url,
    cancel_action,
    consent,
    is_consent_page,
    log_in,
    login_page,
    offered_claims,
    token_body,
)
from tests.support import (
    Browser,
    Rp,
    account_id_of,
    decode_jwt,
    full_login,
    make_account,
    make_client,
)

# -- consent ---------------------------------------------------------------------------------------


def test_oidc_core_3_1_2_4_consent_page_lists_requested_claims(
    browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp, scope="openid profile email"))
    page = log_in(browser, start, email)
    assert is_consent_page(page)
    offered = set(offered_claims(page))
    assert {"given_name", "family_name", "birthdate", "email"} <= offered
    # email_verified describes email and follows its choice; it is no checkbox of its own
    assert "email_verified" not in offered
    assert "address" not in offered
    assert "Testportal" in page.text
    for label in ("Vorname(n)", "Familienname", "E-Mail-Adresse"):
        assert label in page.text
    assert "Permanente Authentifikation" not in page.text
    assert page.headers["cache-control"].startswith("no-store")


def test_oidc_core_5_4_deselected_optional_claim_is_not_in_userinfo(
    app_client: TestClient, browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp, scope="openid profile email"))
    page = log_in(browser, start, email)
    code = assert_code_redirect(
        consent(browser, page, claims=["given_name", "family_name"]), rp, status=303
    )
    body = token_body(rp, code)
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    data = info.json()
    assert data["given_name"] == "Erika"
    assert data["family_name"] == "Mustermann"
    assert "email" not in data and "email_verified" not in data and "birthdate" not in data

    # the next authorization asks nothing and still releases only what was chosen
    again = browser.get(authorize_url(rp, scope="openid profile email"))
    body = token_body(rp, assert_code_redirect(again, rp, status=302))
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert "email" not in info.json()


def test_oidc_core_5_4_claim_deselected_on_renewed_consent_is_no_longer_released(
    app_client: TestClient, browser: Browser, signed_in: Rp
) -> None:
    """V-01: the earlier consent released email; on the consent page of `prompt=consent` the user
    deselects it. Neither this grant nor later ones may release email any more."""
    page = browser.follow(browser.get(authorize_url(signed_in, prompt="consent")))
    assert "email" in offered_claims(page)
    response = consent(browser, page, claims=["given_name", "family_name"])
    body = token_body(signed_in, assert_code_redirect(response, signed_in, status=303))
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    assert info.json()["given_name"] == "Erika"
    assert "email" not in info.json()
    again = browser.get(authorize_url(signed_in))
    body = token_body(signed_in, assert_code_redirect(again, signed_in))
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert "email" not in info.json()


def test_oidc_core_3_1_2_4_consent_is_not_asked_twice(browser: Browser, signed_in: Rp) -> None:
    response = browser.get(authorize_url(signed_in, scope="openid profile email"))
    assert_code_redirect(response, signed_in, status=302)
    # a narrower request is covered by the earlier consent as well
    response = browser.get(authorize_url(signed_in, scope="openid email"))
    assert_code_redirect(response, signed_in, status=302)


def test_oidc_core_3_1_2_4_wider_scope_asks_consent_again(browser: Browser, signed_in: Rp) -> None:
    page = browser.follow(browser.get(authorize_url(signed_in, scope="openid profile address")))
    assert is_consent_page(page)
    assert "address" in offered_claims(page)


def test_oidc_core_11_offline_access_shows_permanent_authentication_and_yields_refresh_token(
    app_client: TestClient, browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp, scope="openid profile offline_access"))
    page = log_in(browser, start, email)
    assert is_consent_page(page)
    assert "Permanente Authentifikation" in page.text
    body = token_body(rp, assert_code_redirect(consent(browser, page), rp, status=303))
    assert body["refresh_token"]
    assert "offline_access" in body["scope"].split()
    refreshed = rp.token(grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text


def test_oidc_core_11_without_offline_access_no_refresh_token(
    browser: Browser, signed_in: Rp
) -> None:
    body = token_body(
        signed_in, assert_code_redirect(browser.get(authorize_url(signed_in)), signed_in)
    )
    assert "refresh_token" not in body


def test_oidc_core_11_offline_access_ignored_for_client_without_refresh_grant(
    app_client: TestClient, browser: Browser, provider: Provider, email: str
) -> None:
    rp = Rp(app_client, make_client(provider, grant_types=["authorization_code"]))
    start = browser.get(authorize_url(rp, scope="openid profile offline_access"))
    page = log_in(browser, start, email)
    assert "Permanente Authentifikation" not in page.text
    body = token_body(rp, assert_code_redirect(consent(browser, page), rp, status=303))
    assert "refresh_token" not in body
    assert "offline_access" not in body["scope"].split()


def test_rfc6749_4_1_2_1_consent_denied_is_access_denied(
    browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp))
    page = log_in(browser, start, email)
    response = consent(browser, page, decision="deny")
    assert_error_redirect(response, rp, "access_denied", status=303)
    # the denial is not remembered as consent
    page = browser.follow(browser.get(authorize_url(rp)))
    assert is_consent_page(page)


def test_rfc6749_4_1_2_1_pending_request_is_gone_after_deny(
    browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp))
    page = log_in(browser, start, email)
    consent(browser, page, decision="deny")
    again = browser.get(start.headers["location"])
    assert again.status_code == 400
    assert "location" not in again.headers


def test_rfc6749_4_1_2_1_cancel_on_login_page_is_access_denied(browser: Browser, rp: Rp) -> None:
    start = browser.get(authorize_url(rp))
    page = login_page(browser, start)
    response = browser.post_form(cancel_action(page), {}, page)
    assert_error_redirect(response, rp, "access_denied", status=303)


def test_rfc6749_4_1_2_1_cancel_without_csrf_token_is_refused(browser: Browser, rp: Rp) -> None:
    start = browser.get(authorize_url(rp))
    page = login_page(browser, start)
    response = browser.post_form(cancel_action(page), {})
    assert response.status_code == 403
    assert "location" not in response.headers


def test_oidc_core_3_1_2_3_wrong_password_shows_login_page_again(
    browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp))
    page = login_page(browser, start)
    action = start.headers["location"] + "/login"
    response = browser.post_form(action, {"username": email, "password": "falsch-falsch-42"}, page)
    assert response.status_code == 200
    assert 'name="password"' in response.text
    assert "location" not in response.headers


# -- §8 pairwise subject identifiers (V-02) ------------------------------------------------------


def _sub(browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]) -> str:
    params = full_login(browser, rp, email)
    _, claims = decode_jwt(token_body(rp, params["code"])["id_token"], jwks)
    sub: str = claims["sub"]
    return sub


def test_oidc_core_8_1_pairwise_sub_differs_across_sectors_and_matches_within(
    app_client: TestClient, browser: Browser, provider: Provider, email: str, jwks: dict[str, Any]
) -> None:
    a1 = Rp(app_client, make_client(provider, sector="sector-a.example"))
    a2 = Rp(
        app_client,
        make_client(provider, sector="sector-a.example", redirect_uris=["https://a2.example/cb"]),
    )
    b = Rp(app_client, make_client(provider, sector="sector-b.example"))
    sub_a1 = _sub(browser, a1, email, jwks)
    sub_a2 = _sub(browser, a2, email, jwks)
    sub_b = _sub(browser, b, email, jwks)
    assert sub_a1 == sub_a2
    assert sub_a1 != sub_b
    identifier = account_id_of(provider, email)
    for sub in (sub_a1, sub_b):
        assert identifier not in sub
        assert email not in sub


def test_oidc_core_8_1_default_sector_is_redirect_host(
    app_client: TestClient, browser: Browser, provider: Provider, email: str, jwks: dict[str, Any]
) -> None:
    same_host = Rp(app_client, make_client(provider))
    other_host = Rp(app_client, make_client(provider, redirect_uris=["https://other.example/cb"]))
    first = Rp(app_client, make_client(provider))
    assert _sub(browser, same_host, email, jwks) == _sub(browser, first, email, jwks)
    assert _sub(browser, other_host, email, jwks) != _sub(browser, first, email, jwks)


def test_oidc_core_8_1_userinfo_sub_equals_id_token_sub_and_differs_per_account(
    app_client: TestClient, browser: Browser, provider: Provider, rp: Rp, jwks: dict[str, Any]
) -> None:
    first_email = make_account(provider)
    params = full_login(browser, rp, first_email)
    body = token_body(rp, params["code"])
    _, claims = decode_jwt(body["id_token"], jwks)
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.json()["sub"] == claims["sub"]
    app_client.cookies.clear()
    second_email = make_account(provider)
    assert _sub(browser, rp, second_email, jwks) != claims["sub"]


# -- §3.1.2.1 ui_locales ---------------------------------------------------------------------------


def test_oidc_core_3_1_2_1_ui_locales_en_renders_login_page_in_english(
    browser: Browser, rp: Rp
) -> None:
    page = login_page(browser, browser.get(authorize_url(rp, ui_locales="en")))
    assert '<html lang="en"' in page.text
    assert "Log in" in page.text


def test_oidc_core_3_1_2_1_ui_locales_first_supported_tag_wins(browser: Browser, rp: Rp) -> None:
    page = login_page(browser, browser.get(authorize_url(rp, ui_locales="fr-CA en-GB de")))
    assert '<html lang="en"' in page.text


def test_oidc_core_3_1_2_1_without_ui_locales_login_page_is_german(
    browser: Browser, rp: Rp
) -> None:
    page = login_page(browser, browser.get(authorize_url(rp)))
    assert '<html lang="de"' in page.text
    assert "Anmelden" in page.text


def test_oidc_core_3_1_2_1_ui_locales_en_renders_consent_page_in_english(
    browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp, ui_locales="en", scope="openid profile offline_access"))
    page = log_in(browser, start, email)
    assert is_consent_page(page)
    assert '<html lang="en"' in page.text
    assert "Permanent authentication" in page.text
