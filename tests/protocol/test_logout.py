"""OpenID Connect RP-Initiated Logout 1.0 §2–§3 and Back-Channel Logout 1.0 §2.4–§2.6, with the
outbox delivery and its retries (DESIGN §7). Checklist P-16, P-18.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import select

from servicekonto.clock import FixedClock
from servicekonto.db.models import OutboxMessage
from servicekonto.oidc import jose
from servicekonto.oidc.logout import BACKCHANNEL_EVENT, MAX_ATTEMPTS, deliver_due
from servicekonto.oidc.provider import Provider
from servicekonto.sim import demo_portal
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
LOGGED_OUT = "https://rp.example/logged-out"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


# -- helpers -------------------------------------------------------------------------------------


class Signed:
    """A browser session at the OP with one client's tokens."""

    def __init__(
        self,
        http: TestClient,
        browser: Browser,
        client: RegisteredClient,
        email: str,
        scope: str = "openid profile email",
    ) -> None:
        self.rp = Rp(http, client)
        self.client = client
        params = full_login(browser, self.rp, email, scope=scope)
        response = self.rp.redeem(params["code"])
        assert response.status_code == 200, response.text
        self.tokens: dict[str, Any] = response.json()
        self.id_token: str = self.tokens["id_token"]


def session_alive(browser: Browser, rp: Rp) -> bool:
    """True when /authorize completes silently (no login page)."""
    page = browser.follow(browser.get(rp.authorize_url(prompt="none")))
    location = page.headers.get("location", "")
    params = parse_qs(urlsplit(location).query)
    if "code" in params:
        return True
    assert params.get("error") == ["login_required"], location
    return False


def shows_login(browser: Browser, rp: Rp) -> bool:
    page = browser.follow(browser.get(rp.authorize_url()))
    return page.status_code == 200 and 'name="password"' in page.text


def logout_url(**params: str) -> str:
    return "/logout?" + urlencode(params)


def assert_session_cookie_cleared(response: httpx.Response, http: TestClient) -> None:
    cleared = [
        c
        for c in response.headers.get_list("set-cookie")
        if c.startswith("sk_session=") and ("Max-Age=0" in c or "max-age=0" in c.lower())
    ]
    assert cleared, response.headers.get_list("set-cookie")
    assert "sk_session" not in http.cookies


def assert_confirmation_page(page: httpx.Response) -> None:
    assert page.status_code == 200, (page.status_code, page.headers.get("location"))
    assert "location" not in page.headers
    assert re.search(r'name="csrf_token" value="[^"]+"', page.text)
    assert 'action="/logout/confirm"' in page.text
    assert 'name="decision" value="logout"' in page.text
    assert 'name="decision" value="stay"' in page.text
    assert page.headers["cache-control"] == "no-store"


def hidden_fields(page: httpx.Response) -> dict[str, str]:
    return {
        name: html.unescape(value)
        for name, value in HIDDEN.findall(page.text)
        if name != "csrf_token"
    }


@pytest.fixture
def email(provider: Provider) -> str:
    return make_account(provider)


@pytest.fixture
def signed(app_client: TestClient, provider: Provider, browser: Browser, email: str) -> Signed:
    return Signed(app_client, browser, make_client(provider), email)


# -- RP-Initiated Logout 1.0 §2–§3 --------------------------------------------------------------


VARIANTS = (
    "https://rp.example:443/logged-out",
    "https://RP.example/logged-out",
    "https://rp.example/logged-out?x=1",
    "https://rp.example/logged-out/",
    "https://rp.example/Logged-out",
    "http://rp.example/logged-out",
    "https://rp.example.evil.example/logged-out",
    "https://rp.example/logged-out#frag",
)


def assert_refused_page(response: httpx.Response) -> None:
    """An error page, never a redirect (RP-Initiated Logout 1.0 §3, RFC 6749 §4.1.2.1)."""
    assert response.status_code == 400, (response.status_code, response.headers.get("location"))
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert not any(c.startswith("sk_session=") for c in response.headers.get_list("set-cookie"))


