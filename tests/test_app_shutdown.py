"""Shutting the app down closes its database connections (no pool left to the garbage collector,
which made psycopg warn "connection ... was deleted while still open" in unrelated tests)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from servicekonto.app import create_app
from servicekonto.clock import FixedClock
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings

pytestmark = pytest.mark.postgres


def engine_of(provider: Provider) -> Engine:
    with provider.sessions() as db:
        engine = db.get_bind()
    assert isinstance(engine, Engine)
    return engine


def test_shutdown_closes_every_pooled_connection(settings: Settings, clock: FixedClock) -> None:
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url="http://testserver") as http:
        assert http.get("/jwks").status_code == 200
        engine = engine_of(app.state.provider)
        assert engine.pool.checkedin() > 0  # the start-up (keys) and the request used the pool
    assert engine.pool.checkedin() == 0
    assert engine.pool.checkedout() == 0
