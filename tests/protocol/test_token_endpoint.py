"""The token endpoint: RFC 6749 §2.3, §4.1.3, §4.4, §5.1–§5.2, §6, §10.5; RFC 7523 §3 (client
assertions); RFC 7636 (PKCE for public clients); RFC 9068 (JWT access tokens); RFC 9700 §4.14.2
(refresh-token rotation, reuse revokes the grant). Checklist P-03, P-06, P-07, P-08, P-13, P-14,
P-18.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey

from servicekonto.clock import FixedClock
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.protocol.flows import OFFLINE, bearer, refresh, signed_in_code, tokens_for
from tests.support import (
    Browser,
    RegisteredClient,
    Rp,
    decode_jwt,
    full_login,
    make_account,
    make_client,
)

ISSUER = "http://testserver"
TOKEN_ENDPOINT = ISSUER + "/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


# -- helpers -------------------------------------------------------------------------------------


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json()["error"] == error, response.text
    assert response.headers["cache-control"] == "no-store"


def introspect(http: TestClient, client: RegisteredClient, token: str) -> dict[str, Any]:
    response = http.post(
        "/introspect", data={"token": token}, auth=(client.client_id, client.client_secret or "")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def post_pairs(
    http: TestClient, pairs: list[tuple[str, str]], auth: tuple[str, str] | None = None
) -> httpx.Response:
    return http.post(
        "/token",
        content=urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth,
    )


# -- RFC 6749 §4.1.3 / §10.5: the authorization code -------------------------------------------


@pytest.mark.parametrize("delay", [0, 30])
def test_rfc6749_10_5_code_replay_revokes_issued_tokens(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock, delay: int
) -> None:
    client = make_client(provider)
    rp, code = signed_in_code(app_client, browser, client, make_account(provider))
    first = rp.redeem(code)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert "refresh_token" in tokens
    clock.advance(seconds=delay)

    assert_oauth_error(rp.redeem(code), "invalid_grant")

    info = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert info.status_code == 401
    assert 'error="invalid_token"' in info.headers["www-authenticate"]
    assert info.headers["www-authenticate"].startswith("Bearer")
    assert introspect(app_client, client, tokens["access_token"]) == {"active": False}
    assert introspect(app_client, client, tokens["refresh_token"]) == {"active": False}
    assert_oauth_error(refresh(rp, tokens["refresh_token"]), "invalid_grant")


def test_rfc6749_4_1_3_code_expires_after_60_seconds(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock
) -> None:
    client = make_client(provider)
    email = make_account(provider)
    rp, code = signed_in_code(app_client, browser, client, email)
    clock.advance(seconds=59)
    assert rp.redeem(code).status_code == 200
    rp, code = signed_in_code(app_client, browser, client, email)
    clock.advance(seconds=61)
    assert_oauth_error(rp.redeem(code), "invalid_grant")


def test_rfc6749_4_1_3_code_of_another_client_is_invalid_grant(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client_a = make_client(provider)
    client_b = make_client(provider)
    rp_a, code = signed_in_code(app_client, browser, client_a, make_account(provider))
    rp_b = Rp(app_client, client_b, verifier=rp_a.verifier)
    response = rp_b.redeem(code)
    assert_oauth_error(response, "invalid_grant")
    assert "access_token" not in response.json()


def test_rfc6749_4_1_3_different_redirect_uri_is_invalid_grant(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client = make_client(
        provider, redirect_uris=["https://rp.example/cb", "https://rp.example/other"]
    )
    rp, code = signed_in_code(app_client, browser, client, make_account(provider))
    for other in ("https://rp.example/other", "https://rp.example/cb/", None):
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": rp.verifier}
        if other is not None:
            form["redirect_uri"] = other
        assert_oauth_error(rp.token(**form), "invalid_grant")


def test_rfc7636_4_6_wrong_code_verifier_is_invalid_grant(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client = make_client(provider)
    rp, code = signed_in_code(app_client, browser, client, make_account(provider))
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri}
    assert_oauth_error(rp.token(**form), "invalid_grant")
    assert_oauth_error(rp.token(**form, code_verifier="a" * 43), "invalid_grant")


def test_rfc6749_5_1_token_responses_are_not_cached_and_post_only(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client = make_client(provider)
    rp, code = signed_in_code(app_client, browser, client, make_account(provider))
    ok = rp.redeem(code)
    assert ok.status_code == 200
    assert ok.headers["cache-control"] == "no-store"
    assert ok.headers["pragma"] == "no-cache"
    body = ok.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert_oauth_error(rp.redeem("no-such-code"), "invalid_grant")
    # §3.2: the token endpoint takes POST only
    assert app_client.get("/token").status_code == 405
    assert app_client.get("/token?grant_type=client_credentials").status_code == 405


# -- RFC 6749 §5.2: grant types and request shape -----------------------------------------------


def test_rfc6749_5_2_unsupported_grant_type(app_client: TestClient, provider: Provider) -> None:
    """Checklist P-03: no ROPC, no implicit, nothing unknown (RFC 9700 §2.4)."""
    rp = Rp(app_client, make_client(provider))
    for grant_type in (
        "password",
        "implicit",
        "token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "garbage",
        "AUTHORIZATION_CODE",
    ):
        response = rp.token(grant_type=grant_type, username="someone@example.org", password="x")
        assert_oauth_error(response, "unsupported_grant_type")
    # a missing grant_type is a missing required parameter
    assert_oauth_error(rp.token(code="x"), "invalid_request")


def test_rfc6749_5_2_grant_not_registered_is_unauthorized_client(
    app_client: TestClient, provider: Provider
) -> None:
    cases = [
        (["authorization_code", "refresh_token"], "client_credentials"),
        (["authorization_code"], "refresh_token"),
        (["client_credentials"], "authorization_code"),
        (["client_credentials"], "refresh_token"),
    ]
    for registered, asked in cases:
        client = make_client(provider, grant_types=registered)
        response = Rp(app_client, client).token(
            grant_type=asked, code="x", refresh_token="y", redirect_uri=client.redirect_uri
        )
        assert_oauth_error(response, "unauthorized_client")


def test_rfc6749_3_2_repeated_parameter_is_invalid_request(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    auth = (client.client_id, client.client_secret or "")
    base = [
        ("grant_type", "client_credentials"),
        ("scope", "postfach"),
        ("client_id", client.client_id),
    ]
    assert post_pairs(app_client, base, auth=auth).status_code == 200
    for repeated in base:
        response = post_pairs(app_client, [*base, repeated], auth=auth)
        assert_oauth_error(response, "invalid_request")


# -- RFC 6749 §2.3: client authentication -------------------------------------------------------


def test_rfc6749_2_3_1_wrong_secret_basic_is_401_with_challenge(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    response = app_client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, "wrong")
    )
    assert_oauth_error(response, "invalid_client", 401)
    assert response.headers["www-authenticate"].startswith("Basic")
    unknown = app_client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=("no-such-client", "wrong")
    )
    assert_oauth_error(unknown, "invalid_client", 401)
    assert unknown.headers["www-authenticate"].startswith("Basic")
    for header in ("Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = app_client.post(
            "/token", data={"grant_type": "client_credentials"}, headers={"Authorization": header}
        )
        assert_oauth_error(response, "invalid_client", 401)


def test_rfc6749_2_3_no_client_authentication_is_401(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    bare = app_client.post("/token", data={"grant_type": "client_credentials"})
    assert_oauth_error(bare, "invalid_client", 401)
    named = app_client.post(
        "/token", data={"grant_type": "client_credentials", "client_id": client.client_id}
    )
    assert_oauth_error(named, "invalid_client", 401)


def test_rfc6749_2_3_1_only_the_registered_secret_method_is_accepted(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    response = app_client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
    )
    assert_oauth_error(response, "invalid_client", 401)
    # and the other way round: a client_secret_post client cannot use Basic
    client = make_client(
        provider,
        grant_types=["client_credentials"],
        scopes=["postfach"],
        token_endpoint_auth_method="client_secret_post",
    )
    ok = app_client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
    )
    assert ok.status_code == 200, ok.text
    basic = app_client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret or ""),
    )
    assert_oauth_error(basic, "invalid_client", 401)


def test_rfc6749_2_3_two_authentication_methods_is_invalid_request(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    response = app_client.post(
        "/token",
        data={"grant_type": "client_credentials", "client_secret": client.client_secret},
        auth=(client.client_id, client.client_secret or ""),
    )
    assert_oauth_error(response, "invalid_request")
    both = app_client.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": "a.b.c",
        },
    )
    assert_oauth_error(both, "invalid_request")


def test_rfc7636_public_client_redeems_with_pkce_and_no_secret(
    app_client: TestClient, provider: Provider, browser: Browser, jwks: dict[str, Any]
) -> None:
    client = make_client(provider, token_endpoint_auth_method="none")
    assert client.client_secret is None
    rp, code = signed_in_code(app_client, browser, client, make_account(provider), "openid")
    base = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "client_id": client.client_id,
    }
    # without the verifier a public client has nothing to prove possession with
    assert_oauth_error(app_client.post("/token", data=base), "invalid_grant")
    response = app_client.post("/token", data={**base, "code_verifier": rp.verifier})
    assert response.status_code == 200, response.text
    _header, claims = decode_jwt(response.json()["id_token"], jwks)
    assert claims["aud"] == client.client_id
    # a public client cannot pretend to authenticate with a secret
    fake = app_client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, "anything"),
    )
    assert_oauth_error(fake, "invalid_client", 401)


# -- RFC 7523 §3 / OIDC Core §9: private_key_jwt --------------------------------------------------


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def es256_by_hand(key: ECKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A JWS compact serialisation that a library might refuse to produce (e.g. with `crit`)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    der = key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class AssertionClient:
    """A private_key_jwt client registered with an ES256 public key."""

    def __init__(self, provider: Provider, http: TestClient, clock: FixedClock) -> None:
        self.key = ECKey.generate_key("P-256", private=True, parameters={"kid": "rp-key-1"})
        public = {k: str(v) for k, v in self.key.as_dict(private=False).items()}
        registered = make_client(
            provider,
            grant_types=["client_credentials"],
            scopes=["postfach", "status"],
            token_endpoint_auth_method="private_key_jwt",
            jwks={"keys": [public]},
        )
        self.client_id = registered.client_id
        self.http = http
        self.clock = clock

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(self.clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": ISSUER,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def assertion(self, key: ECKey | None = None, **overrides: Any) -> str:
        key = key or self.key
        header = {"alg": "ES256", "kid": "rp-key-1", "typ": "JWT"}
        return jwt.encode(header, self.claims(**overrides), key, algorithms=["ES256"])

    def token(self, assertion: str, **extra: str) -> httpx.Response:
        return self.http.post(
            "/token",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": JWT_BEARER,
                "client_assertion": assertion,
                **extra,
            },
        )


@pytest.fixture
def pkjwt(provider: Provider, app_client: TestClient, clock: FixedClock) -> AssertionClient:
    return AssertionClient(provider, app_client, clock)


def test_rfc7523_3_private_key_jwt_client_credentials(
    pkjwt: AssertionClient, jwks: dict[str, Any]
) -> None:
    """The issuer and the token endpoint URL are both accepted as `aud` (RFC 7523 §3 item 3)."""
    for audience in (ISSUER, TOKEN_ENDPOINT, [TOKEN_ENDPOINT, "https://x.example"]):
        response = pkjwt.token(pkjwt.assertion(aud=audience))
        assert response.status_code == 200, (audience, response.text)
        assert response.headers["cache-control"] == "no-store"
        _header, claims = decode_jwt(response.json()["access_token"], jwks)
        assert claims["client_id"] == pkjwt.client_id
        assert claims["sub"] == pkjwt.client_id
    ok = pkjwt.token(pkjwt.assertion(), client_id=pkjwt.client_id)
    assert ok.status_code == 200, ok.text
    other = pkjwt.token(pkjwt.assertion(), client_id="someone-else")
    assert_oauth_error(other, "invalid_client", 401)


def test_rfc7523_3_replayed_jti_is_invalid_client(pkjwt: AssertionClient) -> None:
    assertion = pkjwt.assertion()
    assert pkjwt.token(assertion).status_code == 200
    assert_oauth_error(pkjwt.token(assertion), "invalid_client", 401)
    # also with a freshly signed assertion that reuses the jti
    jti = pkjwt.claims()["jti"]
    assert pkjwt.token(pkjwt.assertion(jti=jti)).status_code == 200
    assert_oauth_error(pkjwt.token(pkjwt.assertion(jti=jti)), "invalid_client", 401)


def test_rfc7523_3_bad_assertion_claims_are_invalid_client(pkjwt: AssertionClient) -> None:
    now = int(pkjwt.clock.now().timestamp())
    # within the tolerated clock skew (10 s): accepted
    skewed = pkjwt.token(pkjwt.assertion(iat=now + 5, exp=now + 65))
    assert skewed.status_code == 200, skewed.text
    cases: dict[str, dict[str, Any]] = {
        "wrong_aud": {"aud": "https://other-op.example"},
        "aud_of_other_endpoint": {"aud": ISSUER + "/userinfo"},
        "expired": {"iat": now - 300, "exp": now - 30},
        "exp_too_far_ahead": {"exp": now + 15 * 60},
        "iat_in_future": {"iat": now + 120, "exp": now + 180},
        "nbf_in_future": {"nbf": now + 120, "exp": now + 180},
        "no_exp": {"exp": None},
        "no_jti": {"jti": None},
        "sub_not_client": {"sub": "someone-else", "iss": "someone-else"},
        "iss_differs_from_sub": {"iss": "someone-else"},
    }
    for case, overrides in cases.items():
        response = pkjwt.token(pkjwt.assertion(**overrides))
        assert response.status_code == 401, (case, response.text)
        assert response.json()["error"] == "invalid_client", case


def test_rfc8725_3_1_alg_none_and_hs256_with_public_key_are_invalid_client(
    pkjwt: AssertionClient,
) -> None:
    """Checklist P-18: `alg=none` and algorithm confusion (CVE-2024-37568 class)."""
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64url(json.dumps(pkjwt.claims()).encode())
    assert_oauth_error(pkjwt.token(f"{header}.{body}."), "invalid_client", 401)
    # an oversized header segment is refused before parsing (CVE-2025-61920 class)
    huge = b64url(json.dumps({"alg": "ES256", "pad": "x" * 40_000}).encode())
    assert_oauth_error(pkjwt.token(f"{huge}.{body}.sig"), "invalid_client", 401)
    # unknown critical header (RFC 7515 §4.1.11, CVE-2025-59420 class)
    crit = {"alg": "ES256", "kid": "rp-key-1", "crit": ["x-unknown"], "x-unknown": 1}
    critical = es256_by_hand(pkjwt.key, crit, pkjwt.claims())
    # the same hand-made signing without `crit` is accepted, so only `crit` makes the difference
    plain = es256_by_hand(pkjwt.key, {"alg": "ES256", "kid": "rp-key-1"}, pkjwt.claims())
    assert pkjwt.token(plain).status_code == 200
    assert_oauth_error(pkjwt.token(critical), "invalid_client", 401)
    public_pem = pkjwt.key.as_pem(private=False)
    public_json = json.dumps(pkjwt.key.as_dict(private=False)).encode()
    for secret in (public_pem, public_json):
        header = b64url(json.dumps({"alg": "HS256", "kid": "rp-key-1", "typ": "JWT"}).encode())
        body = b64url(json.dumps(pkjwt.claims()).encode())
        signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        forged = f"{header}.{body}.{b64url(signature)}"
        assert_oauth_error(pkjwt.token(forged), "invalid_client", 401)


def test_rfc7523_3_assertion_signed_by_another_key_is_invalid_client(
    pkjwt: AssertionClient, provider: Provider
) -> None:
    """Keys come only from the registered JWKS, never from the token's `jwk` header (P-18)."""
    other = ECKey.generate_key("P-256", private=True)
    assert_oauth_error(pkjwt.token(pkjwt.assertion(key=other)), "invalid_client", 401)
    header = {
        "alg": "ES256",
        "kid": "rp-key-1",
        "jwk": {k: str(v) for k, v in other.as_dict(private=False).items()},
    }
    token = jwt.encode(header, pkjwt.claims(), other, algorithms=["ES256"])
    assert_oauth_error(pkjwt.token(token), "invalid_client", 401)
    response = pkjwt.http.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:example:other",
            "client_assertion": pkjwt.assertion(),
        },
    )
    assert_oauth_error(response, "invalid_client", 401)
    # a client registered for secrets cannot switch to assertions
    secret_client = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    assertion = pkjwt.assertion(iss=secret_client.client_id, sub=secret_client.client_id)
    assert_oauth_error(pkjwt.token(assertion), "invalid_client", 401)


