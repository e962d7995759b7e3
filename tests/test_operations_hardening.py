"""Issue 15 #12 and issue 10 #21: HSTS with includeSubDomains, no-store on the JSON API, a cap
on request headers, and /api/docs and /metrics closed in production unless the operator opens
them (bearer token and/or network allow-list). Checklist W-02, R-03, V-03."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekonto.app import create_app
from servicekonto.errors import ConfigurationError
from servicekonto.settings import Settings
from tests.conftest import FAST_ARGON2
from tests.support import make_client

PRODUCTION_SECRET = "p" * 40
ISSUER = "https://konto.example"

AppFactory = Callable[..., TestClient]


@pytest.fixture
def production(database_url: str, tmp_path: Path) -> Iterator[AppFactory]:
    """Apps outside dev mode (https issuer, real secret), with extra settings per call. Without
    their lifespan: the template database's signing keys are sealed under the dev secret."""
    opened: list[TestClient] = []

    def make(client: tuple[str, int] = ("203.0.113.7", 50000), **extra: Any) -> TestClient:
        settings = Settings(
            dev_mode=False,
            issuer=ISSUER,
            secret_key=PRODUCTION_SECRET,
            data_dir=tmp_path,
            database_url=database_url,
            outbox_interval_seconds=0,
            **FAST_ARGON2,
            **extra,
        )
        http = TestClient(create_app(settings), base_url=ISSUER, client=client)
        opened.append(http)
        return http

    yield make
    for http in opened:
        http.close()


def test_w02_hsts_includes_subdomains(production: AppFactory) -> None:
    response = production().get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_v03_json_api_answers_are_never_cached(app_client: TestClient) -> None:
    from servicekonto.oidc.provider import Provider

    provider: Provider = app_client.app.state.provider  # type: ignore[attr-defined]
    admin = make_client(
        provider, grant_types=["client_credentials"], scopes=["admin:clients"], redirect_uris=[]
    )
    token = app_client.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(admin.client_id, admin.client_secret or ""),
    ).json()["access_token"]
    listed = app_client.get("/api/v1/admin/clients", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "no-store"
    letters = app_client.get("/api/v1/letters")  # refused, and still not cacheable
    assert letters.status_code == 401
    assert letters.headers["cache-control"] == "no-store"


def test_r03_request_headers_over_16_kib_are_431(app_client: TestClient) -> None:
    assert app_client.get("/login", headers={"X-Filler": "a" * 15_000}).status_code == 200
    response = app_client.get("/login", headers={"X-Filler": "a" * 17_000})
    assert response.status_code == 431
    assert response.json()["error_description"] == "request headers too large"
    assert "content-security-policy" in response.headers
    many = {f"X-Filler-{i}": "b" * 1_000 for i in range(20)}  # the total counts, not one header
    assert app_client.get("/login", headers=many).status_code == 431


def test_api_docs_and_openapi_are_off_in_production_unless_enabled(
    production: AppFactory,
) -> None:
    closed = production()
    assert closed.get("/api/docs").status_code == 404
    assert closed.get("/api/openapi.json").status_code == 404
    opened = production(api_docs=True)
    assert opened.get("/api/docs").status_code == 200
    assert opened.get("/api/openapi.json").status_code == 200


def test_metrics_are_off_in_production_without_a_token_or_allow_list(
    production: AppFactory,
) -> None:
    assert production().get("/metrics").status_code == 404


def test_metrics_token_is_required_when_set(production: AppFactory) -> None:
    http = production(metrics_token="scrape-secret-123")
    refused = http.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="metrics"'
    wrong = http.get("/metrics", headers={"Authorization": "Bearer scrape-secret-124"})
    assert wrong.status_code == 401
    ok = http.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert ok.status_code == 200
    assert "servicekonto_http_requests_total" in ok.text


def test_metrics_allow_list_admits_only_listed_networks(production: AppFactory) -> None:
    outside = production(metrics_allow="10.0.0.0/8, 192.0.2.1")
    assert outside.get("/metrics").status_code == 403
    inside = production(client=("10.1.2.3", 50000), metrics_allow="10.0.0.0/8, 192.0.2.1")
    assert inside.get("/metrics").status_code == 200
    both = production(
        client=("192.0.2.1", 50000), metrics_allow="192.0.2.1", metrics_token="scrape-secret-123"
    )
    assert both.get("/metrics").status_code == 401  # the right address still needs the token
    assert both.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"}).is_success


def test_an_invalid_metrics_allow_entry_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="METRICS_ALLOW"):
        Settings(dev_mode=True, metrics_allow="10.0.0.0/8, intranet")


def test_dockerfile_keeps_data_in_a_volume_and_sets_workers_and_proxies() -> None:
    dockerfile = (Path(__file__).resolve().parents[1] / "Dockerfile").read_text()
    assert 'VOLUME ["/srv/servicekonto/var"]' in dockerfile
    assert "SERVICEKONTO_WORKERS=2" in dockerfile
    assert "SERVICEKONTO_TRUSTED_PROXIES" in dockerfile
