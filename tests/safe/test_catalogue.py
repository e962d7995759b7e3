"""The service catalogue (issue 13 item 5): `servicekonto catalogue add|list|remove`, the admin
API (`/api/v1/admin/catalogue`, scope `admin:clients`, problem details), https links only, and
the demo seed's services at the demo administrations, idempotently."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from servicekonto.catalogue import service as catalogue
from servicekonto.cli import app
from servicekonto.clock import FixedClock
from servicekonto.db.models import AuditEvent, CatalogueService
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from servicekonto.sim.demo_seed import ADMINISTRATIONS, KREIS_SERVICES, VG_SERVICES, seed
from tests.companies.factories import seed_region
from tests.support import FAST_ARGON2, FAST_HASHING, make_client

Cli = Callable[..., Result]
DOG = ["--administration", "vg-cochem", "--name", "Hundeanmeldung",
       "--url", "https://vg-cochem.services.example/hund", "--min-level", "substantial"]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, sessions: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    for name in list(os.environ):
        if name.startswith("SERVICEKONTO_"):
            monkeypatch.delenv(name)
    for name, value in {
        "SERVICEKONTO_DEV_MODE": "1",
        "SERVICEKONTO_DATA_DIR": str(tmp_path),
        "SERVICEKONTO_DATABASE_URL": database_url,
        "SERVICEKONTO_ARGON2_MEMORY_KIB": str(FAST_ARGON2["argon2_memory_kib"]),
        "SERVICEKONTO_ARGON2_TIME_COST": str(FAST_ARGON2["argon2_time_cost"]),
    }.items():
        monkeypatch.setenv(name, value)
    seed_region(sessions)
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))


def _json(result: Result) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_cli_adds_lists_updates_and_removes_a_service(
    cli: Cli, sessions: sessionmaker[Session]
) -> None:
    added = _json(cli("catalogue", "add", *DOG, "--leika", "99000000000000", "--json"))
    assert (added["name"], added["administration"], added["leika"]) == (
        "Hundeanmeldung", "vg-cochem", "99000000000000")

    again = _json(cli("catalogue", "add", *DOG[:-2], "--min-level", "low", "--json"))
    assert again["id"] == added["id"] and again["min_level"] == "low"  # updated, not doubled

    listed = _json(cli("catalogue", "list", "--administration", "vg-cochem", "--json"))
    assert [s["id"] for s in listed] == [added["id"]]
    assert _json(cli("catalogue", "list", "--administration", "vg-zell", "--json")) == []

    removed = cli("catalogue", "remove", added["id"])
    assert removed.exit_code == 0
    assert _json(cli("catalogue", "list", "--json")) == []
    with sessions() as db:
        events = list(db.scalars(select(AuditEvent.event).where(
            AuditEvent.event.startswith("catalogue."))))
    assert events == ["catalogue.service_added"] * 2 + ["catalogue.service_removed"]


@pytest.mark.parametrize(("args", "says"), [
    (["--url", "http://vg-cochem.services.example/hund"], "https"),
    (["--leika", "12345"], "14 digits"),
    (["--administration", "vg-nirgendwo"], "no administration 'vg-nirgendwo'"),
])
def test_cli_refuses_bad_input_with_one_line_and_exit_code_2(
    cli: Cli, sessions: sessionmaker[Session], args: list[str], says: str
) -> None:
    options = dict(zip(DOG[::2], DOG[1::2], strict=True)) | dict(
        zip(args[::2], args[1::2], strict=True))
    result = cli("catalogue", "add", *[x for pair in options.items() for x in pair])
    assert result.exit_code == 2
    assert says in result.stderr and "nothing was changed" in result.stderr
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(CatalogueService)) == 0


def _admin_token(app_client: TestClient, provider: Provider) -> str:
    admin = make_client(provider, grant_types=["client_credentials"],
                        scopes=["admin:clients"], redirect_uris=[])
    response = app_client.post("/token", data={"grant_type": "client_credentials",
                                               "scope": "admin:clients"},
                               auth=(admin.client_id, admin.client_secret or ""))
    return str(response.json()["access_token"])


def test_admin_api_adds_lists_reads_and_removes(app_client: TestClient, provider: Provider
                                                ) -> None:
    seed_region(provider.sessions)
    headers = {"Authorization": f"Bearer {_admin_token(app_client, provider)}"}
    body = {"administration": "kv-cochem-zell", "name": "Sperrmüll und Elektrogroßgeräte",
            "url": "https://kv.services.example/sperrmuell", "min_level": "low"}

    created = app_client.post("/api/v1/admin/catalogue", json=body, headers=headers)
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    assert created.json()["administration_kind"] == "kreis"
    assert [s["id"] for s in app_client.get("/api/v1/admin/catalogue",
                                             headers=headers).json()] == [service_id]
    assert app_client.get(f"/api/v1/admin/catalogue/{service_id}",
                          headers=headers).json()["name"] == body["name"]

    assert app_client.delete(f"/api/v1/admin/catalogue/{service_id}",
                             headers=headers).status_code == 204
    missing = app_client.get(f"/api/v1/admin/catalogue/{service_id}", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_admin_api_refuses_without_the_scope_and_bad_links(
    app_client: TestClient, provider: Provider
) -> None:
    seed_region(provider.sessions)
    body = {"administration": "vg-zell", "name": "Plakatierung",
            "url": "javascript:alert(1)"}
    assert app_client.post("/api/v1/admin/catalogue", json=body).status_code == 401
    headers = {"Authorization": f"Bearer {_admin_token(app_client, provider)}"}
    refused = app_client.post("/api/v1/admin/catalogue", json=body, headers=headers)
    assert refused.status_code == 422
    assert app_client.post("/api/v1/admin/catalogue", headers=headers, json={
        **body, "url": "https://vg-zell.services.example/plakat", "extra": 1,
    }).status_code == 422


def test_the_demo_seeds_the_services_of_the_seeds_once(
    sessions: sessionmaker[Session], settings: Settings, clock: FixedClock
) -> None:
    # the demo clients' addresses follow the issuer: a loopback one, as `make run` has
    settings = settings.model_copy(update={"issuer": "http://127.0.0.1:8000"})
    for _ in range(2):
        with sessions() as db:
            result = seed(db, settings=settings, hashing=FAST_HASHING, now=clock.now())
            db.commit()
    verbandsgemeinden = sum(1 for a in ADMINISTRATIONS if a[2] == "verbandsgemeinde")
    expected = verbandsgemeinden * len(VG_SERVICES) + len(KREIS_SERVICES)
    assert result["catalogue"] == expected
    with sessions() as db:
        services = catalogue.list_services(db)
        assert len(services) == expected
        names = {s.name for s in services}
        assert {"Hundeanmeldung", "Hundeabmeldung", "Plakatierung",
                "Eigentümerwechsel Grundstück", "Sperrmüll und Elektrogroßgeräte",
                "Melderegisterauskunft", "Gewerbeanmeldung"} == names
        assert {s.administration for s in services if s.name.startswith("Sperrmüll")} == {
            "kv-cochem-zell"}
        assert all(s.url.startswith("https://") for s in services)
