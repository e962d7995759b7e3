"""The authorization request's checks (`oidc.authorize.CHECKS`, RFC 6749 §4.1.1, OIDC Core
§3.1.2.1/§3.1.2.2): each `check_*` gives its exact error, and they run in order, so the first
failing one is the error the client sees (the protocol tests pin those over HTTP)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from servicekonto.clients.service import ClientInfo
from servicekonto.errors import OAuthError
from servicekonto.oidc import authorize

REDIRECT_URI = "https://rp.example/cb"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
CLIENT = ClientInfo(
    client_id="client-1",
    name="Portal",
    secret_digest=None,
    redirect_uris=(REDIRECT_URI,),
    post_logout_redirect_uris=(),
    grant_types=frozenset({"authorization_code"}),
    scopes=frozenset({"openid", "profile", "email", "offline_access"}),
    token_endpoint_auth_method="none",
    jwks=None,
    sector="rp.example",
    subject_type="pairwise",
    backchannel_logout_uri=None,
    id_token_signed_response_alg="ES256",
    disabled=False,
)
VALID = {
    "client_id": "client-1",
    "redirect_uri": REDIRECT_URI,
    "response_type": "code",
    "scope": "openid profile",
    "state": "state-1",
    "code_challenge": CHALLENGE,
    "code_challenge_method": "S256",
}


def test_checks_run_in_this_order() -> None:
    assert [check.__name__ for check in authorize.CHECKS] == [
        "check_state",
        "check_request_object",
        "check_response_type",
        "check_response_mode",
        "check_grant_type",
        "check_scope",
        "check_pkce",
        "check_prompt",
        "check_max_age",
        "check_nonce",
        "check_claims",
        "check_offline_access",
    ]


@pytest.mark.parametrize(
    ("change", "error", "description"),
    [
        ({"state": "s" * 2049}, "invalid_request", "state too long"),
        ({"request": "eyJ"}, "request_not_supported", "request objects are not supported"),
        (
            {"request_uri": "https://rp.example/r"},
            "request_uri_not_supported",
            "request_uri is not supported",
        ),
        ({"response_type": ""}, "invalid_request", "response_type is required"),
        (
            {"response_type": "token"},
            "unsupported_response_type",
            "only response_type=code is supported",
        ),
        ({"response_mode": "fragment"}, "invalid_request", "only response_mode=query is supported"),
        ({"scope": ""}, "invalid_scope", "scope is required"),
        ({"scope": "openid admin"}, "invalid_scope", "scope not allowed for this client"),
        ({"code_challenge": ""}, "invalid_request", "code_challenge is required (PKCE)"),
        (
            {"code_challenge_method": "plain"},
            "invalid_request",
            "code_challenge_method must be S256",
        ),
        ({"prompt": "sometimes"}, "invalid_request", "unknown prompt value"),
        ({"prompt": "none login"}, "invalid_request", "prompt=none cannot be combined"),
        ({"max_age": "-1"}, "invalid_request", "max_age must be a non-negative integer"),
        ({"max_age": "1234567890"}, "invalid_request", "max_age must be a non-negative integer"),
        ({"nonce": "n" * 513}, "invalid_request", "nonce too long"),
        ({"claims": "{"}, "invalid_request", "claims parameter is not valid JSON"),
    ],
)
def test_each_check_gives_its_error(change: dict[str, str], error: str, description: str) -> None:
    with pytest.raises(OAuthError) as raised:
        authorize.validate(CLIENT, {**VALID, **change})
    assert (raised.value.error, raised.value.description) == (error, description)
    assert raised.value.redirect_uri == REDIRECT_URI


def test_state_too_long_is_not_echoed_back() -> None:
    with pytest.raises(OAuthError) as raised:
        authorize.validate(CLIENT, {**VALID, "state": "s" * 2049})
    assert raised.value.state is None


def test_later_errors_carry_the_state() -> None:
    with pytest.raises(OAuthError) as raised:
        authorize.validate(CLIENT, {**VALID, "nonce": "n" * 513})
    assert raised.value.state == "state-1"


def test_client_without_the_code_flow_is_unauthorized_client() -> None:
    client = replace(CLIENT, grant_types=frozenset({"client_credentials"}))
    with pytest.raises(OAuthError) as raised:
        authorize.validate(client, VALID)
    assert (raised.value.error, raised.value.description) == (
        "unauthorized_client",
        "client may not use the authorization code flow",
    )


def test_first_failing_check_wins() -> None:
    """A bad response_type and a bad scope: response_type is checked first."""
    with pytest.raises(OAuthError) as raised:
        authorize.validate(CLIENT, {**VALID, "response_type": "token", "scope": "admin"})
    assert raised.value.error == "unsupported_response_type"


def test_offline_access_without_refresh_grant_is_dropped_not_refused() -> None:
    """OIDC Core §11: what cannot be granted is ignored."""
    request = authorize.validate(CLIENT, {**VALID, "scope": "openid offline_access"})
    assert request.scopes == ["openid"]


def test_valid_request_keeps_every_checked_value() -> None:
    request = authorize.validate(
        CLIENT,
        {**VALID, "prompt": "login consent", "max_age": "300", "nonce": "n-1", "acr_values": "a b"},
    )
    assert (request.scopes, request.prompt, request.max_age, request.nonce) == (
        ["openid", "profile"],
        ["login", "consent"],
        300,
        "n-1",
    )
    assert (request.code_challenge, request.state, request.acr_values) == (
        CHALLENGE,
        "state-1",
        ["a", "b"],
    )
