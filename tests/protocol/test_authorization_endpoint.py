"""The authorization endpoint (RFC 6749 §3.1, §4.1; RFC 9207; RFC 9700; RFC 7636).

Checklist rows P-01 (redirect URI), P-02 (errors after the redirect URI is trusted, `iss` on every
response), P-04/P-05 (PKCE).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from servicekonto.clients.schemas import check_redirect_uri
from servicekonto.errors import OAuthError
from servicekonto.oidc import pkce
from servicekonto.oidc.pkce import s256
from servicekonto.oidc.provider import Provider
from tests.protocol.flows import (
    REGISTERED,
    assert_code_redirect,
    assert_error_page,
    assert_error_redirect,
    authorize_url,
    consent,
    is_consent_page,
    log_in,
    token_body,
)
from tests.support import PASSWORD, Browser, Rp, decode_jwt, make_client

# -- RFC 6749 §4.1: the happy path, step by step --------------------------------------------------


def test_rfc6749_4_1_2_code_flow_302_from_authorize_303_after_posts(
    browser: Browser, rp: Rp, email: str, jwks: dict[str, Any]
) -> None:
    start = browser.get(authorize_url(rp))
    assert start.status_code == 302  # RFC 6749 §4.1.1: a GET is answered with 302
    assert start.headers["location"].startswith("/interaction/")
    assert start.headers["cache-control"] == "no-store"
    after_login = log_in(browser, start, email)  # asserts 303 after the credential POST
    assert is_consent_page(after_login)
    callback = consent(browser, after_login)  # asserts 303 after the consent POST
    code = assert_code_redirect(callback, rp, status=303)  # RFC 9700 §4.12: 303, never 307
    body = token_body(rp, code)
    _, claims = decode_jwt(body["id_token"], jwks)
    assert claims["iss"] == "http://testserver"
    assert claims["nonce"] == rp.nonce
    assert claims["aud"] == rp.client.client_id


def test_rfc6749_4_1_2_with_session_and_consent_get_answers_302_with_code(
    browser: Browser, signed_in: Rp
) -> None:
    response = browser.get(authorize_url(signed_in))
    assert_code_redirect(response, signed_in, status=302)


def test_rfc6749_4_1_1_post_to_authorize_is_answered_with_303(
    app_client: TestClient, signed_in: Rp
) -> None:
    """OIDC Core §3.1.2.1: POST is supported; after a POST we answer 303 (RFC 9700 §4.12)."""
    query = authorize_url(signed_in).split("?", 1)[1]
    response = app_client.post(
        "/authorize",
        content=query,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert_code_redirect(response, signed_in, status=303)


def test_rfc6749_4_1_2_without_state_success_carries_iss_but_no_state(
    browser: Browser, signed_in: Rp
) -> None:
    response = browser.get(authorize_url(signed_in, state=None))
    assert response.status_code == 302
    location = response.headers["location"]
    assert "state=" not in location
    assert "iss=http%3A%2F%2Ftestserver" in location
    assert "code=" in location


def test_rfc6749_4_1_2_code_is_single_use_and_replay_revokes_tokens(
    app_client: TestClient, browser: Browser, signed_in: Rp
) -> None:
    """RFC 6749 §4.1.2 / §10.5: a code works once; a replay revokes what it produced."""
    code = assert_code_redirect(browser.get(authorize_url(signed_in)), signed_in)
    first = token_body(signed_in, code)
    second = signed_in.redeem(code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    info = app_client.get("/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"})
    assert info.status_code == 401
    assert info.json()["error"] == "invalid_token"


def test_rfc6749_4_1_3_redirect_uri_must_match_at_token_endpoint(
    browser: Browser, signed_in: Rp
) -> None:
    code = assert_code_redirect(browser.get(authorize_url(signed_in)), signed_in)
    response = signed_in.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REGISTERED + "/",
        code_verifier=signed_in.verifier,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# -- RFC 6749 §3.1.2 / §4.1.2.1: untrusted redirect URI or client → page, never a redirect ------

BAD_REDIRECT_URIS = [
    pytest.param(REGISTERED + "/", id="trailing-slash"),
    pytest.param("https://RP.example/cb", id="upper-case-host"),
    pytest.param("https://rp.example:443/cb", id="explicit-443"),
    pytest.param(REGISTERED + "?x=1", id="added-query"),
    pytest.param(REGISTERED + "#frag", id="fragment"),
    pytest.param("http://rp.example/cb", id="http-downgrade"),
    pytest.param("https://rp.example/cb2", id="path-prefix"),
    pytest.param("https://rp.example.evil.test/cb", id="host-prefix"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("JavaScript:alert(1)", id="javascript-mixed-case"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data"),
    pytest.param("http://localhost.evil.test/cb", id="localhost-prefix"),
    pytest.param("https://rp.example/cb/..;/x", id="dot-dot-semicolon"),
    pytest.param("https://user@evil@rp.example/cb", id="double-at"),
    pytest.param("https://rp.example@evil.test/cb", id="userinfo"),
    pytest.param(" https://rp.example/cb", id="leading-space"),
]


@pytest.mark.parametrize("redirect_uri", BAD_REDIRECT_URIS)
def test_rfc6749_3_1_2_unregistered_redirect_uri_is_error_page_without_redirect(
    shared_browser: Browser, shared_rp: Rp, redirect_uri: str
) -> None:
    response = shared_browser.get(authorize_url(shared_rp, redirect_uri=redirect_uri))
    assert_error_page(response)
    assert redirect_uri not in response.text


def _page_cases(rp: Rp) -> dict[str, str]:
    return {
        "missing-redirect-uri": authorize_url(rp, redirect_uri=None),
        "empty-redirect-uri": authorize_url(rp, redirect_uri=""),
        "unknown-client-id": authorize_url(rp, client_id="no-such-client"),
        "missing-client-id": authorize_url(rp, client_id=None),
        "repeated-redirect-uri-evil": authorize_url(
            rp, extra_pairs=(("redirect_uri", "https://evil.test/cb"),)
        ),
        "repeated-redirect-uri-same": authorize_url(
            rp, extra_pairs=(("redirect_uri", REGISTERED),)
        ),
        "repeated-client-id": authorize_url(rp, extra_pairs=(("client_id", rp.client.client_id),)),
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing-redirect-uri",
        "empty-redirect-uri",
        "unknown-client-id",
        "missing-client-id",
        "repeated-redirect-uri-evil",
        "repeated-redirect-uri-same",
        "repeated-client-id",
    ],
)
def test_rfc6749_4_1_2_1_untrusted_client_or_redirect_is_error_page(
    shared_browser: Browser, shared_rp: Rp, case: str
) -> None:
    assert_error_page(shared_browser.get(_page_cases(shared_rp)[case]))


def test_rfc6749_4_1_2_1_disabled_client_is_error_page(
    browser: Browser, provider: Provider, rp: Rp
) -> None:
    from servicekonto.db.models import Client

    with provider.sessions() as db:
        row = db.get(Client, rp.client.client_id)
        assert row is not None
        row.disabled = True
        db.commit()
    provider.clients.invalidate(rp.client.client_id)
    assert_error_page(browser.get(authorize_url(rp)))


def test_rfc6749_3_1_2_redirect_uri_of_another_client_is_error_page(
    browser: Browser, provider: Provider, rp: Rp
) -> None:
    other = make_client(provider, redirect_uris=["https://other.example/cb"])
    response = browser.get(authorize_url(rp, redirect_uri=other.redirect_uri))
    assert_error_page(response)


def test_rfc6749_3_1_2_second_registered_redirect_uri_is_accepted(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    client = make_client(provider, redirect_uris=[REGISTERED, "https://rp.example/other"])
    client.redirect_uri = "https://rp.example/other"
    rp = Rp(app_client, client)
    response = browser.get(authorize_url(rp, prompt="none"))
    assert_error_redirect(response, rp, "login_required")


def test_rfc6749_4_1_2_1_repeated_scope_renders_page_and_never_redirects(
    shared_browser: Browser, shared_rp: Rp
) -> None:
    """RFC 6749 §3.1: parameters MUST NOT be repeated. Repeated parameters are detected before
    the redirect URI is validated (which parameter value would be the "real" one is ambiguous),
    so the safe behaviour is an error page (400) and no redirect at all — not an error redirect.
    """
    response = shared_browser.get(authorize_url(shared_rp, extra_pairs=(("scope", "openid"),)))
    assert_error_page(response)


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "https://rp.example/cb#frag",
        "https://rp.example/cb#",
        "http://rp.example/cb",
        "http://localhost.evil.test/cb",
        "https://user@evil@rp.example/cb",
        "/cb",
    ],
)
def test_rfc6749_3_1_2_registration_rejects_unsafe_redirect_uris(uri: str) -> None:
    """RFC 6749 §3.1.2.2 / RFC 9700 §4.1.3: only absolute https (loopback http), no fragment."""
    with pytest.raises(ValueError):
        check_redirect_uri(uri)


# -- RFC 6749 §4.1.2.1: errors after the redirect URI is trusted → redirect with error ----------

REDIRECTED_ERRORS = [
    pytest.param({"response_type": "token"}, "unsupported_response_type", id="rt-token"),
    pytest.param(
        {"response_type": "id_token token"}, "unsupported_response_type", id="rt-id_token-token"
    ),
    pytest.param({"response_type": "code id_token"}, "unsupported_response_type", id="rt-hybrid"),
    pytest.param({"response_type": None}, "invalid_request", id="rt-missing"),
    pytest.param({"scope": "openid bogus"}, "invalid_scope", id="unknown-scope"),
    pytest.param({"scope": None}, "invalid_scope", id="missing-scope"),
    pytest.param({"scope": ""}, "invalid_scope", id="empty-scope"),
    pytest.param({"prompt": "sometimes"}, "invalid_request", id="bad-prompt"),
    pytest.param({"prompt": "none login"}, "invalid_request", id="prompt-none-login"),
    pytest.param({"prompt": "consent none"}, "invalid_request", id="prompt-consent-none"),
    pytest.param({"max_age": "-1"}, "invalid_request", id="max-age-negative"),
    pytest.param({"max_age": "abc"}, "invalid_request", id="max-age-abc"),
    pytest.param({"max_age": "1.5"}, "invalid_request", id="max-age-float"),
    pytest.param({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported", id="request"),
    pytest.param(
        {"request_uri": "https://rp.example/req"}, "request_uri_not_supported", id="request_uri"
    ),
    pytest.param({"response_mode": "fragment"}, "invalid_request", id="mode-fragment"),
    pytest.param({"response_mode": "form_post"}, "invalid_request", id="mode-form-post"),
    pytest.param({"claims": "{not json"}, "invalid_request", id="claims-not-json"),
    pytest.param({"claims": "[1, 2]"}, "invalid_request", id="claims-not-object"),
    pytest.param({"claims": '{"id_token": []}'}, "invalid_request", id="claims-member-array"),
    pytest.param(
        {"claims": '{"id_token": {"acr": {"essential": "yes"}}}'},
        "invalid_request",
        id="claims-essential-not-bool",
    ),
    pytest.param({"nonce": "n" * 513}, "invalid_request", id="nonce-too-long"),
]


@pytest.mark.parametrize(("params", "error"), REDIRECTED_ERRORS)
def test_rfc6749_4_1_2_1_invalid_request_redirects_with_error_state_iss(
    shared_browser: Browser, shared_rp: Rp, params: dict[str, str | None], error: str
) -> None:
    response = shared_browser.get(authorize_url(shared_rp, **params))
    assert_error_redirect(response, shared_rp, error, status=302)


def test_rfc6749_4_1_2_1_error_after_post_is_303(app_client: TestClient, rp: Rp) -> None:
    query = authorize_url(rp, scope="openid bogus").split("?", 1)[1]
    response = app_client.post(
        "/authorize",
        content=query,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert_error_redirect(response, rp, "invalid_scope", status=303)


def test_rfc6749_4_1_2_1_scope_not_registered_for_client_is_invalid_scope(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    rp = Rp(app_client, make_client(provider, scopes=["openid", "profile"]))
    assert_error_redirect(browser.get(authorize_url(rp, scope="openid email")), rp, "invalid_scope")


def test_rfc6749_4_1_2_1_client_without_code_grant_is_unauthorized_client(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    client = make_client(provider, grant_types=["client_credentials"])
    client.redirect_uri = REGISTERED
    rp = Rp(app_client, client)
    assert_error_redirect(browser.get(authorize_url(rp)), rp, "unauthorized_client")


def test_rfc6749_4_1_2_1_too_long_state_is_invalid_request_without_echo(
    shared_browser: Browser, shared_rp: Rp
) -> None:
    long_state = "s" * 2049
    response = shared_browser.get(authorize_url(shared_rp, state=long_state))
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REGISTERED + "?")
    assert "error=invalid_request" in location
    assert "iss=http%3A%2F%2Ftestserver" in location
    assert long_state not in location


def test_rfc9207_2_error_redirect_keeps_registered_query(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """RFC 6749 §3.1.2: a registered query is retained; error, state and iss are added once."""
    client = make_client(provider, redirect_uris=["https://rp.example/cb?tenant=a"])
    rp = Rp(app_client, client)
    response = browser.get(authorize_url(rp, scope="openid bogus"))
    assert response.headers["location"].startswith("https://rp.example/cb?tenant=a&")
    query = response.headers["location"].split("?", 1)[1]
    assert query.count("iss=") == 1 and query.count("error=") == 1


def test_oidc_core_3_1_2_1_interaction_page_error_also_carries_state_and_iss(
    browser: Browser, rp: Rp, email: str
) -> None:
    """Errors found after login (on the interaction pages) are redirects with state and iss too."""
    start = browser.get(authorize_url(rp))
    page = log_in(browser, start, email)
    response = consent(browser, page, decision="deny")
    assert_error_redirect(response, rp, "access_denied", status=303)


# -- RFC 7636 at the authorization endpoint (P-04) -----------------------------------------------

PKCE_AUTHORIZE_ERRORS = [
    pytest.param({"code_challenge": None}, id="challenge-missing"),
    pytest.param({"code_challenge": ""}, id="challenge-empty"),
    pytest.param({"code_challenge_method": "plain"}, id="method-plain"),
    pytest.param({"code_challenge_method": None}, id="method-missing-defaults-to-plain"),
    pytest.param({"code_challenge_method": "s256"}, id="method-lower-case"),
    pytest.param({"code_challenge_method": "S512"}, id="method-unknown"),
    pytest.param({"code_challenge": "short"}, id="challenge-too-short"),
    pytest.param({"code_challenge": "A" * 44}, id="challenge-too-long"),
    pytest.param({"code_challenge": "A" * 42 + "="}, id="challenge-padded"),
    pytest.param({"code_challenge": "A" * 42 + "+"}, id="challenge-bad-charset"),
    pytest.param({"code_challenge": "A" * 128}, id="challenge-plain-style-verifier"),
]


@pytest.mark.parametrize("params", PKCE_AUTHORIZE_ERRORS)
def test_rfc7636_4_4_1_bad_or_missing_challenge_is_invalid_request(
    shared_browser: Browser, shared_rp: Rp, params: dict[str, str | None]
) -> None:
    response = shared_browser.get(authorize_url(shared_rp, **params))
    assert_error_redirect(response, shared_rp, "invalid_request")


def test_rfc7636_4_4_1_plain_method_is_invalid_request(
    shared_browser: Browser, shared_rp: Rp
) -> None:
    verifier = "v" * 43
    response = shared_browser.get(
        authorize_url(shared_rp, code_challenge=verifier, code_challenge_method="plain")
    )
    assert_error_redirect(response, shared_rp, "invalid_request")


# -- RFC 7636 §4.6 at the token endpoint (P-04, P-05) ----------------------------------------------


def _code_for_challenge(browser: Browser, rp: Rp, challenge: str) -> str:
    return assert_code_redirect(browser.get(authorize_url(rp, code_challenge=challenge)), rp)


def _redeem(rp: Rp, code: str, verifier: str | None) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.client.redirect_uri,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    response = rp.token(**form)
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    return body


def test_rfc7636_4_6_wrong_verifier_is_invalid_grant(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    code = assert_code_redirect(
        shared_browser.get(authorize_url(shared_signed_in)), shared_signed_in
    )
    assert _redeem(shared_signed_in, code, "w" * 43)["error"] == "invalid_grant"


def test_rfc7636_4_6_missing_verifier_is_invalid_grant(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    code = assert_code_redirect(
        shared_browser.get(authorize_url(shared_signed_in)), shared_signed_in
    )
    assert _redeem(shared_signed_in, code, None)["error"] == "invalid_grant"


def test_rfc7636_4_6_challenge_itself_as_verifier_is_invalid_grant(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    """Sending the S256 challenge as if it were a `plain` verifier must not work."""
    verifier = "x" * 43
    challenge = s256(verifier)
    code = _code_for_challenge(shared_browser, shared_signed_in, challenge)
    assert _redeem(shared_signed_in, code, challenge)["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "verifier",
    [
        pytest.param("a" * 42, id="42-chars-too-short"),
        pytest.param("a" * 129, id="129-chars-too-long"),
        pytest.param("a" * 42 + "!", id="bad-charset-bang"),
        pytest.param("a" * 42 + "/", id="bad-charset-slash"),
        pytest.param("a" * 42 + "=", id="bad-charset-padding"),
        pytest.param("a" * 42 + " ", id="bad-charset-space"),
        pytest.param("a" * 42 + "ä", id="bad-charset-non-ascii"),
    ],
)
def test_rfc7636_4_1_malformed_verifier_is_invalid_grant_even_when_hash_matches(
    shared_browser: Browser, shared_signed_in: Rp, verifier: str
) -> None:
    """The challenge is S256 of exactly this verifier, so only the §4.1 ABNF check can refuse."""
    code = _code_for_challenge(shared_browser, shared_signed_in, s256(verifier))
    assert _redeem(shared_signed_in, code, verifier)["error"] == "invalid_grant"


@pytest.mark.parametrize("length", [43, 128])
def test_rfc7636_4_1_verifier_boundaries_are_accepted(
    shared_browser: Browser, shared_signed_in: Rp, length: int
) -> None:
    verifier = ("A1-._~" * 30)[:length]
    code = _code_for_challenge(shared_browser, shared_signed_in, s256(verifier))
    response = shared_signed_in.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=shared_signed_in.client.redirect_uri,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text


def test_rfc9700_2_1_1_downgrade_verifier_without_challenge_is_impossible(
    shared_browser: Browser, shared_rp: Rp
) -> None:
    """P-05: PKCE is mandatory, so a request without a challenge never yields a code that a
    verifier could later be sent for."""
    response = shared_browser.get(
        authorize_url(shared_rp, code_challenge=None, code_challenge_method=None)
    )
    assert_error_redirect(response, shared_rp, "invalid_request")


def test_rfc9700_4_8_2_verifier_without_stored_challenge_is_invalid_grant() -> None:
    """P-05 regression guard: were a code ever stored without a challenge, a verifier sent for
    it must still be refused (no downgrade to "no PKCE")."""
    with pytest.raises(OAuthError) as caught:
        pkce.verify("", "a" * 43)
    assert caught.value.error == "invalid_grant"


def test_rfc6749_3_1_unknown_parameters_are_ignored(
    shared_browser: Browser, shared_signed_in: Rp
) -> None:
    response = shared_browser.get(authorize_url(shared_signed_in) + "&" + urlencode({"foo": "bar"}))
    assert_code_redirect(response, shared_signed_in)


# -- pending authorizations are bound to the browser that started them (issue 15) ----------------


def test_pending_authorization_opened_in_another_browser_is_refused(
    app_client: TestClient, browser: Browser, rp: Rp, email: str
) -> None:
    """The link of a pending authorization (`/interaction/{id}`) leads nowhere in another
    browser, even one with CSRF cookie and token of its own; the starting browser goes on."""
    start = browser.get(authorize_url(rp))
    location = start.headers["location"]
    assert location.startswith("/interaction/")

    stranger = Browser(TestClient(app_client.app, base_url="http://testserver"))
    for path in (location, f"{location}/otp"):
        refused = stranger.get(path)
        assert refused.status_code == 400, refused.text[:300]
        assert "in einem anderen Browser begonnen" in refused.text
    own_page = stranger.get("/login")  # the stranger's own CSRF cookie and token
    assert own_page.status_code == 200
    for action, fields in (
        ("login", {"username": email, "password": PASSWORD}),
        ("consent", {"decision": "allow"}),
        ("cancel", {}),
    ):
        posted = stranger.post_form(f"{location}/{action}", fields, own_page)
        assert posted.status_code == 400, (action, posted.text[:300])
        assert "in einem anderen Browser begonnen" in posted.text
        assert "sk_session" not in posted.headers.get("set-cookie", "")

    page = log_in(browser, start, email)
    assert_code_redirect(consent(browser, page), rp, status=303)
