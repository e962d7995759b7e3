"""Fixtures of the eID tests: a mock eID-Server on a tmp state file with a fixed clock."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from servicekonto.clock import FixedClock
from servicekonto.eid.model import Operation, Requirement, UseIdRequest, UseIdResponse
from servicekonto.sim.eid_server import MockEidServer

SERVICE_PROVIDER = "https://servicekonto.example"
SIMULATOR_BASE = "https://servicekonto.example/mock/eid"
REFRESH = "https://servicekonto.example/eid/return/tx-1"
SECRET_KEY = "test-secret-key-for-the-eid-simulator-0123456789"

#: What ServiceKonto asks at an eID registration: the core data required, the rest optional.
REGISTRATION: dict[Operation, Requirement] = {
    Operation.GIVEN_NAMES: Requirement.REQUIRED,
    Operation.FAMILY_NAMES: Requirement.REQUIRED,
    Operation.DATE_OF_BIRTH: Requirement.REQUIRED,
    Operation.RESTRICTED_ID: Requirement.REQUIRED,
    Operation.BIRTH_NAME: Requirement.ALLOWED,
    Operation.PLACE_OF_BIRTH: Requirement.ALLOWED,
    Operation.PLACE_OF_RESIDENCE: Requirement.ALLOWED,
    Operation.NATIONALITY: Requirement.ALLOWED,
    Operation.DOCUMENT_TYPE: Requirement.ALLOWED,
    Operation.ARTISTIC_NAME: Requirement.PROHIBITED,
}
OPTIONAL = frozenset(op for op, req in REGISTRATION.items() if req is Requirement.ALLOWED)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "eid-mock.sqlite3"


@pytest.fixture
def server(state_path: Path, clock: FixedClock) -> MockEidServer:
    return MockEidServer(
        state_path,
        simulator_base_url=SIMULATOR_BASE,
        service_provider=SERVICE_PROVIDER,
        clock=clock.now,
    )


def ticket_of(opened: UseIdResponse) -> str:
    """The simulator ticket: the last path segment of the client URL."""
    return opened.client_url.rsplit("/", 1)[1]


def open_session(
    server: MockEidServer,
    operations: Mapping[Operation, Requirement] | None = None,
    *,
    service_provider: str | None = None,
) -> tuple[UseIdResponse, str]:
    opened = server.use_id(
        UseIdRequest(operations=operations or REGISTRATION, refresh_address=REFRESH),
        service_provider=service_provider,
    )
    return opened, ticket_of(opened)
