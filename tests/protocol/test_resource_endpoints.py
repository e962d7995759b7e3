"""Endpoints that accept our tokens: UserInfo (OIDC Core §5.3 with RFC 6750 bearer tokens),
introspection (RFC 7662), revocation (RFC 7009); consent revocation in the account pages (OIDC
Core §11, RFC 9700 §4.14.2); signing keys and their rotation (OIDC Core §10.1.1).
Checklist P-06, P-12, P-14, P-15, D-07.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from joserfc import jwt
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from servicekonto.app import build_provider, create_app, dispose_provider
from servicekonto.clock import FixedClock
from servicekonto.db.models import OutboxMessage, StoredSigningKey
from servicekonto.oidc import jose
from servicekonto.oidc.provider import Provider
from servicekonto.security.keys import KeyEncryption, generate
from servicekonto.settings import Settings
from tests.protocol.flows import OFFLINE, bearer, refresh, tokens_for
from tests.support import (
    Browser,
    RegisteredClient,
    Rp,
    decode_jwt,
    make_account,
    make_client,
)

ISSUER = "http://testserver"


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json()["error"] == error, response.text


def assert_bearer_error(response: httpx.Response, error: str, status: int) -> None:
    """RFC 6750 §3: the status, the JSON `error`, and the same code in the challenge."""
    assert_oauth_error(response, error, status)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer "), challenge
    assert f'error="{error}"' in challenge, challenge


def introspect(
    http: TestClient, client: RegisteredClient, token: str, **extra: str
) -> dict[str, Any]:
    response = http.post(
        "/introspect",
        data={"token": token, **extra},
        auth=(client.client_id, client.client_secret or ""),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def revoke(http: TestClient, client: RegisteredClient, token: str, **extra: str) -> httpx.Response:
    return http.post(
        "/revoke",
        data={"token": token, **extra},
        auth=(client.client_id, client.client_secret or ""),
    )


@pytest.fixture
def client(provider: Provider) -> RegisteredClient:
    return make_client(provider)


@pytest.fixture
def issued(
    app_client: TestClient, provider: Provider, browser: Browser, client: RegisteredClient
) -> tuple[Rp, dict[str, Any]]:
    """A user grant with offline_access: access, ID and refresh token of `client`."""
    return tokens_for(app_client, browser, client, make_account(provider))


# -- OIDC Core §5.3 / RFC 6750: UserInfo ----------------------------------------------------------


def test_rfc6750_3_userinfo_without_or_with_garbage_token_is_401(app_client: TestClient) -> None:
    for response in (app_client.get("/userinfo"), app_client.post("/userinfo")):
        assert response.status_code == 401
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer")
        # §3.1: a request without any authentication carries no error code in the challenge
        assert "error=" not in challenge
        assert response.json()["error"] == "invalid_request"
    for token in ("garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."):
        response = app_client.get("/userinfo", headers=bearer(token))
        assert_bearer_error(response, "invalid_token", 401)


def test_rfc6750_3_1_userinfo_expired_token_is_invalid_token(
    app_client: TestClient, issued: tuple[Rp, dict[str, Any]], clock: FixedClock
) -> None:
    _rp, tokens = issued
    clock.advance(seconds=299)
    assert app_client.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
    clock.advance(seconds=2)
    response = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert_bearer_error(response, "invalid_token", 401)


def test_rfc6750_2_3_userinfo_header_only_and_sub_matches_id_token(
    app_client: TestClient, issued: tuple[Rp, dict[str, Any]], jwks: dict[str, Any]
) -> None:
    _rp, tokens = issued
    at = tokens["access_token"]
    query = app_client.get("/userinfo", params={"access_token": at})
    assert_bearer_error(query, "invalid_request", 400)
    body = app_client.post("/userinfo", data={"access_token": at})
    assert_bearer_error(body, "invalid_request", 400)
    # also when a header is present: the token must not travel in the URL at all
    both = app_client.get("/userinfo", params={"access_token": at}, headers=bearer(at))
    assert_bearer_error(both, "invalid_request", 400)
    for header in (f"Basic {at}", "Bearer ", "Bearer"):
        response = app_client.get("/userinfo", headers={"Authorization": header})
        assert response.status_code in (400, 401), header
        assert response.json()["error"] == "invalid_request", header
    # an ID token is no access token (RFC 9068 §4: typ at+jwt)
    assert_bearer_error(
        app_client.get("/userinfo", headers=bearer(tokens["id_token"])), "invalid_token", 401
    )

    _h, id_claims = decode_jwt(tokens["id_token"], jwks)
    for response in (
        app_client.get("/userinfo", headers=bearer(tokens["access_token"])),
        app_client.post("/userinfo", headers=bearer(tokens["access_token"])),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        assert response.json()["sub"] == id_claims["sub"]
        assert response.json()["family_name"] == "Mustermann"


def test_oidc_core_5_3_userinfo_refuses_client_credentials_token(
    app_client: TestClient, provider: Provider
) -> None:
    machine = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    response = Rp(app_client, machine).token(grant_type="client_credentials")
    assert response.status_code == 200, response.text
    info = app_client.get("/userinfo", headers=bearer(response.json()["access_token"]))
    assert info.status_code != 200
    assert_bearer_error(info, "invalid_token", 401)


def test_rfc6750_3_1_userinfo_without_openid_scope_is_insufficient_scope(
    app_client: TestClient, provider: Provider, browser: Browser, client: RegisteredClient
) -> None:
    _rp, tokens = tokens_for(app_client, browser, client, make_account(provider), "profile")
    assert "id_token" not in tokens
    response = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert_bearer_error(response, "insufficient_scope", 403)


# -- RFC 7662: introspection --------------------------------------------------------------------


def test_rfc7662_2_2_active_access_token(
    app_client: TestClient,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
    jwks: dict[str, Any],
    clock: FixedClock,
) -> None:
    _rp, tokens = issued
    _h, id_claims = decode_jwt(tokens["id_token"], jwks)
    body = introspect(app_client, client, tokens["access_token"])
    assert body["active"] is True
    assert set(body["scope"].split()) == set(OFFLINE.split())
    assert body["client_id"] == client.client_id
    assert body["sub"] == id_claims["sub"]
    assert body["exp"] == int(clock.now().timestamp()) + 300
    assert body["iss"] == ISSUER
    # the hint is only a hint (§2.1)
    hinted = introspect(app_client, client, tokens["access_token"], token_type_hint="refresh_token")
    assert hinted["active"] is True
    clock.advance(seconds=301)
    assert introspect(app_client, client, tokens["access_token"]) == {"active": False}


def test_rfc7662_2_unknown_token_inactive_and_caller_must_authenticate(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    _rp, tokens = issued
    for token in ("unknown", "a.b.c", "x" * 20000, tokens["id_token"]):
        assert introspect(app_client, client, token) == {"active": False}
    bare = app_client.post("/introspect", data={"token": tokens["access_token"]})
    assert_oauth_error(bare, "invalid_client", 401)
    assert "active" not in bare.json()
    wrong = app_client.post(
        "/introspect", data={"token": tokens["access_token"]}, auth=("nobody", "wrong")
    )
    assert_oauth_error(wrong, "invalid_client", 401)
    assert wrong.headers["www-authenticate"].startswith("Basic")
    public = make_client(provider, token_endpoint_auth_method="none")
    as_public = app_client.post(
        "/introspect", data={"token": tokens["access_token"], "client_id": public.client_id}
    )
    assert_oauth_error(as_public, "invalid_client", 401)


def test_rfc7662_2_2_refresh_token_only_active_for_its_own_client(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    _rp, tokens = issued
    own = introspect(app_client, client, tokens["refresh_token"], token_type_hint="refresh_token")
    assert own["active"] is True
    assert own["client_id"] == client.client_id
    assert set(own["scope"].split()) == set(OFFLINE.split())
    other = make_client(provider)
    assert introspect(app_client, other, tokens["refresh_token"]) == {"active": False}


def test_rfc7662_4_another_clients_access_token_is_inactive_unless_caller_is_a_resource_server(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    """RFC 7662 §4: a client learns nothing about the tokens of another client; a machine client
    registered as resource server (`tokens:introspect`) sees access tokens, not refresh tokens."""
    _rp, tokens = issued
    other = make_client(provider, name="Anderes Portal")
    assert introspect(app_client, other, tokens["access_token"]) == {"active": False}
    machine = make_client(
        provider, grant_types=["client_credentials"], scopes=["postfach"], redirect_uris=[]
    )
    assert introspect(app_client, machine, tokens["access_token"]) == {"active": False}
    machine_token = Rp(app_client, machine).token(grant_type="client_credentials").json()
    assert introspect(app_client, client, machine_token["access_token"]) == {"active": False}
    resource_server = make_client(
        provider, grant_types=["client_credentials"], scopes=["tokens:introspect"], redirect_uris=[]
    )
    seen = introspect(app_client, resource_server, tokens["access_token"])
    assert seen["active"] is True and seen["client_id"] == client.client_id
    assert introspect(app_client, resource_server, tokens["refresh_token"]) == {"active": False}
    assert introspect(app_client, client, tokens["access_token"])["active"] is True


# -- RFC 7009: revocation -----------------------------------------------------------------------


def test_rfc7009_2_1_revoking_refresh_token_kills_the_grant(
    app_client: TestClient, client: RegisteredClient, issued: tuple[Rp, dict[str, Any]]
) -> None:
    rp, tokens = issued
    response = revoke(app_client, client, tokens["refresh_token"], token_type_hint="refresh_token")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert_oauth_error(refresh(rp, tokens["refresh_token"]), "invalid_grant")
    assert introspect(app_client, client, tokens["access_token"]) == {"active": False}
    userinfo = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert_bearer_error(userinfo, "invalid_token", 401)


def test_rfc7009_2_1_revoking_access_token(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    rp, tokens = issued
    assert revoke(app_client, client, tokens["access_token"]).status_code == 200
    assert introspect(app_client, client, tokens["access_token"]) == {"active": False}
    userinfo = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert_bearer_error(userinfo, "invalid_token", 401)
    # revoking twice is fine (§2.2)
    assert revoke(app_client, client, tokens["access_token"]).status_code == 200
    # an access token is not the grant: the refresh token still works
    assert refresh(rp, tokens["refresh_token"]).status_code == 200
    # client-credentials tokens have no grant; their jti is listed
    machine = make_client(provider, grant_types=["client_credentials"], scopes=["postfach"])
    at = Rp(app_client, machine).token(grant_type="client_credentials").json()["access_token"]
    assert introspect(app_client, machine, at)["active"] is True
    assert revoke(app_client, machine, at).status_code == 200
    assert introspect(app_client, machine, at) == {"active": False}


def test_rfc7009_2_2_unknown_token_bad_hint_and_missing_authentication(
    app_client: TestClient, client: RegisteredClient, issued: tuple[Rp, dict[str, Any]]
) -> None:
    _rp, tokens = issued
    for token in ("unknown", "a.b.c", "x" * 20000):
        response = revoke(app_client, client, token)
        assert response.status_code == 200
        assert response.content == b""
    # §2.2.1
    response = revoke(app_client, client, tokens["access_token"], token_type_hint="foo")
    assert_oauth_error(response, "unsupported_token_type")
    bare = app_client.post("/revoke", data={"token": tokens["refresh_token"]})
    assert_oauth_error(bare, "invalid_client", 401)
    assert_oauth_error(revoke(app_client, client, ""), "invalid_request")
    assert introspect(app_client, client, tokens["access_token"])["active"] is True
    assert introspect(app_client, client, tokens["refresh_token"])["active"] is True


def test_rfc7009_2_1_another_clients_token_is_unauthorized_client(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    rp, tokens = issued
    other = make_client(provider)
    for token in (tokens["refresh_token"], tokens["access_token"]):
        assert_oauth_error(revoke(app_client, other, token), "unauthorized_client")
    # nothing was revoked
    assert introspect(app_client, client, tokens["access_token"])["active"] is True
    assert introspect(app_client, client, tokens["refresh_token"])["active"] is True
    assert refresh(rp, tokens["refresh_token"]).status_code == 200


def test_rfc7009_2_2_storage_failure_is_503_never_a_false_200(
    app_client: TestClient,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Checklist P-15 (fosite GHSA-7mqr-2v3q-v2wm): a failed revocation must not answer 200."""
    rp, tokens = issued

    def broken_commit(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    with monkeypatch.context() as patch:
        patch.setattr(Session, "commit", broken_commit)
        response = revoke(app_client, client, tokens["refresh_token"])
    assert_oauth_error(response, "temporarily_unavailable", 503)
    # nothing was revoked, and the client knows it must retry
    assert introspect(app_client, client, tokens["refresh_token"])["active"] is True
    assert revoke(app_client, client, tokens["refresh_token"]).status_code == 200
    assert_oauth_error(refresh(rp, tokens["refresh_token"]), "invalid_grant")


# -- OIDC Core §11 / checklist P-14: consent revocation in the account pages ----------------------


def test_oidc_core_11_revoking_consent_kills_tokens_and_sends_backchannel_logout(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
) -> None:
    rp, tokens = issued
    page = browser.get("/account")
    assert page.status_code == 200, page.text[:300]
    actions = re.findall(r'action="(/account/consents/[^"/]+/revoke)"', page.text)
    assert len(actions) == 1, actions
    # without the page's CSRF token nothing happens
    assert browser.post_form(actions[0], {"csrf_token": "forged"}).status_code == 403
    assert app_client.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200

    done = browser.post_form(actions[0], {}, page)
    assert done.status_code == 303
    assert done.headers["location"] == "/account?notice=revoked"

    userinfo = app_client.get("/userinfo", headers=bearer(tokens["access_token"]))
    assert_bearer_error(userinfo, "invalid_token", 401)
    assert_oauth_error(refresh(rp, tokens["refresh_token"]), "invalid_grant")
    assert introspect(app_client, client, tokens["refresh_token"]) == {"active": False}
    with provider.sessions() as db:
        messages = list(
            db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "backchannel_logout"))
        )
    assert [m.payload["client_id"] for m in messages] == [client.client_id]
    assert messages[0].delivered_at is None
    # the consent is gone: the next authorization asks again
    after = browser.get("/account")
    assert not re.search(r'action="/account/consents/', after.text)


