"""Issue 15 item 9: server-side requests to internal addresses (SSRF). Outside dev mode a
back-channel logout URI (and every later webhook URL) must reach a public address over https:
refused at registration, and again at delivery after DNS resolution, where the sender then
connects to the address it checked."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.app import build_provider, create_app
from servicekonto.clients.schemas import ClientCreate
from servicekonto.clients.service import create_client
from servicekonto.clock import FixedClock
from servicekonto.db.models import OutboxMessage
from servicekonto.db.outbox import enqueue_backchannel_logout
from servicekonto.oidc.logout import deliver_due
from servicekonto.oidc.provider import Provider
from servicekonto.security import outbound
from servicekonto.security.outbound import ForbiddenTarget, check_target
from servicekonto.settings import Settings
from tests.support import make_account, make_client

INTERNAL = [
    "http://127.0.0.1:6379/",
    "https://127.0.0.1:6379/",
    "https://[::1]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/bcl",
    "https://172.16.0.1/bcl",
    "https://192.168.1.1/bcl",
    "https://100.64.0.1/bcl",  # shared address space (carrier-grade NAT)
    "https://[fe80::1]/bcl",
    "https://[fc00::1]/bcl",
    "https://[::ffff:127.0.0.1]/bcl",
    "https://0.0.0.0/bcl",
    "https://224.0.0.1/bcl",
    "https://localhost/bcl",
    "https://2130706433/bcl",  # 127.0.0.1 as one number, resolved by the C library
    "http://93.184.216.34/bcl",  # public, but not https
]


@pytest.mark.parametrize("url", INTERNAL)
def test_ssrf_internal_targets_are_refused_outside_dev_mode(url: str) -> None:
    with pytest.raises(ForbiddenTarget):
        check_target(url, allow_internal=False, must_resolve=False)
    with pytest.raises(ForbiddenTarget):
        check_target(url, allow_internal=False, must_resolve=True)
    assert check_target(url, allow_internal=True, must_resolve=True).addresses == ()


def test_ssrf_public_targets_pass_and_names_must_resolve_at_delivery() -> None:
    target = check_target("https://93.184.216.34/bcl?x=1", allow_internal=False, must_resolve=True)
    assert target.addresses == ("93.184.216.34",)
    assert target.pinned() == (
        "https://93.184.216.34:443/bcl?x=1",
        {"Host": "93.184.216.34"},
        "93.184.216.34",
    )
    # a name that does not resolve (yet) may be registered, but nothing is sent to it
    assert check_target("https://rp.invalid/bcl", allow_internal=False, must_resolve=False)
    with pytest.raises(ForbiddenTarget):
        check_target("https://rp.invalid/bcl", allow_internal=False, must_resolve=True)


# -- at registration: the admin API outside dev mode -------------------------------------------


@pytest.fixture
def production_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    production = settings.model_copy(update={"dev_mode": False, "issuer": "https://testserver"})
    with TestClient(create_app(production, clock=clock), base_url="https://testserver") as client:
        yield client


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6379/", "https://[::1]/", "https://169.254.169.254/", "https://10.1.2.3/"],
)
def test_ssrf_admin_api_refuses_an_internal_backchannel_logout_uri(
    production_client: TestClient, url: str
) -> None:
    provider: Provider = production_client.app.state.provider  # type: ignore[attr-defined]
    admin = make_client(
        provider, grant_types=["client_credentials"], scopes=["admin:clients"], redirect_uris=[]
    )
    token = production_client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(admin.client_id, admin.client_secret or ""),
    ).json()["access_token"]
    spec = {
        "name": "Fachverfahren",
        "redirect_uris": ["https://rp.example/cb"],
        "backchannel_logout_uri": url,
    }
    response = production_client.post(
        "/api/v1/admin/clients", json=spec, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "address" in response.json()["detail"] or "https" in response.json()["detail"]
    spec["backchannel_logout_uri"] = "https://93.184.216.34/bcl"
    created = production_client.post(
        "/api/v1/admin/clients", json=spec, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201, created.text


# -- at delivery: after DNS resolution ---------------------------------------------------------


@pytest.fixture
def production_provider(settings: Settings, clock: FixedClock) -> Provider:
    """The test database under production settings (the dev key still unseals its keys)."""
    production = settings.model_copy(update={"dev_mode": False, "issuer": "https://sk.example"})
    return build_provider(production, clock)


def _resolving(monkeypatch: pytest.MonkeyPatch, host: str, address: str) -> None:
    real = socket.getaddrinfo

    def fake(name: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(name, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake)


def _queued_logout(provider: Provider, uri: str) -> int:
    account = make_account(provider)
    with provider.sessions() as db:
        from servicekonto.db.models import Account

        account_id = db.scalars(select(Account.id).where(Account.email == account)).one()
        # registered while the name pointed outside (or before this check existed)
        client = create_client(
            db,
            spec=ClientCreate(
                name="RP", redirect_uris=["https://rp.example/cb"], backchannel_logout_uri=uri
            ),
            now=provider.clock.now(),
            allow_internal_targets=True,
        )
        enqueue_backchannel_logout(
            db,
            client_id=client.client_id,
            account_id=account_id,
            sid=None,
            reason="test",
            now=provider.clock.now(),
        )
        db.commit()
        return int(
            db.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first() or 0
        )


def _deliver(
    provider: Provider, monkeypatch: pytest.MonkeyPatch, uri: str, resolves_to: str
) -> tuple[int, list[httpx.Request], OutboxMessage]:
    """Queue a logout for a client at `uri`, let its host resolve to `resolves_to`, deliver:
    (delivered count, the requests sent, the outbox row afterwards)."""
    message_id = _queued_logout(provider, uri)
    _resolving(monkeypatch, "rp.example", resolves_to)
    sent: list[httpx.Request] = []
    with httpx.Client(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    ) as http:
        delivered = deliver_due(provider, http)
    with provider.sessions() as db:
        message = db.get(OutboxMessage, message_id)
        assert message is not None
        return delivered, sent, message


def test_ssrf_delivery_refuses_a_name_that_now_resolves_inside(
    production_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivered, sent, message = _deliver(
        production_provider, monkeypatch, "https://rp.example/backchannel", "127.0.0.1"
    )
    assert (delivered, sent) == (0, [])
    assert message.failed_at is not None and message.last_error == "forbidden target"


def test_ssrf_delivery_connects_to_the_checked_address_with_the_name_for_tls(
    production_provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivered, sent, message = _deliver(
        production_provider, monkeypatch, "https://rp.example:8443/backchannel", "93.184.216.34"
    )
    assert delivered == 1 and message.delivered_at is not None
    [request] = sent
    assert str(request.url) == "https://93.184.216.34:8443/backchannel"
    assert request.headers["host"] == "rp.example:8443"
    assert request.extensions["sni_hostname"] == "rp.example"
    assert request.content.startswith(b"logout_token=")
