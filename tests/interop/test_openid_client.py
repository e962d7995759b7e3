"""panva's openid-client (a certified RP, npm) against a real `servicekonto serve` (DESIGN §11).

`openid_client/rp.mjs` runs the whole relying-party side through openid-client's own API and
plays the user agent through our login and consent forms; this test seeds the account and the
client, runs it once, and asserts on the JSON it prints. Specs: OIDC Core 1.0 §3.1 (code flow,
ID token validation §3.1.3.7), RFC 7636 (PKCE), RFC 9207 (`iss`), RFC 6749 §6 with DESIGN §8
(refresh rotation, reuse revokes the grant), RFC 7662, RFC 7009, RP-Initiated Logout 1.0.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from servicekonto.oidc.provider import Provider
from tests.conftest import ServerProcess, free_port
from tests.support import PASSWORD, make_account, make_client
from tests.tools import INTEROP_DIR, require_node_package

pytestmark = [pytest.mark.postgres, pytest.mark.server, pytest.mark.timeout(60)]

RP_SCRIPT = INTEROP_DIR / "openid_client" / "rp.mjs"
SCOPE = "openid profile email offline_access"


def run_rp(arguments: dict[str, str]) -> dict[str, Any]:
    # Run from tests/interop so Node resolves `openid-client` from its node_modules.
    completed = subprocess.run(
        ["node", str(RP_SCRIPT), json.dumps(arguments)],
        cwd=INTEROP_DIR,
        capture_output=True,
        text=True,
        timeout=45,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def rejected(outcome: dict[str, Any]) -> dict[str, Any]:
    assert outcome["ok"] is False, f"openid-client accepted what it should refuse: {outcome}"
    error: dict[str, Any] = outcome["error"]
    return error


@pytest.fixture
def openid_client_installed() -> None:
    """Skip (fail under CI=true) before a server is started for nothing."""
    require_node_package("openid-client")


def test_openid_client_code_flow_refresh_introspection_revocation_logout(
    openid_client_installed: None, server: ServerProcess, server_provider: Provider
) -> None:
    # Nothing listens on these loopback URIs: the user agent stops at the redirect to them.
    rp_origin = f"http://127.0.0.1:{free_port()}"
    client = make_client(
        server_provider,
        name="openid-client RP",
        redirect_uris=[f"{rp_origin}/cb"],
        post_logout_redirect_uris=[f"{rp_origin}/logged-out"],
        grant_types=["authorization_code", "refresh_token"],
        scopes=SCOPE.split(),
    )
    email = make_account(server_provider)
    assert client.client_secret

    out = run_rp(
        {
            "issuer": server.base_url,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "redirect_uri": client.redirect_uri,
            "post_logout_redirect_uri": f"{rp_origin}/logged-out",
            "username": email,
            "password": PASSWORD,
        }
    )
    issuer = server.base_url

    # Discovery as openid-client read it; the RFC 9207 flag is what makes it demand `iss`.
    assert out["discovery"]["issuer"] == issuer
    assert out["discovery"]["authorization_response_iss_parameter_supported"] is True
    assert out["discovery"]["end_session_endpoint"] == f"{issuer}/logout"

    # The request openid-client built: PKCE S256, state, nonce, our client and redirect URI.
    request = out["authorization_request"]
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43  # base64url of a SHA-256 digest
    assert request["state"] and request["nonce"]
    assert request["client_id"] == client.client_id
    assert request["redirect_uri"] == client.redirect_uri
    assert request["scope"] == SCOPE

    # The user agent went through both of our forms, and we answered with code, state and iss.
    assert out["first_login"]["forms_seen"] == ["login", "consent"]
    callback = out["first_login"]["callback_params"]
    assert set(callback) == {"code", "state", "iss"}
    assert callback["state"] == request["state"]
    assert callback["iss"] == issuer

    # openid-client refused the doctored responses before spending the code (the real
    # exchange after them succeeded), and refused a forged ID token signature.
    causes = {
        "tampered_state": 'unexpected "state" response parameter value',
        "wrong_iss": 'unexpected "iss" (issuer) response parameter value',
        "missing_iss": 'response parameter "iss" (issuer) missing',
        "forged_id_token_signature": "JWT signature verification failed",
    }
    assert set(out["rejected"]) == set(causes)
    for case, cause in causes.items():
        error = rejected(out["rejected"][case])
        assert error["name"] == "ClientError" and error["class_is_client_error"], (case, error)
        assert error["code"] == "OAUTH_INVALID_RESPONSE", (case, error)
        assert error["cause"] == cause, (case, error)

    # The token response and the ID token openid-client validated (ES256 via our JWKS).
    tokens = out["token_response"]
    assert tokens["token_type"] == "bearer"  # openid-client lower-cases it
    assert tokens["expires_in"] == 300
    assert tokens["scope"] == SCOPE
    assert tokens["has_refresh_token"] is True
    published = {key["kid"]: key for key in httpx.get(f"{issuer}/jwks").json()["keys"]}
    for header, typ in (
        (tokens["id_token_header"], "JWT"),
        (tokens["access_token_header"], "at+jwt"),
    ):
        assert header["alg"] == "ES256" and header["typ"] == typ
        assert published[header["kid"]]["kty"] == "EC"
    claims = out["id_token_claims"]
    assert claims["iss"] == issuer
    assert claims["aud"] == client.client_id and claims["azp"] == client.client_id
    assert claims["nonce"] == request["nonce"]
    assert claims["acr"] == "http://eidas.europa.eu/LoA/low"  # a `basic` account, password login
    assert claims["amr"] == ["pwd"]
    assert claims["sid"]
    assert claims["iat"] <= claims["auth_time"] + 5 and claims["exp"] > claims["iat"]
    sub = claims["sub"]

    # userinfo carries the consented claims for the same (pairwise) subject.
    expected_userinfo = {
        "sub": sub,
        "email": email,
        "email_verified": True,
        "given_name": "Erika",
        "family_name": "Mustermann",
        "birthdate": "1964-08-12",
    }
    assert out["userinfo"] == expected_userinfo

    # Introspection of the access token (RFC 7662 §2.2).
    assert out["introspection_access"] == {
        "active": True,
        "client_id": client.client_id,
        "scope": SCOPE,
        "token_type": "Bearer",
        "sub": sub,
        "iss": issuer,
        "exp": out["introspection_access"]["exp"],
    }

    # Refresh rotates both tokens; the new access token works at userinfo.
    refresh = out["refresh"]
    assert refresh["new_access_token_differs"] and refresh["new_refresh_token_differs"]
    assert refresh["userinfo"] == expected_userinfo
    assert refresh["introspection_refresh"]["active"] is True
    assert refresh["introspection_refresh"]["token_type"] == "refresh_token"
    assert refresh["introspection_refresh"]["client_id"] == client.client_id
    assert refresh["introspection_refresh"]["sub"] == sub

    # Revoking the first access token ends it alone (RFC 7009 §2.1).
    revoked_at = out["revoked_access_token"]
    assert revoked_at["introspection"] == {"active": False}
    challenge = rejected(revoked_at["userinfo"])
    assert challenge["name"] == "WWWAuthenticateChallengeError"
    assert (challenge["status"], challenge["error"]) == (401, "invalid_token")
    assert revoked_at["refreshed_access_token_still_active"] is True

    # Reusing the rotated-out refresh token fails and revokes the whole grant (DESIGN §8).
    reuse = out["refresh_reuse"]
    for case in ("old_refresh_token", "new_refresh_token_after"):
        error = rejected(reuse[case])
        assert error["name"] == "ResponseBodyError", (case, error)
        assert (error["status"], error["error"]) == (400, "invalid_grant"), (case, error)
    assert reuse["new_access_token_after"] == {"active": False}

    # Single sign-on: no login form, no consent form the second and third time.
    assert out["sso"]["forms_seen"] == []
    revoked_rt = out["revoked_refresh_token"]
    assert revoked_rt["forms_seen"] == []
    assert revoked_rt["refresh_token_active_before"] is True
    assert revoked_rt["introspection_refresh"] == {"active": False}
    assert revoked_rt["introspection_access"] == {"active": False}
    error = rejected(revoked_rt["refresh"])
    assert (error["name"], error["error"]) == ("ResponseBodyError", "invalid_grant")

    # RP-initiated logout ends at the registered post-logout URI with the RP's state ...
    ended = urlsplit(out["logout"]["ended_at"] or "")
    assert f"{ended.scheme}://{ended.netloc}{ended.path}" == f"{rp_origin}/logged-out"
    assert parse_qs(ended.query) == {"state": [out["logout"]["sent_state"]]}
    # ... and the browser session is gone: the same cookies meet the login form again.
    assert out["after_logout"] == {"left_to_rp": None, "login_form_shown": True}