# -- OIDC Core §10.1.1 / checklist D-07: signing keys ---------------------------------------------


def test_oidc_core_10_1_1_rotation_keeps_old_tokens_verifiable(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
    browser: Browser,
    clock: FixedClock,
) -> None:
    _rp, tokens = issued
    before = app_client.get("/jwks").json()
    old_header, old_claims = decode_jwt(tokens["id_token"], before)
    new_kids = provider.keys.rotate()
    after = app_client.get("/jwks").json()
    kids = [k["kid"] for k in after["keys"]]
    assert old_header["kid"] in kids
    assert set(new_kids) <= set(kids)
    assert len(kids) == len(set(kids)), "duplicate kid (FAPI 2.0 SP §5.4.3)"
    assert all("d" not in k for k in after["keys"])
    _h, claims = decode_jwt(tokens["id_token"], after)
    assert claims == old_claims
    assert introspect(app_client, client, tokens["access_token"])["active"] is True
    # the new key is published first and signs only once every instance serves it (2 x 60 s)
    _rp2, fresh = tokens_for(app_client, browser, make_client(provider), make_account(provider))
    still_old, _c = decode_jwt(fresh["id_token"], after)
    assert still_old["kid"] == old_header["kid"]
    clock.advance(seconds=121)
    _rp3, later = tokens_for(app_client, browser, make_client(provider), make_account(provider))
    new_header, _c = decode_jwt(later["id_token"], app_client.get("/jwks").json())
    assert new_header["kid"] in new_kids
    assert new_header["kid"] != old_header["kid"]