def test_rp_logout_3_post_logout_redirect_uri_must_match_exactly(
    app_client: TestClient, provider: Provider, browser: Browser, signed: Signed
) -> None:
    """Checklist P-16: `:443`, upper-case host, added query, trailing slash … are not registered."""
    for variant in VARIANTS:
        for params in (
            {"id_token_hint": signed.id_token, "post_logout_redirect_uri": variant, "state": "s"},
            {"client_id": signed.client.client_id, "post_logout_redirect_uri": variant},
        ):
            response = browser.get(logout_url(**params))
            assert_refused_page(response)
            assert variant not in response.text
    # a redirect URI with no client to check it against
    assert_refused_page(browser.get(logout_url(post_logout_redirect_uri=LOGGED_OUT)))
    # a client_id contradicting the hint's audience
    other = make_client(provider)
    assert_refused_page(
        browser.get(
            logout_url(
                id_token_hint=signed.id_token,
                client_id=other.client_id,
                post_logout_redirect_uri=LOGGED_OUT,
            )
        )
    )
    # the URI registered for *another* client
    make_client(provider, post_logout_redirect_uris=["https://other.example/bye"])
    assert_refused_page(
        browser.get(
            logout_url(
                id_token_hint=signed.id_token,
                post_logout_redirect_uri="https://other.example/bye",
            )
        )
    )
    assert session_alive(browser, signed.rp)


def test_rp_logout_2_valid_hint_logs_out_and_redirects_with_state(
    app_client: TestClient, browser: Browser, signed: Signed
) -> None:
    response = browser.get(
        logout_url(
            id_token_hint=signed.id_token, post_logout_redirect_uri=LOGGED_OUT, state="st-42"
        )
    )
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == f"{LOGGED_OUT}?state=st-42"
    assert_session_cookie_cleared(response, app_client)
    assert shows_login(browser, signed.rp)


