"""OpenID Connect Core 1.0 §3.1: the authorization code flow end to end through our pages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from servicekonto.oidc.provider import Provider
from tests.support import Browser, Rp, decode_jwt, full_login, make_account, make_client


def test_oidc_core_3_1_code_flow_issues_tokens_and_userinfo(
    app_client: TestClient, provider: Provider, browser: Browser, jwks: dict[str, Any]
) -> None:
    client = make_client(provider)
    email = make_account(provider)
    rp = Rp(app_client, client)
    params = full_login(browser, rp, email)
    assert params["state"] == rp.state
    assert params["iss"] == "http://testserver"
    response = rp.redeem(params["code"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    header, claims = decode_jwt(body["id_token"], jwks)
    assert header["alg"] == "ES256"
    assert claims["nonce"] == rp.nonce
    assert claims["aud"] == client.client_id
    assert claims["acr"] == "http://eidas.europa.eu/LoA/low"
    assert claims["amr"] == ["pwd"]
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == claims["sub"]
    assert info.json()["given_name"] == "Erika"
    assert info.json()["email"] == email
