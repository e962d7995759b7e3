"""OpenID Connect Core 1.0 §3.1.2.1 (`prompt`, `max_age`), §5.5 (`claims`), §5.5.1.1 (`acr`).

Checklist rows P-10 (prompt/max_age), P-11 (step-up bypass), V-01 (claims beyond consent);
DESIGN §4 (acr vocabularies, never a higher acr than reached).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.clock import FixedClock
from servicekonto.db.models import Client, IdentityEvidence
from servicekonto.oidc.provider import Provider
from tests.protocol.flows import (
    assert_code_redirect,
    assert_error_redirect,
    authorize_url,
    consent,
    is_consent_page,
    is_login_page,
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


@pytest.fixture(autouse=True)
def without_eid(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests prove the answers when a level above the session's cannot be reached, so the
    Online-Ausweis is off here (as with `SERVICEKONTO_EID_ENABLED=0`); reaching `substantial`
    and `high` is proved in tests/eid_flow and tests/levels."""
    monkeypatch.setattr(Provider, "eid_available", property(lambda self: False))


EIDAS_LOW = "http://eidas.europa.eu/LoA/low"
EIDAS_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
EIDAS_HIGH = "http://eidas.europa.eu/LoA/high"


def _id_token(rp: Rp, code: str, jwks: dict[str, Any]) -> dict[str, Any]:
    _, claims = decode_jwt(token_body(rp, code)["id_token"], jwks)
    return claims


def _essential_acr(*values: str) -> str:
    return json.dumps({"id_token": {"acr": {"essential": True, "values": list(values)}}})


# -- §3.1.2.1 prompt ------------------------------------------------------------------------------


def test_oidc_core_3_1_2_1_prompt_none_without_session_is_login_required(
    browser: Browser, rp: Rp
) -> None:
    response = browser.get(authorize_url(rp, prompt="none"))
    assert_error_redirect(response, rp, "login_required")


def test_oidc_core_3_1_2_1_prompt_none_with_session_without_consent_is_consent_required(
    app_client: TestClient, browser: Browser, provider: Provider, signed_in: Rp
) -> None:
    other = Rp(app_client, make_client(provider, name="Anderes Portal"))
    response = browser.get(authorize_url(other, prompt="none"))
    assert_error_redirect(response, other, "consent_required")