def test_k01_a_token_naming_an_unknown_kid_is_invalid_and_reloads_no_keys(
    app_client: TestClient,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 15 #1: a made-up `kid` used to force a key reload (a write lock on SQLite) that an
    attacker could repeat; now it is just an invalid token."""
    reloads: list[str] = []
    real_reload = provider.keys.reload

    def counting_reload() -> None:
        reloads.append(threading.current_thread().name)
        real_reload()

    monkeypatch.setattr(provider.keys, "reload", counting_reload)
    rp, tokens = issued
    _header, claims = decode_jwt(tokens["id_token"], app_client.get("/jwks").json())
    stranger = generate("ES256")  # a well-formed token, signed by a key we never had
    forged_id_token = jwt.encode(
        {"alg": "ES256", "kid": str(stranger.kid), "typ": "JWT"}, claims, stranger
    )
    forged_access = jwt.encode(
        {"alg": "ES256", "kid": "made-up-kid", "typ": "at+jwt"}, {"sub": "x"}, stranger
    )
    for _ in range(3):
        with pytest.raises(jose.InvalidJwt):
            jose.verify_own(provider.keys, forged_id_token)
        assert_bearer_error(
            app_client.get("/userinfo", headers=bearer(forged_access)), "invalid_token", 401
        )
        silent = browser.get(rp.authorize_url(id_token_hint=forged_id_token, prompt="none"))
        assert silent.status_code == 302
        assert "error=login_required" in silent.headers["location"]
    assert introspect(app_client, client, forged_access) == {"active": False}
    assert reloads == []


def test_k01_keys_reload_on_their_schedule_in_the_background_never_in_a_request(
    settings: Settings,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cache expires (every 0.2 s here) and is reloaded by its own thread; requests that
    sign and verify never reload (on SQLite that waited for the caller's own write lock)."""
    app = create_app(settings.model_copy(update={"key_cache_seconds": 0.2}), clock=clock)
    provider: Provider = app.state.provider
    reloads: list[str] = []
    real_reload = provider.keys.reload

    def counting_reload() -> None:
        reloads.append(threading.current_thread().name)
        real_reload()

    monkeypatch.setattr(provider.keys, "reload", counting_reload)
    with TestClient(app, base_url=ISSUER) as http:
        assert len(reloads) == 1  # at start (ensure_keys), before any request
        reloads.clear()
        browser = Browser(http)
        rp, tokens = tokens_for(http, browser, make_client(provider), make_account(provider))
        started, rounds = time.monotonic(), 0
        # at least 1 s, long enough for several background reloads, however slow the machine
        while rounds < 3 or len(reloads) < 3 or time.monotonic() - started < 1.0:
            assert time.monotonic() - started < 60, reloads
            rounds += 1
            refreshed = refresh(rp, tokens["refresh_token"])
            assert refreshed.status_code == 200, refreshed.text
            tokens = refreshed.json()
            assert http.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
            assert http.get("/jwks").status_code == 200
            time.sleep(0.05)
    assert set(reloads) == {"keys"}, reloads  # only the schedule reloads, never a request


def test_d07_a_rotation_run_with_a_shorter_key_cache_lifetime_still_publishes_before_signing(
    settings: Settings, provider: Provider, clock: FixedClock
) -> None:
    """`keys rotate` run by an operator whose SERVICEKONTO_KEY_CACHE_SECONDS is 1 s, beside a
    server with 60 s: the server's old key signs until the server's own 2 x 60 s have passed."""
    old_kid = provider.keys.signing_key("ES256").kid
    operator = build_provider(settings.model_copy(update={"key_cache_seconds": 1.0}), clock)
    try:
        new_kids = operator.keys.rotate()
    finally:
        dispose_provider(operator)
    clock.advance(seconds=10)  # past the operator's 2 x 1 s, long before the server's 120 s
    provider.keys.reload()  # as the server's schedule does
    assert provider.keys.signing_key("ES256").kid == old_kid
    clock.advance(seconds=111)
    provider.keys.reload()
    assert provider.keys.signing_key("ES256").kid in new_kids


def test_oidc_core_10_1_1_keys_survive_a_restart(
    settings: Settings,
    clock: FixedClock,
    provider: Provider,
    client: RegisteredClient,
    issued: tuple[Rp, dict[str, Any]],
    jwks: dict[str, Any],
) -> None:
    _rp, tokens = issued
    header, _claims = decode_jwt(tokens["id_token"], jwks)
    with provider.sessions() as db:
        stored_before = set(db.scalars(select(StoredSigningKey.kid)))
    restarted = create_app(settings, clock=clock)
    with TestClient(restarted, base_url=ISSUER) as second:
        second_jwks = second.get("/jwks").json()
        assert {k["kid"] for k in second_jwks["keys"]} == {k["kid"] for k in jwks["keys"]}
        decode_jwt(tokens["id_token"], second_jwks)
        assert introspect(second, client, tokens["access_token"])["active"] is True
        assert second.get("/userinfo", headers=bearer(tokens["access_token"])).status_code == 200
        issued_there = Rp(second, client).token(
            grant_type="refresh_token", refresh_token=tokens["refresh_token"]
        )
        assert issued_there.status_code == 200, issued_there.text
        fresh_header, _c = decode_jwt(issued_there.json()["id_token"], jwks)
        assert fresh_header["kid"] == header["kid"]
    with provider.sessions() as db:
        assert set(db.scalars(select(StoredSigningKey.kid))) == stored_before


def test_design_7_private_keys_are_encrypted_at_rest(
    provider: Provider, settings: Settings, jwks: dict[str, Any]
) -> None:
    with provider.sessions() as db:
        rows = list(db.scalars(select(StoredSigningKey)))
    assert {r.alg for r in rows} == {"ES256", "RS256", "PS256"}
    sealer = KeyEncryption(settings.secret_key)
    stranger = KeyEncryption("another-secret-key-of-sufficient-length-0123456789")
    for row in rows:
        assert "d" not in row.public_jwk
        assert '"d"' not in row.sealed_private
        raw = base64.b64decode(row.sealed_private)
        assert b'"d"' not in raw and b'"kty"' not in raw
        private = sealer.open(row.kid, row.sealed_private).as_dict(private=True)
        d = str(private["d"])
        assert d not in row.sealed_private
        assert d.encode() not in raw
        with pytest.raises(InvalidTag):
            stranger.open(row.kid, row.sealed_private)
        with pytest.raises(InvalidTag):  # the kid is bound: a sealed key cannot be swapped
            sealer.open("other-kid", row.sealed_private)


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_oidc_registration_2_id_token_signed_response_alg(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    jwks: dict[str, Any],
    alg: str,
) -> None:
    """Per-client ID token algorithm (DESIGN §8: RS256 and PS256 available per client)."""
    client = make_client(provider, id_token_signed_response_alg=alg)
    rp, tokens = tokens_for(app_client, browser, client, make_account(provider))
    header, claims = decode_jwt(tokens["id_token"], jwks)
    assert header["alg"] == alg
    assert claims["aud"] == client.client_id
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert key["kty"] == "RSA" and key["alg"] == alg
    refreshed = refresh(rp, tokens["refresh_token"]).json()
    assert decode_jwt(refreshed["id_token"], jwks)[0]["alg"] == alg
    # access tokens keep the server default (RFC 9068 tokens are for us)
    assert decode_jwt(tokens["access_token"], jwks)[0]["alg"] == "ES256"