def test_rp_logout_2_valid_expired_hint_with_client_id_by_post(
    app_client: TestClient, browser: Browser, signed: Signed, clock: FixedClock
) -> None:
    """POST with form serialisation (§2), a matching `client_id` beside the hint, and a hint
    past its `exp` (§2: the OP need not reject an expired ID token as a hint)."""
    clock.advance(seconds=700)  # past the ID token's exp, within the session's idle limit
    response = app_client.post(
        "/logout",
        data={
            "id_token_hint": signed.id_token,
            "client_id": signed.client.client_id,
            "post_logout_redirect_uri": LOGGED_OUT,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == LOGGED_OUT
    assert shows_login(browser, signed.rp)


def test_rp_logout_2_without_hint_asks_for_confirmation(
    app_client: TestClient, browser: Browser, signed: Signed
) -> None:
    page = browser.get(
        logout_url(
            client_id=signed.client.client_id, post_logout_redirect_uri=LOGGED_OUT, state="abc"
        )
    )
    assert_confirmation_page(page)
    # nothing happened yet: a third-party page cannot log the user out (forced-logout CSRF)
    assert session_alive(browser, signed.rp)
    hidden = hidden_fields(page)
    assert hidden == {
        "client_id": signed.client.client_id,
        "post_logout_redirect_uri": LOGGED_OUT,
        "state": "abc",
    }
    done = browser.post_form("/logout/confirm", {**hidden, "decision": "logout"}, page)
    assert done.status_code == 303
    assert done.headers["location"] == f"{LOGGED_OUT}?state=abc"
    assert_session_cookie_cleared(done, app_client)
    assert shows_login(browser, signed.rp)


def test_rp_logout_2_confirmation_without_any_parameter(
    app_client: TestClient, browser: Browser, signed: Signed
) -> None:
    page = browser.get("/logout")
    assert_confirmation_page(page)
    done = browser.post_form("/logout/confirm", {"decision": "logout"}, page)
    assert done.status_code in (200, 303)
    assert "rp.example" not in done.headers.get("location", "")
    assert_session_cookie_cleared(done, app_client)
    assert shows_login(browser, signed.rp)


def test_rp_logout_2_confirmation_needs_csrf_and_origin_and_may_be_declined(
    app_client: TestClient, browser: Browser, signed: Signed
) -> None:
    page = browser.get("/logout")
    stay = browser.post_form("/logout/confirm", {"decision": "stay"}, page)
    assert stay.status_code == 303
    assert session_alive(browser, signed.rp)
    no_token = browser.post_form("/logout/confirm", {"decision": "logout"})
    assert no_token.status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    cross_site = app_client.post(
        "/logout/confirm",
        data={"decision": "logout", "csrf_token": token.group(1)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross_site.status_code == 403
    no_origin = app_client.post(
        "/logout/confirm",
        data={"decision": "logout", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert no_origin.status_code == 403
    assert session_alive(browser, signed.rp)


def _forged_hints(provider: Provider, signed: Signed, clock: FixedClock) -> dict[str, str]:
    header_b64, payload_b64, signature = signed.id_token.split(".")
    original = jose.peek_claims(signed.id_token)
    tampered = jose.peek_claims(signed.id_token) | {"sub": "someone-else"}

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    foreign_key = ECKey.generate_key("P-256", private=True, parameters={"kid": "foreign"})
    now = int(clock.now().timestamp())
    return {
        "tampered_payload": f"{header_b64}.{b64(tampered)}.{signature}",
        "stripped_signature": f"{header_b64}.{payload_b64}.",
        "foreign_key": jwt.encode(
            {"alg": "ES256", "kid": "foreign"}, original, foreign_key, algorithms=["ES256"]
        ),
        "other_issuer": jose.sign(
            provider.keys,
            {**original, "iss": "https://other-op.example", "iat": now, "exp": now + 600},
        ),
        "garbage": "not-a-jwt",
        "alg_none": b64({"alg": "none", "typ": "JWT"}) + "." + payload_b64 + ".",
    }


def test_rp_logout_2_forged_or_foreign_hint_is_treated_as_no_hint(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    signed: Signed,
    clock: FixedClock,
) -> None:
    for name, hint in _forged_hints(provider, signed, clock).items():
        page = browser.get(logout_url(id_token_hint=hint))
        assert page.status_code == 200, name
        assert_confirmation_page(page)
        assert session_alive(browser, signed.rp), name
        # without a trusted client, a post_logout_redirect_uri cannot be honoured
        refused = browser.get(logout_url(id_token_hint=hint, post_logout_redirect_uri=LOGGED_OUT))
        assert refused.status_code == 400, name
        assert "location" not in refused.headers


def test_rp_logout_2_hint_of_an_earlier_session_asks_for_confirmation(
    app_client: TestClient, provider: Provider, browser: Browser, email: str, signed: Signed
) -> None:
    """A genuine ID token of a *previous* session must not end the current one unasked."""
    old_hint = signed.id_token
    assert browser.get(logout_url(id_token_hint=old_hint)).status_code == 200  # logged out
    again = Signed(app_client, browser, signed.client, email)
    assert again.id_token != old_hint
    page = browser.get(logout_url(id_token_hint=old_hint, post_logout_redirect_uri=LOGGED_OUT))
    assert_confirmation_page(page)
    assert session_alive(browser, again.rp)


def test_rp_logout_2_without_session_redirects_to_registered_uri(
    app_client: TestClient, provider: Provider
) -> None:
    client = make_client(provider)
    response = app_client.get(
        logout_url(client_id=client.client_id, post_logout_redirect_uri=LOGGED_OUT, state="x"),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{LOGGED_OUT}?state=x"


def test_rp_logout_2_ends_session_grants_but_not_offline_access(
    app_client: TestClient, provider: Provider, browser: Browser, email: str, signed: Signed
) -> None:
    """Tokens without offline_access live no longer than the session they came from; a consented
    offline_access grant ("permanente Authentifikation", OIDC Core §11) outlives it."""
    offline = Signed(app_client, browser, make_client(provider), email, "openid offline_access")
    at = signed.tokens["access_token"]
    assert app_client.get("/userinfo", headers={"Authorization": f"Bearer {at}"}).status_code == 200
    browser.get(logout_url(id_token_hint=signed.id_token))
    response = app_client.get("/userinfo", headers={"Authorization": f"Bearer {at}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    refreshed = offline.rp.token(
        grant_type="refresh_token", refresh_token=offline.tokens["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.text


# -- Back-Channel Logout 1.0 --------------------------------------------------------------------


class Receiver:
    """A tiny real RP endpoint that records back-channel logout POSTs."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                outer.requests.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(outer.status)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bcl"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)

    def logout_tokens(self) -> list[str]:
        tokens = []
        for path, content_type, body in self.requests:
            assert path == "/bcl"
            assert content_type.startswith("application/x-www-form-urlencoded")
            form = parse_qs(body.decode())
            assert list(form) == ["logout_token"], form
            tokens.append(form["logout_token"][0])
        return tokens


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def bcl_messages(provider: Provider) -> list[OutboxMessage]:
    with provider.sessions() as db:
        return list(
            db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "backchannel_logout")
                .order_by(OutboxMessage.id)
            )
        )


def deliver(provider: Provider) -> int:
    with httpx.Client() as http:
        return deliver_due(provider, http)


def test_backchannel_logout_2_4_logout_token_is_delivered(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    email: str,
    receiver: Receiver,
    jwks: dict[str, Any],
    clock: FixedClock,
) -> None:
    client = make_client(provider, backchannel_logout_uri=receiver.url)
    plain = make_client(provider)  # no back-channel URI: queued, but nothing to send
    session = Signed(app_client, browser, client, email)
    Signed(app_client, browser, plain, email)
    _h, id_claims = decode_jwt(session.id_token, jwks)

    response = browser.get(logout_url(id_token_hint=session.id_token))
    assert response.status_code == 200
    assert receiver.requests == []  # delivery goes through the outbox, not the request
    assert {m.payload["client_id"] for m in bcl_messages(provider)} == {
        client.client_id,
        plain.client_id,
    }
    assert deliver(provider) == 2
    tokens = receiver.logout_tokens()
    assert len(tokens) == 1

    header, claims = decode_jwt(tokens[0], app_client.get("/jwks").json())
    assert header["typ"] == "logout+jwt"
    assert header["alg"] == "ES256"
    assert claims["iss"] == ISSUER
    assert claims["aud"] == client.client_id
    assert claims["sub"] == id_claims["sub"]
    assert claims["sid"] == id_claims["sid"]
    assert claims["iat"] == int(clock.now().timestamp())
    assert 0 < claims["exp"] - claims["iat"] <= 120
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims
    assert all(m.delivered_at is not None and m.attempts == 1 for m in bcl_messages(provider))
    # delivered messages are not sent again
    assert deliver(provider) == 0
    assert len(receiver.requests) == 1


def test_backchannel_logout_2_6_failed_delivery_is_retried(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    email: str,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    client = make_client(provider, backchannel_logout_uri=receiver.url)
    session = Signed(app_client, browser, client, email)
    browser.get(logout_url(id_token_hint=session.id_token))

    receiver.status = 500
    assert deliver(provider) == 0
    assert len(receiver.requests) == 1
    [message] = bcl_messages(provider)
    assert message.attempts == 1
    assert message.delivered_at is None and message.failed_at is None
    assert message.next_attempt_at > clock.now()
    assert message.last_error == "HTTP 500"

    # not due yet: nothing is sent
    assert deliver(provider) == 0
    assert len(receiver.requests) == 1

    receiver.status = 200
    clock.advance(seconds=(message.next_attempt_at - clock.now()).total_seconds() + 1)
    assert deliver(provider) == 1
    assert len(receiver.requests) == 2
    [message] = bcl_messages(provider)
    assert message.attempts == 2
    assert message.delivered_at == clock.now()
    first, second = receiver.logout_tokens()
    assert jose.peek_claims(first)["jti"] != jose.peek_claims(second)["jti"]


def test_backchannel_logout_2_6_delivery_gives_up_after_max_attempts(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    email: str,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    client = make_client(provider, backchannel_logout_uri=receiver.url)
    session = Signed(app_client, browser, client, email)
    browser.get(logout_url(id_token_hint=session.id_token))
    receiver.status = 503
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliver(provider) == 0
        [message] = bcl_messages(provider)
        assert message.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert message.failed_at is None
            wait = (message.next_attempt_at - clock.now()).total_seconds()
            waits.append(wait)
            clock.advance(seconds=wait)
    assert waits == sorted(waits) and waits[0] < waits[-1]  # growing waits
    assert message.failed_at == clock.now()
    assert message.delivered_at is None
    receiver.status = 200
    clock.advance(days=1)
    assert deliver(provider) == 0  # given up: no endless retries
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_backchannel_logout_2_6_unreachable_receiver_is_retried(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    email: str,
    receiver: Receiver,
    clock: FixedClock,
) -> None:
    client = make_client(provider, backchannel_logout_uri=receiver.url)
    session = Signed(app_client, browser, client, email)
    browser.get(logout_url(id_token_hint=session.id_token))
    receiver.close()
    assert deliver(provider) == 0
    [message] = bcl_messages(provider)
    assert message.attempts == 1
    assert message.delivered_at is None
    assert message.next_attempt_at > clock.now()
    assert message.last_error


def test_backchannel_logout_2_4_consent_revocation_sends_logout_token(
    app_client: TestClient,
    provider: Provider,
    browser: Browser,
    email: str,
    receiver: Receiver,
    jwks: dict[str, Any],
) -> None:
    client = make_client(
        provider, backchannel_logout_uri=receiver.url, id_token_signed_response_alg="PS256"
    )
    session = Signed(app_client, browser, client, email)
    _h, id_claims = decode_jwt(session.id_token, jwks)
    page = browser.get("/account")
    action = re.findall(r'action="(/account/consents/[^"/]+/revoke)"', page.text)[0]
    assert browser.post_form(action, {}, page).status_code == 303
    assert deliver(provider) == 1
    [token] = receiver.logout_tokens()
    header, claims = decode_jwt(token, jwks)
    assert header["typ"] == "logout+jwt"
    assert header["alg"] == "PS256"
    assert claims["sub"] == id_claims["sub"]
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims


# -- the demo portal as a back-channel logout receiver (§2.6) ------------------------------------


def test_backchannel_logout_2_6_demo_portal_receiver_checks_typ_and_exp(
    app_client: TestClient,
    provider: Provider,
    clock: FixedClock,
    jwks: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo portal accepts only a `logout+jwt` that has not expired: an ID token or any
    other JWT of ours signed with the same key, or an expired logout token, is answered 400."""
    monkeypatch.setattr(demo_portal, "_discover", lambda issuer: {"issuer": issuer, "_keys": jwks})
    now = int(clock.now().timestamp())

    def post(*, typ: str = "logout+jwt", exp: int = now + 120) -> int:
        claims = {
            "iss": "http://testserver",
            "aud": demo_portal.CLIENT_ID,
            "iat": now,
            "exp": exp,
            "jti": "jti-of-a-test",
            "sub": "someone",
            "events": {BACKCHANNEL_EVENT: {}},
        }
        token = jose.sign(provider.keys, claims, typ=typ)
        response = app_client.post("/demo-portal/backchannel-logout", data={"logout_token": token})
        return response.status_code

    assert post() == 200
    assert post(typ="JWT") == 400
    assert post(typ="at+jwt") == 400
    assert post(exp=now) == 400
    assert post(exp=now - 60) == 400