def test_oidc_core_3_1_2_1_prompt_none_with_consent_for_fewer_scopes_is_consent_required(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    response = shared_browser.get(
        authorize_url(shared_signed_in, scope="openid profile email address", prompt="none")
    )
    assert_error_redirect(response, shared_signed_in, "consent_required")


def test_oidc_core_3_1_2_1_prompt_none_with_session_and_consent_issues_code_without_page(
    shared_browser: Browser, shared_signed_in: Rp, shared_jwks: dict[str, Any]
) -> None:
    response = shared_browser.get(authorize_url(shared_signed_in, prompt="none"))
    code = assert_code_redirect(response, shared_signed_in, status=302)
    assert _id_token(shared_signed_in, code, shared_jwks)["nonce"] == shared_signed_in.nonce


def test_oidc_core_3_1_2_1_prompt_login_forces_login_and_updates_auth_time(
    browser: Browser, signed_in: Rp, email: str, clock: FixedClock, jwks: dict[str, Any]
) -> None:
    first = _id_token(
        signed_in, assert_code_redirect(browser.get(authorize_url(signed_in)), signed_in), jwks
    )
    clock.advance(seconds=300)
    start = browser.get(authorize_url(signed_in, prompt="login"))
    assert start.status_code == 302 and start.headers["location"].startswith("/interaction/")
    login_page(browser, start)  # the login page again, although a session exists
    callback = log_in(browser, start, email)
    code = assert_code_redirect(callback, signed_in, status=303)
    second = _id_token(signed_in, code, jwks)
    assert second["auth_time"] > first["auth_time"]
    assert second["auth_time"] == int(clock.now().timestamp())


def test_oidc_core_3_1_2_1_prompt_login_page_reloaded_still_requires_login(
    browser: Browser, signed_in: Rp
) -> None:
    """Reloading the interaction of a `prompt=login` request must not skip the login."""
    start = browser.get(authorize_url(signed_in, prompt="login"))
    page = login_page(browser, start)
    again = browser.get(start.headers["location"])
    assert is_login_page(again), page.text[:200]


def test_oidc_core_3_1_2_1_prompt_select_account_shows_login_page(
    browser: Browser, signed_in: Rp
) -> None:
    login_page(browser, browser.get(authorize_url(signed_in, prompt="select_account")))


def test_oidc_core_3_1_2_1_prompt_consent_shows_consent_page_again(
    browser: Browser, signed_in: Rp
) -> None:
    start = browser.get(authorize_url(signed_in, prompt="consent"))
    page = browser.follow(start)
    assert is_consent_page(page)
    assert not is_login_page(page)
    assert_code_redirect(consent(browser, page), signed_in, status=303)


def test_oidc_core_3_1_2_1_prompt_login_consent_shows_both(
    browser: Browser, signed_in: Rp, email: str
) -> None:
    start = browser.get(authorize_url(signed_in, prompt="login consent"))
    page = log_in(browser, start, email)
    assert is_consent_page(page)


# -- §3.1.2.1 max_age -----------------------------------------------------------------------------


def test_oidc_core_3_1_2_1_max_age_exceeded_forces_login(
    browser: Browser, signed_in: Rp, email: str, clock: FixedClock, jwks: dict[str, Any]
) -> None:
    clock.advance(seconds=120)
    start = browser.get(authorize_url(signed_in, max_age="60"))
    login_page(browser, start)
    code = assert_code_redirect(log_in(browser, start, email), signed_in, status=303)
    claims = _id_token(signed_in, code, jwks)
    assert claims["auth_time"] == int(clock.now().timestamp())  # §2: REQUIRED with max_age


def test_oidc_core_3_1_2_1_max_age_not_exceeded_reuses_session_with_auth_time(
    browser: Browser, signed_in: Rp, clock: FixedClock, jwks: dict[str, Any]
) -> None:
    logged_in_at = int(clock.now().timestamp())
    clock.advance(seconds=30)
    response = browser.get(authorize_url(signed_in, max_age="3600"))
    claims = _id_token(signed_in, assert_code_redirect(response, signed_in), jwks)
    assert claims["auth_time"] == logged_in_at


def test_oidc_core_3_1_2_1_max_age_zero_always_forces_login(
    browser: Browser, signed_in: Rp, clock: FixedClock
) -> None:
    clock.advance(seconds=1)
    login_page(browser, browser.get(authorize_url(signed_in, max_age="0")))


def test_oidc_core_3_1_2_1_max_age_exceeded_with_prompt_none_is_login_required(
    browser: Browser, signed_in: Rp, clock: FixedClock
) -> None:
    clock.advance(seconds=120)
    response = browser.get(authorize_url(signed_in, max_age="60", prompt="none"))
    assert_error_redirect(response, signed_in, "login_required")


# -- §5.5 claims parameter ------------------------------------------------------------------------


def test_oidc_core_5_5_id_token_member_puts_claim_into_id_token(
    browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    claims_param = json.dumps({"id_token": {"given_name": None}})
    start = browser.get(authorize_url(rp, scope="openid", claims=claims_param))
    page = log_in(browser, start, email)
    assert offered_claims(page) == ["given_name"]
    code = assert_code_redirect(consent(browser, page), rp, status=303)
    claims = _id_token(rp, code, jwks)
    assert claims["given_name"] == "Erika"
    assert "family_name" not in claims and "email" not in claims


def test_oidc_core_5_4_scope_claims_go_to_userinfo_not_id_token(
    app_client: TestClient, browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    """§5.4: with an access token issued, scope claims are served by UserInfo."""
    params = full_login(browser, rp, email, scope="openid profile email")
    body = token_body(rp, params["code"])
    _, claims = decode_jwt(body["id_token"], jwks)
    assert "given_name" not in claims and "email" not in claims
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.json()["given_name"] == "Erika"


def test_oidc_core_5_5_userinfo_member_is_respected(
    app_client: TestClient, browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    claims_param = json.dumps({"userinfo": {"email": None, "family_name": None}})
    start = browser.get(authorize_url(rp, scope="openid", claims=claims_param))
    page = log_in(browser, start, email)
    assert sorted(offered_claims(page)) == ["email", "family_name"]
    body = token_body(rp, assert_code_redirect(consent(browser, page), rp, status=303))
    _, id_claims = decode_jwt(body["id_token"], jwks)
    assert "email" not in id_claims and "family_name" not in id_claims
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    data = info.json()
    assert data["email"] == email
    assert data["family_name"] == "Mustermann"
    assert "given_name" not in data


def test_oidc_core_5_5_deselected_claim_is_not_released_in_id_token(
    browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    """V-01: a claim asked through `claims` but not consented never appears."""
    claims_param = json.dumps({"id_token": {"given_name": None, "family_name": None}})
    start = browser.get(authorize_url(rp, scope="openid", claims=claims_param))
    page = log_in(browser, start, email)
    code = assert_code_redirect(consent(browser, page, claims=["family_name"]), rp, status=303)
    claims = _id_token(rp, code, jwks)
    assert claims["family_name"] == "Mustermann"
    assert "given_name" not in claims


def test_oidc_core_5_5_claims_parameter_cannot_add_claims_to_an_existing_consent_silently(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    """V-01: a claim outside the consent asked by name needs consent again (prompt=none fails)."""
    claims_param = json.dumps({"id_token": {"address": None}})
    response = shared_browser.get(
        authorize_url(
            shared_signed_in, scope="openid profile email", claims=claims_param, prompt="none"
        )
    )
    assert_error_redirect(response, shared_signed_in, "consent_required")


OUTSIDE_OPENID = ("address", "email", "birthdate", "given_name", "family_name", "place_of_birth")


def _with_register_evidence(provider: Provider, email: str) -> None:
    """A register-verified identity, so `verified_claims` would have something to release."""
    with provider.sessions() as db:
        db.add(
            IdentityEvidence(
                account_id=account_id_of(provider, email),
                kind="register_letter",
                register_record_id="R-TEST-K03",
                verified_at=provider.clock.now(),
            )
        )
        db.commit()


def test_k03_v01_claims_parameter_cannot_reach_beyond_the_registered_scopes(
    app_client: TestClient, browser: Browser, provider: Provider, jwks: dict[str, Any]
) -> None:
    """Checklist K-03/V-01: a client registered for `openid` only asks through `claims` for
    address, e-mail, names, birth data and `verified_claims`: the consent page offers none of
    them, and neither the ID token nor userinfo carries any."""
    client = make_client(provider, scopes=["openid"], grant_types=["authorization_code"])
    rp = Rp(app_client, client)
    email = make_account(provider, level=TrustLevel.SUBSTANTIAL)
    _with_register_evidence(provider, email)
    asked = {name: {"essential": True} for name in OUTSIDE_OPENID}
    verified = {"verification": {"trust_framework": None}, "claims": dict.fromkeys(OUTSIDE_OPENID)}
    claims_param = json.dumps(
        {
            "id_token": {**asked, "verified_claims": verified},
            "userinfo": {**asked, "verified_claims": verified},
        }
    )
    start = browser.get(authorize_url(rp, scope="openid", claims=claims_param))
    page = log_in(browser, start, email)
    assert is_consent_page(page)
    assert offered_claims(page) == []
    assert 'name="claims"' not in page.text  # not even as a hidden essential claim
    body = token_body(rp, assert_code_redirect(consent(browser, page), rp, status=303))
    _, id_claims = decode_jwt(body["id_token"], jwks)
    leaked = set(id_claims) & {*OUTSIDE_OPENID, "email_verified", "verified_claims"}
    assert leaked == set(), id_claims
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    assert set(info.json()) == {"sub"}


def test_k03_claims_of_scopes_withdrawn_from_the_client_are_no_longer_released(
    app_client: TestClient, browser: Browser, rp: Rp, email: str, provider: Provider
) -> None:
    """K-03 at release: a consent given while the client was registered for `email` no longer
    releases the e-mail once the client's registration drops that scope."""
    params = full_login(browser, rp, email, scope="openid profile email")
    body = token_body(rp, params["code"])
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert app_client.get("/userinfo", headers=headers).json()["email"] == email
    with provider.sessions() as db:
        row = db.get(Client, rp.client.client_id)
        assert row is not None
        row.scopes = ["openid", "profile"]
        db.commit()
    provider.clients.invalidate(rp.client.client_id)
    info = app_client.get("/userinfo", headers=headers).json()
    assert "email" not in info and "email_verified" not in info
    assert info["given_name"] == "Erika"


def test_oidc_core_5_5_unknown_claims_are_ignored(
    shared_browser: Browser, shared_signed_in: Rp, shared_jwks: dict[str, Any]
) -> None:
    claims_param = json.dumps(
        {"id_token": {"shoe_size": None}, "userinfo": {"x": {"essential": True}}}
    )
    response = shared_browser.get(authorize_url(shared_signed_in, claims=claims_param))
    claims = _id_token(
        shared_signed_in, assert_code_redirect(response, shared_signed_in), shared_jwks
    )
    assert "shoe_size" not in claims


def test_oidc_core_5_5_essential_claim_cannot_be_deselected_only_denied(
    app_client: TestClient, browser: Browser, rp: Rp, email: str
) -> None:
    claims_param = json.dumps({"userinfo": {"email": {"essential": True}}})
    start = browser.get(authorize_url(rp, scope="openid profile", claims=claims_param))
    page = log_in(browser, start, email)
    assert 'type="hidden" name="claims" value="email"' in page.text
    response = consent(browser, page, claims=["given_name"])
    body = token_body(rp, assert_code_redirect(response, rp, status=303))
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.json()["email"] == email
    assert "family_name" not in info.json()


# -- §5.5.1.1 acr: step-up never bypassed, never a higher acr than reached (P-11) -----------------


def test_oidc_core_5_5_1_1_essential_substantial_for_password_session_is_unmet_requirements(
    browser: Browser, rp: Rp, email: str
) -> None:
    start = browser.get(authorize_url(rp, claims=_essential_acr(EIDAS_SUBSTANTIAL)))
    response = log_in(browser, start, email)
    assert_error_redirect(response, rp, "unmet_authentication_requirements", status=303)


def test_oidc_core_5_5_1_1_essential_substantial_with_existing_session_is_unmet_requirements(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    response = shared_browser.get(
        authorize_url(shared_signed_in, claims=_essential_acr(EIDAS_SUBSTANTIAL))
    )
    assert_error_redirect(response, shared_signed_in, "unmet_authentication_requirements")


@pytest.mark.parametrize(
    "value",
    [EIDAS_HIGH, "STORK-QAA-Level-4", "http://bsi.bund.de/eID/LoA/hoch", "STORK-QAA-Level-3"],
)
def test_oidc_core_5_5_1_1_essential_high_in_any_vocabulary_is_unmet_requirements(
    shared_browser: Browser, shared_signed_in: Rp, value: str
) -> None:
    response = shared_browser.get(authorize_url(shared_signed_in, claims=_essential_acr(value)))
    assert_error_redirect(response, shared_signed_in, "unmet_authentication_requirements")


def test_oidc_core_5_5_1_1_essential_substantial_with_prompt_none_is_login_required(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    response = shared_browser.get(
        authorize_url(shared_signed_in, claims=_essential_acr(EIDAS_SUBSTANTIAL), prompt="none")
    )
    assert_error_redirect(response, shared_signed_in, "login_required")


def test_oidc_core_5_5_1_1_essential_low_or_substantial_is_answered_with_low(
    shared_browser: Browser, shared_signed_in: Rp, shared_jwks: dict[str, Any]
) -> None:
    """Several essential values: any one satisfied is enough; the reached level is answered."""
    response = shared_browser.get(
        authorize_url(shared_signed_in, claims=_essential_acr(EIDAS_SUBSTANTIAL, EIDAS_LOW))
    )
    claims = _id_token(
        shared_signed_in, assert_code_redirect(response, shared_signed_in), shared_jwks
    )
    assert claims["acr"] == EIDAS_LOW


def test_oidc_core_3_1_2_1_voluntary_acr_values_substantial_yields_reached_level_low(
    browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    params = full_login(browser, rp, email, acr_values=EIDAS_SUBSTANTIAL)
    claims = _id_token(rp, params["code"], jwks)
    assert claims["acr"] == EIDAS_LOW
    assert claims["amr"] == ["pwd"]


def test_oidc_core_5_5_1_1_voluntary_acr_claim_substantial_yields_low(
    shared_browser: Browser, shared_signed_in: Rp, shared_jwks: dict[str, Any]
) -> None:
    claims_param = json.dumps({"id_token": {"acr": {"values": [EIDAS_SUBSTANTIAL]}}})
    response = shared_browser.get(authorize_url(shared_signed_in, claims=claims_param))
    claims = _id_token(
        shared_signed_in, assert_code_redirect(response, shared_signed_in), shared_jwks
    )
    assert claims["acr"] == EIDAS_LOW


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        pytest.param("STORK-QAA-Level-1", "STORK-QAA-Level-1", id="stork-low"),
        pytest.param("STORK-QAA-Level-3", "STORK-QAA-Level-1", id="stork-substantial"),
        pytest.param(
            "http://bsi.bund.de/eID/LoA/normal", "http://bsi.bund.de/eID/LoA/normal", id="bsi-low"
        ),
        pytest.param(
            "http://bsi.bund.de/eID/LoA/substantiell",
            "http://bsi.bund.de/eID/LoA/normal",
            id="bsi-substantial",
        ),
        pytest.param(EIDAS_HIGH, EIDAS_LOW, id="eidas-high"),
        pytest.param("urn:unknown:acr", EIDAS_LOW, id="unknown-defaults-to-eidas"),
    ],
)
def test_oidc_core_3_1_2_1_acr_values_are_answered_in_the_requested_vocabulary(
    shared_browser: Browser,
    shared_signed_in: Rp,
    shared_jwks: dict[str, Any],
    asked: str,
    answered: str,
) -> None:
    """DESIGN §4: the ID token answers in the vocabulary the client asked in, at the level
    actually reached (a password session is low)."""
    response = shared_browser.get(authorize_url(shared_signed_in, acr_values=asked))
    code = assert_code_redirect(response, shared_signed_in)
    body = token_body(shared_signed_in, code)
    _, id_claims = decode_jwt(body["id_token"], shared_jwks)
    assert id_claims["acr"] == answered
    _, at_claims = decode_jwt(body["access_token"], shared_jwks)
    assert at_claims["acr"] == answered


def test_oidc_core_5_5_1_1_essential_acr_in_stork_vocabulary_is_answered_in_stork(
    shared_browser: Browser, shared_signed_in: Rp, shared_jwks: dict[str, Any]
) -> None:
    response = shared_browser.get(
        authorize_url(shared_signed_in, claims=_essential_acr("STORK-QAA-Level-1"))
    )
    claims = _id_token(
        shared_signed_in, assert_code_redirect(response, shared_signed_in), shared_jwks
    )
    assert claims["acr"] == "STORK-QAA-Level-1"


def test_oidc_core_3_1_2_1_acr_vocabulary_survives_the_login_pages(
    browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    """The vocabulary travels through the pending interaction (login + consent) as well."""
    params = full_login(browser, rp, email, acr_values="http://bsi.bund.de/eID/LoA/normal")
    claims = _id_token(rp, params["code"], jwks)
    assert claims["acr"] == "http://bsi.bund.de/eID/LoA/normal"


def test_oidc_core_12_2_refresh_keeps_acr_vocabulary(
    browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    params = full_login(
        browser, rp, email, scope="openid offline_access", acr_values="STORK-QAA-Level-1"
    )
    body = token_body(rp, params["code"])
    refreshed = rp.token(grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    _, claims = decode_jwt(refreshed.json()["id_token"], jwks)
    assert claims["acr"] == "STORK-QAA-Level-1"
