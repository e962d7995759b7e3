"""The per-process client cache on a real `servicekonto serve --workers 2` (issue 14 #6).

Each worker keeps a client's metadata for `SERVICEKONTO_CLIENT_CACHE_SECONDS` (README, security
defaults: 30 s), and a `client_credentials` request of a cached client never reaches the
database. The worker that disables a client forgets it at once; the others must refuse it
within the cache lifetime, and so must every worker a client secret that was replaced.
Checklist P-08. The lifetime is 2 s here, so the test stays short.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import update

from servicekonto.app import build_provider, dispose_provider
from servicekonto.clock import SystemClock
from servicekonto.db.models import Client
from servicekonto.oidc.provider import Provider
from servicekonto.security.secrets import digest
from tests.concurrency import CONCURRENCY_GROUP
from tests.conftest import ServerProcess
from tests.support import RegisteredClient, each_worker, make_client, workers_of

pytestmark = [pytest.mark.server, pytest.mark.timeout(240), CONCURRENCY_GROUP]

CLIENT_CACHE = 2.0  # SERVICEKONTO_CLIENT_CACHE_SECONDS of the server under test

Call = Callable[[httpx.Client], httpx.Response]


@pytest.fixture
def cached_server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    return make_server(workers=2, CLIENT_CACHE_SECONDS=str(CLIENT_CACHE))


@pytest.fixture
def seeding(cached_server: ServerProcess) -> Iterator[Provider]:
    provider = build_provider(cached_server.settings(), SystemClock())
    yield provider
    dispose_provider(provider)


def machine_client(provider: Provider, scope: str) -> RegisteredClient:
    return make_client(
        provider, grant_types=["client_credentials"], scopes=[scope], redirect_uris=[]
    )


def client_token(client: RegisteredClient, secret: str | None = None, scope: str = "") -> Call:
    def call(http: httpx.Client) -> httpx.Response:
        form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        return http.post("/token", data=form, auth=(client.client_id, secret or ""))

    return call


def on_each_worker(base_url: str, call: Call) -> list[httpx.Response]:
    with each_worker(base_url) as workers:
        answers = [call(http) for http in workers]
    assert len(workers_of(answers)) == 2
    return answers


def answers_until_every_worker_answered_after(
    base_url: str, call: Call, moment: float
) -> list[tuple[float, httpx.Response]]:
    """(sent at, answer) of `call` on both workers, repeated until each worker has answered a
    request sent after `moment` (monotonic seconds)."""
    observed: list[tuple[float, httpx.Response]] = []
    while True:
        assert time.monotonic() < moment + 120, "the workers did not answer"
        with each_worker(base_url) as workers:
            for http in workers:
                observed.append((time.monotonic(), call(http)))
        late = [answer for sent, answer in observed if sent >= moment]
        if late and len(workers_of(late)) == 2:
            return observed
        time.sleep(0.2)


def assert_invalid_client(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_client"
    assert answer.headers["www-authenticate"] == 'Basic realm="servicekonto"'


def test_p08_a_disabled_client_is_refused_by_every_worker_within_the_client_cache_lifetime(
    cached_server: ServerProcess, seeding: Provider
) -> None:
    base = cached_server.base_url
    admin = machine_client(seeding, "admin:clients")
    portal = machine_client(seeding, "api:read")
    get_token = client_token(portal, portal.client_secret)
    # both workers have the portal in their cache
    assert [a.status_code for a in on_each_worker(base, get_token)] == [200, 200]

    with httpx.Client(base_url=base, timeout=30) as http:
        admin_token = client_token(admin, admin.client_secret, "admin:clients")(http)
        assert admin_token.status_code == 200, admin_token.text
        patched = http.patch(
            f"/api/v1/admin/clients/{portal.client_id}",
            json={"disabled": True},
            headers={"Authorization": f"Bearer {admin_token.json()['access_token']}"},
        )
        assert patched.status_code == 200, patched.text
        disabled_at = time.monotonic()
        # the worker that disabled it (same connection) forgot its cached copy at once
        refused = get_token(http)
        assert workers_of([refused]) == workers_of([patched])
        assert_invalid_client(refused)

    expired = disabled_at + CLIENT_CACHE
    observed = answers_until_every_worker_answered_after(base, get_token, expired)
    for sent, answer in observed:
        if sent >= expired:
            assert_invalid_client(answer)
        else:  # a worker may still serve its cached copy, but nothing else
            assert answer.status_code in (200, 401), answer.text


def test_p08_a_replaced_client_secret_holds_on_every_worker_within_the_client_cache_lifetime(
    cached_server: ServerProcess, seeding: Provider
) -> None:
    base = cached_server.base_url
    portal = machine_client(seeding, "api:read")
    old_secret, new_secret = portal.client_secret, "neues-Geheimnis-" + "x" * 32
    assert [a.status_code for a in on_each_worker(base, client_token(portal, old_secret))] == [
        200,
        200,
    ]
    # the operator replaces the secret in the database (no worker is told)
    with seeding.sessions() as db:
        db.execute(
            update(Client)
            .where(Client.client_id == portal.client_id)
            .values(secret_digest=digest(new_secret))
        )
        db.commit()
    replaced_at = time.monotonic()
    expired = replaced_at + CLIENT_CACHE

    for secret, expected in ((old_secret, 401), (new_secret, 200)):
        observed = answers_until_every_worker_answered_after(
            base, client_token(portal, secret), expired
        )
        late = [answer for sent, answer in observed if sent >= expired]
        assert {a.status_code for a in late} == {expected}, [(a.status_code, a.text) for a in late]
        if expected == 401:
            for answer in late:
                assert_invalid_client(answer)