# -- RFC 6749 §6 / RFC 9700 §4.14.2: refresh tokens -----------------------------------------------


def test_oidc_core_11_refresh_token_only_with_offline_access(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    email = make_account(provider)
    client = make_client(provider)
    _rp, with_offline = tokens_for(app_client, browser, client, email, OFFLINE)
    assert with_offline["refresh_token"]
    assert "offline_access" in with_offline["scope"].split()
    other = make_client(provider)
    _rp, without = tokens_for(app_client, browser, other, email, "openid profile")
    assert "refresh_token" not in without
    # a client without the refresh_token grant: offline_access is ignored (§11)
    code_only = make_client(provider, grant_types=["authorization_code"])
    _rp, body = tokens_for(app_client, browser, code_only, email, OFFLINE)
    assert "refresh_token" not in body
    assert "offline_access" not in body["scope"].split()


def test_rfc9700_4_14_2_refresh_rotates_and_reuse_revokes_the_grant(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client = make_client(provider)
    rp, first = tokens_for(app_client, browser, client, make_account(provider))
    rotated = refresh(rp, first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert introspect(app_client, client, second["access_token"])["active"] is True

    # the old refresh token again: refused, and the whole family dies with it
    assert_oauth_error(refresh(rp, first["refresh_token"]), "invalid_grant")
    assert_oauth_error(refresh(rp, second["refresh_token"]), "invalid_grant")
    assert introspect(app_client, client, second["access_token"]) == {"active": False}
    assert introspect(app_client, client, first["access_token"]) == {"active": False}
    info = app_client.get("/userinfo", headers=bearer(second["access_token"]))
    assert info.status_code == 401


def test_rfc6749_6_refresh_token_of_another_client_is_invalid_grant(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client = make_client(provider)
    thief = make_client(provider)
    _rp, tokens = tokens_for(app_client, browser, client, make_account(provider))
    response = refresh(Rp(app_client, thief), tokens["refresh_token"])
    assert_oauth_error(response, "invalid_grant")
    assert "access_token" not in response.json()
    rp = Rp(app_client, client)
    assert_oauth_error(refresh(rp, "no-such-token"), "invalid_grant")
    assert_oauth_error(rp.token(grant_type="refresh_token"), "invalid_request")


def test_rfc6749_6_widened_scope_is_invalid_scope(
    app_client: TestClient, provider: Provider, browser: Browser
) -> None:
    client = make_client(provider)
    rp, tokens = tokens_for(
        app_client, browser, client, make_account(provider), "openid profile offline_access"
    )
    for scope in ("openid profile offline_access email", "address", "openid postfach"):
        assert_oauth_error(refresh(rp, tokens["refresh_token"], scope=scope), "invalid_scope")
    # a refused widening does not burn the refresh token
    assert refresh(rp, tokens["refresh_token"]).status_code == 200


def test_rfc6749_6_narrower_scope_is_granted(
    app_client: TestClient, provider: Provider, browser: Browser, jwks: dict[str, Any]
) -> None:
    client = make_client(provider)
    rp, tokens = tokens_for(app_client, browser, client, make_account(provider))
    response = refresh(rp, tokens["refresh_token"], scope="openid profile")
    assert response.status_code == 200, response.text
    body = response.json()
    _header, at_claims = decode_jwt(body["access_token"], jwks)
    assert set(at_claims["scope"].split()) == {"openid", "profile"}
    assert set(body["scope"].split()) == {"openid", "profile"}
    # the grant itself keeps its original scope: the next refresh may ask for all of it again
    assert body.get("refresh_token")
    again = refresh(rp, body["refresh_token"])
    assert again.status_code == 200, again.text
    assert set(again.json()["scope"].split()) == set(OFFLINE.split())
    info = app_client.get("/userinfo", headers=bearer(body["access_token"]))
    assert info.status_code == 200
    assert "email" not in info.json()


def test_v01_rfc6749_6_narrower_scope_narrows_claims_named_in_the_claims_parameter(
    app_client: TestClient, provider: Provider, browser: Browser, jwks: dict[str, Any]
) -> None:
    """V-01: a token narrowed at refresh to `openid profile` no longer releases the e-mail,
    not even where the `claims` parameter named it (userinfo and the refreshed ID token)."""
    client = make_client(provider)
    rp = Rp(app_client, client)
    email = make_account(provider)
    named = {"email": None, "given_name": None}
    params = full_login(
        browser, rp, email, scope=OFFLINE, claims=json.dumps({"id_token": named, "userinfo": named})
    )
    tokens = rp.redeem(params["code"]).json()
    full_info = app_client.get("/userinfo", headers=bearer(tokens["access_token"])).json()
    assert full_info["email"] == email and full_info["given_name"] == "Erika"

    response = refresh(rp, tokens["refresh_token"], scope="openid profile")
    assert response.status_code == 200, response.text
    narrowed = response.json()
    info = app_client.get("/userinfo", headers=bearer(narrowed["access_token"])).json()
    assert info["given_name"] == "Erika"
    assert "email" not in info and "email_verified" not in info
    _h, id_claims = decode_jwt(narrowed["id_token"], jwks)
    assert id_claims["given_name"] == "Erika"
    assert "email" not in id_claims

    only_openid = refresh(rp, narrowed["refresh_token"], scope="openid").json()
    info = app_client.get("/userinfo", headers=bearer(only_openid["access_token"])).json()
    assert set(info) == {"sub"}
    # the grant keeps its claims: the full scope releases the e-mail again
    full = refresh(rp, only_openid["refresh_token"]).json()
    info = app_client.get("/userinfo", headers=bearer(full["access_token"])).json()
    assert info["email"] == email


def test_oidc_core_12_2_refreshed_id_token_keeps_sub_and_auth_time(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    clock: FixedClock,
    jwks: dict[str, Any],
) -> None:
    client = make_client(provider)
    rp, tokens = tokens_for(app_client, browser, client, make_account(provider))
    _h, original = decode_jwt(tokens["id_token"], jwks)
    clock.advance(seconds=900)
    response = refresh(rp, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    _h, refreshed = decode_jwt(response.json()["id_token"], jwks)
    for claim in ("iss", "sub", "aud", "auth_time", "acr"):
        assert refreshed[claim] == original[claim], claim
    assert refreshed["iat"] == original["iat"] + 900
    assert "nonce" not in refreshed


def test_rfc9700_4_14_2_refresh_token_has_an_absolute_lifetime(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    clock: FixedClock,
    settings: Settings,
) -> None:
    client = make_client(provider)
    rp, tokens = tokens_for(app_client, browser, client, make_account(provider))
    current = tokens["refresh_token"]
    # keep using it (sliding use) until just before the absolute end
    for _ in range(2):
        clock.advance(seconds=settings.refresh_token_ttl // 3)
        response = refresh(rp, current)
        assert response.status_code == 200, response.text
        current = response.json()["refresh_token"]
    clock.advance(seconds=settings.refresh_token_ttl // 3 + 2)
    assert_oauth_error(refresh(rp, current), "invalid_grant")


# -- RFC 6749 §4.4 / RFC 9068: client credentials ------------------------------------------------


def cc_client(provider: Provider) -> RegisteredClient:
    return make_client(
        provider, grant_types=["client_credentials"], scopes=["openid", "postfach", "status"]
    )


def test_rfc9068_client_credentials_token_is_an_at_jwt(
    app_client: TestClient, provider: Provider, jwks: dict[str, Any], clock: FixedClock
) -> None:
    client = cc_client(provider)
    response = Rp(app_client, client).token(grant_type="client_credentials", scope="postfach")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "postfach"
    assert "refresh_token" not in body and "id_token" not in body
    header, claims = decode_jwt(body["access_token"], jwks)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert claims["iss"] == ISSUER
    assert claims["sub"] == client.client_id
    assert claims["client_id"] == client.client_id
    assert claims["aud"] == ISSUER
    assert claims["iat"] == int(clock.now().timestamp())
    assert claims["exp"] - claims["iat"] == 300
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    assert claims["scope"] == "postfach"
    # without `scope`: every registered non-identity scope, never openid/profile
    response = Rp(app_client, client).token(grant_type="client_credentials")
    assert response.status_code == 200, response.text
    _header, claims = decode_jwt(response.json()["access_token"], jwks)
    assert set(claims["scope"].split()) == {"postfach", "status"}
    again = Rp(app_client, client).token(grant_type="client_credentials")
    assert again.json()["access_token"] != response.json()["access_token"]


def test_rfc6749_4_4_scope_not_allowed_is_invalid_scope(
    app_client: TestClient, provider: Provider
) -> None:
    """Unregistered scopes, and `openid`: client credentials never carry an end-user."""
    rp = Rp(app_client, cc_client(provider))
    for scope in ("admin", "postfach admin", "openid", "openid postfach", "profile", ""):
        response = rp.token(grant_type="client_credentials", scope=scope)
        assert response.status_code == 400, (scope, response.text)
        assert response.json()["error"] == "invalid_scope", scope
