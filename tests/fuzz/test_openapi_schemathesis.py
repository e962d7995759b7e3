"""schemathesis against the committed openapi/openapi.json (DESIGN §11, checklist R-05).

Every operation of the JSON API is fuzzed in-process (the ASGI app, no sockets) with a bounded,
derandomized number of examples, positive and negative, with the credentials it needs. Each
response must not be a 5xx and must conform to the committed spec: a documented status code,
content type, headers and body schema. The spec is the one clients read, so the file is loaded,
not the app's live `/api/openapi.json` (tests/test_openapi.py keeps the two equal).

On top of the spec, every example of a protected operation draws which credential it sends:
the right bearer token, none (RFC 6750 §3: 401) or a valid token without the scope (403).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from servicekonto.app import create_app
from servicekonto.cli import upgrade_database
from servicekonto.clock import FixedClock
from servicekonto.db.models import OutboxMessage
from servicekonto.oidc.provider import Provider
from servicekonto.settings import Settings
from tests.conftest import FAST_ARGON2, drop_postgres, fresh_postgres_schema, require_postgres
from tests.support import PASSWORD, Browser, Rp, full_login, make_client

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "openapi.json"

#: Examples per operation in the fuzzing phase; the coverage phase adds its own boundary cases.
EXAMPLES_PER_OPERATION = 25
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
#: The scope each protected path prefix needs (api/admin_clients.py, letters.py, registration.py).
SCOPE_BY_PREFIX = {
    "/api/v1/admin/clients": "admin:clients",
    "/api/v1/letters": "letters:dispatch",
    "/api/v1/account/": "account",
}
#: A valid token of the wrong kind for each scope, to prove 403 rather than 401 or 2xx.
FOREIGN_SCOPE = {"admin:clients": "letters:dispatch", "letters:dispatch": "admin:clients",
                 "account": "admin:clients"}
#: Register test person 1 (README): a unique match, so registering queues a real PIN letter.
RESIDENT = {
    "email": "anna.schmitz@example.org",
    "password": PASSWORD,
    "given_name": "Anna Maria",
    "family_name": "Schmitz",
    "birth_date": "1984-03-12",
    "street": "Moselpromenade",
    "house_number": "12",
    "postal_code": "56812",
    "locality": "Cochem",
    "privacy_consent": True,
}

schema = schemathesis.openapi.from_path(SPEC)
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION)
schema.config.checks.update(included_check_names=CHECKS)


@dataclass
class ApiUnderTest:
    app: FastAPI
    #: Bearer tokens by scope; "account" is a person's token (authorization code flow).
    tokens: dict[str, str]
    #: Clients that examples may read and disable, and others they may delete (never the
    #: callers' own clients, whose tokens the other examples need).
    client_ids: list[str]
    deletable_ids: list[str]
    #: PIN letters queued by registering RESIDENT.
    letter_ids: list[str]


def _client_token(http: TestClient, provider: Provider, scope: str) -> str:
    client = make_client(provider, grant_types=["client_credentials"], scopes=[scope],
                         redirect_uris=[])
    response = http.post("/token", data={"grant_type": "client_credentials"},
                         auth=(client.client_id, client.client_secret or ""))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _person_token(http: TestClient, provider: Provider) -> str:
    """RESIDENT registers, confirms the e-mail and lets a self-service app use scope `account`."""
    assert http.post("/api/v1/registrations", json=RESIDENT).status_code == 202
    with provider.sessions() as db:
        mails = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail"))
        bodies = [m.payload["body"] for m in mails if m.payload.get("to") == RESIDENT["email"]]
    link = re.search(r"/register/confirm/(\S+)", bodies[0])
    assert link
    confirmed = http.post("/api/v1/registrations/confirmations", json={"token": link.group(1)})
    assert confirmed.status_code == 204, confirmed.text
    rp = Rp(http, make_client(provider, scopes=["openid", "account"]))
    params = full_login(Browser(http), rp, str(RESIDENT["email"]), scope="openid account")
    redeemed = rp.redeem(params["code"])
    assert redeemed.status_code == 200, redeemed.text
    return str(redeemed.json()["access_token"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Path]]:
    """(database URL, data directory): SQLite always, PostgreSQL when the CI server is set
    (like the `postgres` marker, for a module-scoped app). PostgreSQL refuses NUL in text, a
    5xx that SQLite never shows and that schemathesis generates readily."""
    directory = tmp_path_factory.mktemp(f"schemathesis-{request.param}")
    if request.param == "sqlite":
        shutil.copy(sqlite_template, directory / "servicekonto.sqlite3")
        yield f"sqlite:///{directory / 'servicekonto.sqlite3'}", directory
        return
    base = require_postgres()
    url = fresh_postgres_schema(base)
    upgrade_database(Settings(dev_mode=True, database_url=url, data_dir=directory))
    yield url, directory
    drop_postgres(url, base)


@pytest.fixture(scope="module")
def api(database: tuple[str, Path]) -> Iterator[ApiUnderTest]:
    """One app per database for the whole module: examples are independent requests, and one
    app start per example would cost more than the fuzzing."""
    database_url, directory = database
    settings = Settings(
        dev_mode=True,
        issuer="http://testserver",
        data_dir=directory,
        database_url=database_url,
        outbox_interval_seconds=0,
        # The clock never moves, so the per-IP limit would turn every registration example
        # after the 60th into the same 429 and fuzz nothing behind it.
        login_rate_per_minute=100_000,
        **FAST_ARGON2,
    )
    app = create_app(settings, clock=FixedClock())
    provider: Provider = app.state.provider
    with TestClient(app, base_url="http://testserver") as http:
        tokens = {scope: _client_token(http, provider, scope)
                  for scope in ("admin:clients", "letters:dispatch")}
        tokens["account"] = _person_token(http, provider)
        queued = http.get("/api/v1/letters",
                          headers={"Authorization": f"Bearer {tokens['letters:dispatch']}"})
        assert queued.status_code == 200, queued.text
        letter_ids = [letter["letter_id"] for letter in queued.json()]
        assert letter_ids, "registering a register resident queues a letter"
        clients = [make_client(provider).client_id for _ in range(6)]
        yield ApiUnderTest(app, tokens, clients[:3], clients[3:], letter_ids)
    with provider.sessions() as db:
        engine = db.get_bind()
    assert isinstance(engine, Engine)
    engine.dispose()  # before the PostgreSQL database is dropped


def _required_scope(path: str) -> str | None:
    return next((s for prefix, s in SCOPE_BY_PREFIX.items() if path.startswith(prefix)), None)


def _make_plausible(case: schemathesis.Case, api: ApiUnderTest, index: int) -> None:
    """Point the example at data that exists, and satisfy the rules the spec cannot express
    (a five-digit postal code, a plausible birth date, the password policy), so the handlers
    behind validation are fuzzed too, not only the 404 and 422 answers. The rest of the example
    stays generated."""
    if case.path_parameters and "client_id" in case.path_parameters:
        # DELETE gets its own clients, so the reads and PATCHes still find theirs afterwards.
        pool = api.deletable_ids if case.method == "DELETE" else api.client_ids
        case.path_parameters["client_id"] = pool[index % len(pool)]
    if not isinstance(case.body, dict):
        return
    if isinstance(case.body.get("letter_ids"), list):
        case.body["letter_ids"] = [api.letter_ids[index % len(api.letter_ids)]]
    if case.path == "/api/v1/registrations":
        case.body.update(email=f"fuzz-{index}@example.org", password=PASSWORD,
                         postal_code="56812", birth_date="1984-03-12", privacy_consent=True)


def _refused_before_auth(response: schemathesis.Response) -> bool:
    """FastAPI parses the body before it runs dependencies: an unparseable body is refused
    (400, or 422 "JSON decode error") before the bearer token is looked at; so is a control
    character anywhere in the request (the app-wide gate, web/input_guard.py)."""
    if response.status_code == 400:
        return True
    refusals = ("JSON decode error", "control characters are not allowed")
    return response.status_code == 422 and any(r in response.text for r in refusals)


@schema.given(
    credential=st.sampled_from(["own", "own", "own", "none", "foreign"]),
    plausible=st.booleans(),
    index=st.integers(min_value=0, max_value=10),
)
@schema.parametrize()
@hypothesis.settings(
    derandomize=True,  # the same examples on every run and machine: CI is reproducible
    database=None,
    deadline=None,  # two busy cores; slowness is not what this test looks for
    suppress_health_check=[HealthCheck.too_slow],
)
def test_r05_every_operation_answers_as_the_committed_spec_says(
    case: schemathesis.Case, api: ApiUnderTest, credential: str, plausible: bool, index: int
) -> None:
    scope = _required_scope(case.path)
    headers: dict[str, str] = {}
    if scope is not None and credential != "none":
        token_scope = scope if credential == "own" else FOREIGN_SCOPE[scope]
        headers["Authorization"] = f"Bearer {api.tokens[token_scope]}"
    if plausible:
        _make_plausible(case, api, index)

    response = case.call_and_validate(app=api.app, headers=headers)

    if scope is None or _refused_before_auth(response):
        return
    if credential == "none":
        assert response.status_code == 401, response.text
        [challenge] = response.headers["www-authenticate"]  # lower-case keys, list values
        assert challenge.lower().startswith("bearer")
    elif credential == "foreign":
        assert response.status_code == 403, response.text
    else:
        assert response.status_code not in (401, 403), response.text


#: The same spec, in schemathesis' coverage phase: deterministic boundary and negative cases
#: (missing and wrong-typed fields, limits ± 1, unexpected methods) with the right credential.
#: A second schema object, because drawing the credential (`given`) switches that phase off.
boundaries = schemathesis.openapi.from_path(SPEC)
boundaries.config.phases.update(phases=["coverage"])
boundaries.config.checks.update(included_check_names=CHECKS)


@boundaries.parametrize()
@hypothesis.settings(derandomize=True, database=None, deadline=None)
def test_r05_boundary_and_negative_cases_answer_as_the_committed_spec_says(
    case: schemathesis.Case, api: ApiUnderTest
) -> None:
    scope = _required_scope(case.path)
    headers = {"Authorization": f"Bearer {api.tokens[scope]}"} if scope else {}
    response = case.call_and_validate(app=api.app, headers=headers)
    if scope is not None and not _refused_before_auth(response):
        assert response.status_code not in (401, 403), response.text
