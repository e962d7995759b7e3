"""The JSON admin API for clients (/api/v1/admin/clients): bearer tokens with scope
`admin:clients`, RFC 9457 problem details, secrets shown once, audited changes (checklist A-06)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clock import FixedClock
from servicekonto.db.models import AuditEvent, Authorization, Client
from servicekonto.errors import InvalidInput
from servicekonto.oidc.provider import Provider
from tests.support import (
    Browser,
    RegisteredClient,
    Rp,
    callback_params,
    full_login,
    make_account,
    make_client,
)

BASE = "/api/v1/admin/clients"
PROBLEM = "application/problem+json"


def _token(app_client: TestClient, client: RegisteredClient, scope: str | None = None) -> str:
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    response = app_client.post(
        "/token", data=form, auth=(client.client_id, client.client_secret or "")
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def admin(provider: Provider) -> RegisteredClient:
    return make_client(
        provider, grant_types=["client_credentials"], scopes=["admin:clients"], redirect_uris=[]
    )


@pytest.fixture
def auth(app_client: TestClient, admin: RegisteredClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(app_client, admin)}"}


def _assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and "detail" in body
    return body


NEW_CLIENT = {
    "name": "Fachverfahren Hundesteuer",
    "redirect_uris": ["https://hundesteuer.cochem-zell.example/cb"],
    "grant_types": ["authorization_code"],
    "scopes": ["openid", "profile"],
}


# -- authentication and authorisation -------------------------------------------------------------


def test_no_token_is_401_problem_with_bearer_challenge(app_client: TestClient) -> None:
    for response in (
        app_client.get(BASE),
        app_client.post(BASE, json=NEW_CLIENT),
        app_client.get(BASE, headers={"Authorization": "Basic YTpi"}),
        app_client.get(BASE, headers={"Authorization": "Bearer "}),
    ):
        _assert_problem(response, 401)
        assert response.headers.get("www-authenticate", "").lower().startswith("bearer")


def test_an_invalid_or_expired_token_is_401(
    app_client: TestClient, auth: dict[str, str], clock: FixedClock
) -> None:
    _assert_problem(app_client.get(BASE, headers={"Authorization": "Bearer not-a-jwt"}), 401)
    token = auth["Authorization"].removeprefix("Bearer ")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    _assert_problem(app_client.get(BASE, headers={"Authorization": f"Bearer {tampered}"}), 401)
    assert app_client.get(BASE, headers=auth).status_code == 200
    clock.advance(seconds=301)
    _assert_problem(app_client.get(BASE, headers=auth), 401)


def test_a_token_without_admin_scope_is_403(app_client: TestClient, provider: Provider) -> None:
    other = make_client(
        provider, grant_types=["client_credentials"], scopes=["api:read"], redirect_uris=[]
    )
    headers = {"Authorization": f"Bearer {_token(app_client, other)}"}
    for response in (
        app_client.get(BASE, headers=headers),
        app_client.post(BASE, json=NEW_CLIENT, headers=headers),
        app_client.delete(f"{BASE}/{other.client_id}", headers=headers),
    ):
        _assert_problem(response, 403)
    with provider.sessions() as db:
        assert db.get(Client, other.client_id) is not None


def test_an_admin_client_cannot_ask_for_scopes_it_was_not_given(
    app_client: TestClient, provider: Provider
) -> None:
    other = make_client(
        provider, grant_types=["client_credentials"], scopes=["api:read"], redirect_uris=[]
    )
    response = app_client.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": "admin:clients"},
        auth=(other.client_id, other.client_secret or ""),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


# -- administrative scopes only in client-credentials tokens of machine clients ----------

END_USER_WITH_MACHINE_SCOPES: list[dict[str, Any]] = [
    {"scopes": ["openid", "admin:clients"]},
    {"scopes": ["openid", "admin:anything"]},
    {"scopes": ["openid", "letters:dispatch"]},
    {"scopes": ["openid", "postfach:deliver"]},
    {"scopes": ["openid", "tokens:introspect"]},
    # a client that may also use the code flow is no machine client
    {"grant_types": ["authorization_code", "client_credentials"], "scopes": ["admin:clients"]},
]


@pytest.mark.parametrize("change", END_USER_WITH_MACHINE_SCOPES)
def test_a03_registering_a_code_flow_client_with_administrative_scopes_is_422(
    app_client: TestClient, provider: Provider, auth: dict[str, str], change: dict[str, Any]
) -> None:
    with provider.sessions() as db:
        before = len(list(db.scalars(select(Client.client_id))))
    response = app_client.post(BASE, json={**NEW_CLIENT, **change}, headers=auth)
    body = _assert_problem(response, 422)
    assert "reserved to clients whose only grant type is client_credentials" in body["detail"]
    with provider.sessions() as db:
        assert len(list(db.scalars(select(Client.client_id)))) == before


def test_a03_a_machine_client_may_be_registered_with_administrative_scopes(
    app_client: TestClient, auth: dict[str, str]
) -> None:
    machine = {
        "name": "Druckerei",
        "grant_types": ["client_credentials"],
        "scopes": ["letters:dispatch", "admin:clients"],
    }
    response = app_client.post(BASE, json=machine, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["scopes"] == ["admin:clients", "letters:dispatch"]


def test_a03_the_client_service_refuses_administrative_scopes_of_an_unvalidated_spec(
    provider: Provider,
) -> None:
    spec = ClientCreate.model_construct(
        **{**ClientCreate(**NEW_CLIENT).model_dump(), "scopes": ["openid", "admin:clients"]}
    )
    with provider.sessions() as db, pytest.raises(InvalidInput):
        create_client(db, spec=spec, now=provider.clock.now())


@pytest.fixture
def legacy_code_flow_admin(app_client: TestClient, provider: Provider) -> Rp:
    """A code-flow client that holds `admin:clients`, as registration allowed before A-03."""
    registered = make_client(provider)
    with provider.sessions() as db:
        row = db.get(Client, registered.client_id)
        assert row is not None
        row.scopes = [*row.scopes, "admin:clients"]
        db.commit()
    provider.clients.invalidate(registered.client_id)
    return Rp(app_client, registered)


def test_a03_authorize_refuses_administrative_scopes_for_an_end_user(
    browser: Browser, legacy_code_flow_admin: Rp
) -> None:
    rp = legacy_code_flow_admin
    response = browser.get(rp.authorize_url(scope="openid admin:clients"))
    assert response.status_code == 302
    params = callback_params(response)
    assert params["error"] == "invalid_scope"
    assert params["state"] == rp.state


def test_a03_an_end_user_token_carrying_admin_clients_is_refused_by_the_admin_api(
    app_client: TestClient, browser: Browser, provider: Provider, legacy_code_flow_admin: Rp
) -> None:
    """A grant that carries `admin:clients` for a person (issued before A-03): its access
    token is valid, yet the admin API answers 403."""
    rp = legacy_code_flow_admin
    params = full_login(browser, rp, make_account(provider), scope="openid")
    with provider.sessions() as db:
        authorization = db.scalars(
            select(Authorization).where(Authorization.client_id == rp.client.client_id)
        ).one()
        authorization.scopes = [*authorization.scopes, "admin:clients"]
        db.commit()
    tokens = rp.redeem(params["code"])
    assert tokens.status_code == 200, tokens.text
    assert "admin:clients" in tokens.json()["scope"].split()
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    for response in (
        app_client.get(BASE, headers=headers),
        app_client.post(BASE, json=NEW_CLIENT, headers=headers),
    ):
        body = _assert_problem(response, 403)
        assert body["detail"] == "scope admin:clients needs a client-credentials token"


# -- the lifecycle ----------------------------------------------------------------------------


def test_list_create_get_disable_delete(
    app_client: TestClient, provider: Provider, admin: RegisteredClient, auth: dict[str, str]
) -> None:
    listed = app_client.get(BASE, headers=auth)
    assert listed.status_code == 200
    assert admin.client_id in {c["client_id"] for c in listed.json()}
    assert all("client_secret" not in c and "secret_digest" not in c for c in listed.json())

    created = app_client.post(BASE, json=NEW_CLIENT, headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    client_id, secret = body["client_id"], body["client_secret"]
    assert secret and len(secret) >= 32
    assert body["redirect_uris"] == NEW_CLIENT["redirect_uris"]
    assert body["disabled"] is False

    shown = app_client.get(f"{BASE}/{client_id}", headers=auth)
    assert shown.status_code == 200
    assert "client_secret" not in shown.json() and "secret_digest" not in shown.json()
    assert secret not in shown.text
    assert secret not in app_client.get(BASE, headers=auth).text

    patched = app_client.patch(f"{BASE}/{client_id}", json={"disabled": True}, headers=auth)
    assert patched.status_code == 200, patched.text
    assert patched.json()["disabled"] is True
    assert app_client.get(f"{BASE}/{client_id}", headers=auth).json()["disabled"] is True

    deleted = app_client.delete(f"{BASE}/{client_id}", headers=auth)
    assert deleted.status_code == 204
    assert deleted.content == b""
    _assert_problem(app_client.get(f"{BASE}/{client_id}", headers=auth), 404)
    _assert_problem(app_client.delete(f"{BASE}/{client_id}", headers=auth), 404)
    _assert_problem(
        app_client.patch(f"{BASE}/{client_id}", json={"disabled": True}, headers=auth), 404
    )

    with provider.sessions() as db:
        rows = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    admin_rows = [r for r in rows if r.subject == f"client:{client_id}"]
    assert [r.event for r in admin_rows] == ["client.created", "client.disabled", "client.deleted"]
    assert all(r.actor == f"client:{admin.client_id}" for r in admin_rows)
    assert all(secret not in str(r.details) for r in rows)


def test_a_disabled_client_can_no_longer_get_tokens(
    app_client: TestClient, auth: dict[str, str]
) -> None:
    spec = {
        "name": "Batch",
        "grant_types": ["client_credentials"],
        "scopes": ["api:read"],
    }
    created = app_client.post(BASE, json=spec, headers=auth)
    assert created.status_code == 201, created.text
    target = RegisteredClient(
        created.json()["client_id"], created.json()["client_secret"], "", ""
    )
    _token(app_client, target)  # works while enabled

    patched = app_client.patch(
        f"{BASE}/{target.client_id}", json={"disabled": True}, headers=auth
    )
    assert patched.status_code == 200
    response = app_client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(target.client_id, target.client_secret or ""),
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"

    enabled = app_client.patch(
        f"{BASE}/{target.client_id}", json={"disabled": False}, headers=auth
    )
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    _token(app_client, target)


# -- input validation -------------------------------------------------------------------------


INVALID_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"extra": "x"}, "extra"),
    ({"redirect_uris": ["http://hundesteuer.example/cb"]}, "redirect_uris"),
    ({"redirect_uris": ["https://hundesteuer.example/cb#frag"]}, "redirect_uris"),
    ({"redirect_uris": ["https://user:pw@hundesteuer.example/cb"]}, "redirect_uris"),
    ({"redirect_uris": ["javascript:alert(1)"]}, "redirect_uris"),
    ({"redirect_uris": []}, ""),  # authorization_code needs a redirect URI
    ({"grant_types": ["password"]}, "grant_types"),
    ({"name": ""}, "name"),
    ({"name": 42}, "name"),
    ({"scopes": ["open id"]}, "scopes"),
    ({"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]}, ""),
]


def test_invalid_bodies_are_422_problems(
    app_client: TestClient, provider: Provider, auth: dict[str, str]
) -> None:
    with provider.sessions() as db:
        before = len(list(db.scalars(select(Client.client_id))))
    for change, field in INVALID_CHANGES:
        response = app_client.post(BASE, json={**NEW_CLIENT, **change}, headers=auth)
        body = _assert_problem(response, 422)
        assert field in body["detail"], (change, body)
    with provider.sessions() as db:
        assert len(list(db.scalars(select(Client.client_id)))) == before


MALFORMED: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"[]", "application/json"),
    (b"null", "application/json"),
    (b"name=x", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00", "application/json"),
    (b'{"name": "' + b"x" * 300 + b'"}', "application/json"),
    (b"[" * 10_000 + b"]" * 10_000, "application/json"),
]


def test_malformed_bodies_are_client_errors_not_500(
    app_client: TestClient, auth: dict[str, str]
) -> None:
    for content, content_type in MALFORMED:
        response = app_client.post(
            BASE, content=content, headers={**auth, "Content-Type": content_type}
        )
        assert 400 <= response.status_code < 500, (content[:40], response.text)
        assert response.headers["content-type"].startswith(PROBLEM), content[:40]


def test_invalid_patches_are_422(
    app_client: TestClient, admin: RegisteredClient, auth: dict[str, str]
) -> None:
    patches: list[dict[str, Any]] = [
        {"disabled": True, "name": "x"},
        {"disabled": "maybe"},
        {},
        {"secret_digest": "0"},
    ]
    for patch in patches:
        response = app_client.patch(f"{BASE}/{admin.client_id}", json=patch, headers=auth)
        _assert_problem(response, 422)


def test_unknown_client_id_is_404_problem(app_client: TestClient, auth: dict[str, str]) -> None:
    _assert_problem(app_client.get(f"{BASE}/does-not-exist", headers=auth), 404)
    _assert_problem(app_client.get(f"{BASE}/{'x' * 500}", headers=auth), 404)
