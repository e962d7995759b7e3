"""The eID-Interface of the mock (BSI TR-03130 §3): `useID` and `getResult` semantics, every
result minor the mock emits, and what the result holds (requested ∩ released ∩ on the chip)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from servicekonto.clock import FixedClock
from servicekonto.eid.model import (
    LOA_HIGH,
    LOA_NORMAL,
    DocumentValidity,
    EidError,
    EidResult,
    Operation,
    Permission,
    Requirement,
    ResultMinor,
    UseIdRequest,
)
from servicekonto.eid.port import EidServer
from servicekonto.sim.eid_cards import TEST_CARDS, card_by_id, restricted_id
from servicekonto.sim.eid_server import MockEidServer
from tests.eid.conftest import (
    OPTIONAL,
    REFRESH,
    REGISTRATION,
    SERVICE_PROVIDER,
    SIMULATOR_BASE,
    open_session,
)


def _minor(excinfo: pytest.ExceptionInfo[EidError]) -> str:
    return excinfo.value.minor


def _finish(server: MockEidServer, ticket: str, card_id: str = "erika-mustermann",
            released: set[Operation] | None = None) -> None:
    card = card_by_id(card_id)
    assert card is not None
    outcome = server.authenticate(ticket, card_id, card.pin,
                                  set(OPTIONAL) if released is None else released)
    assert outcome.finished and outcome.refresh_address == REFRESH, outcome


def _result(server: MockEidServer, session: str, counter: int = 1) -> EidResult:
    return server.get_result(session, counter)


# -- useID ---------------------------------------------------------------------------------


def test_the_mock_implements_the_port(server: MockEidServer) -> None:
    assert isinstance(server, EidServer)


def test_tr03130_3_2_use_id_answers_a_random_session_psk_and_a_separate_ticket(
    server: MockEidServer,
) -> None:
    first, ticket = open_session(server)
    second, _ = open_session(server)
    assert len(first.session) >= 32 and int(first.session, 16) >= 0
    assert first.session != second.session and first.psk != second.psk
    assert len(first.psk) >= 32
    assert first.client_url == f"{SIMULATOR_BASE}/simulator/{ticket}"
    assert first.session not in first.client_url
    assert len(ticket) >= 22  # >= 128 bit in URL-safe base64


def test_tr03130_3_4_1_use_id_without_operations_is_missing_argument(
    server: MockEidServer,
) -> None:
    for operations in ({}, {Operation.GIVEN_NAMES: Requirement.PROHIBITED}):
        with pytest.raises(EidError) as excinfo:
            server.use_id(UseIdRequest(operations=operations, refresh_address=REFRESH))
        assert _minor(excinfo) == ResultMinor.MISSING_ARGUMENT


def test_tr03130_3_4_1_use_id_without_refresh_address_is_missing_argument(
    server: MockEidServer,
) -> None:
    with pytest.raises(EidError) as excinfo:
        server.use_id(UseIdRequest(operations=REGISTRATION))
    assert _minor(excinfo) == ResultMinor.MISSING_ARGUMENT


@pytest.mark.parametrize(
    "request_",
    [
        UseIdRequest(operations=REGISTRATION, refresh_address="javascript:alert(1)"),
        UseIdRequest(operations=REGISTRATION, refresh_address="/relative/path"),
        UseIdRequest(operations=REGISTRATION, refresh_address="https://a.example/x y"),
        UseIdRequest(operations=REGISTRATION, refresh_address=REFRESH,
                     level_of_assurance="http://bsi.bund.de/eID/LoA/ultra"),
        UseIdRequest(operations={"Shoesize": "REQUIRED"},  # type: ignore[dict-item]
                     refresh_address=REFRESH),
    ],
)
def test_tr03130_3_4_1_malformed_use_id_is_schema_violation(
    server: MockEidServer, request_: UseIdRequest
) -> None:
    with pytest.raises(EidError) as excinfo:
        server.use_id(request_)
    assert _minor(excinfo) == ResultMinor.SCHEMA_VIOLATION


def test_tr03130_3_4_1_too_many_open_sessions(state_path: Path, clock: FixedClock) -> None:
    small = MockEidServer(state_path, simulator_base_url=SIMULATOR_BASE,
                          service_provider=SERVICE_PROVIDER, clock=clock.now,
                          max_open_sessions=2, session_ttl=timedelta(minutes=10))
    open_session(small)
    open_session(small)
    with pytest.raises(EidError) as excinfo:
        open_session(small)
    assert _minor(excinfo) == ResultMinor.TOO_MANY_OPEN_SESSIONS
    clock.advance(minutes=11)  # expired sessions no longer count
    open_session(small)


def test_tr03130_3_4_1_too_many_open_sessions_holds_under_concurrency(
    state_path: Path, clock: FixedClock
) -> None:
    limit = 5
    small = MockEidServer(state_path, simulator_base_url=SIMULATOR_BASE,
                          service_provider=SERVICE_PROVIDER, clock=clock.now,
                          max_open_sessions=limit)
    refused: list[str] = []
    barrier = threading.Barrier(12)

    def attempt() -> None:
        barrier.wait()
        try:
            open_session(small)
        except EidError as exc:
            refused.append(exc.minor)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert refused == [ResultMinor.TOO_MANY_OPEN_SESSIONS] * (12 - limit)


# -- getResult: the counter ----------------------------------------------------------------


def test_tr03130_3_4_get_result_counter_must_start_at_one(server: MockEidServer) -> None:
    opened, _ = open_session(server)
    for wrong in (0, 2, -1):
        with pytest.raises(EidError) as excinfo:
            server.get_result(opened.session, wrong)
        assert _minor(excinfo) == ResultMinor.INVALID_COUNTER
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert _minor(excinfo) == ResultMinor.NO_RESULT_YET


def test_tr03130_3_4_get_result_counter_must_increase_by_one(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    for counter in (1, 2, 3):
        with pytest.raises(EidError) as excinfo:
            server.get_result(opened.session, counter)
        assert _minor(excinfo) == ResultMinor.NO_RESULT_YET
    for wrong in (3, 5, 2):  # repeated, skipped, going back
        with pytest.raises(EidError) as excinfo:
            server.get_result(opened.session, wrong)
        assert _minor(excinfo) == ResultMinor.INVALID_COUNTER
    _finish(server, ticket)
    assert _result(server, opened.session, 4).document_validity is DocumentValidity.VALID


def test_tr03130_3_4_get_result_counter_cannot_be_used_twice_concurrently(
    server: MockEidServer, state_path: Path, clock: FixedClock
) -> None:
    """Two pollers (threads, two server objects like two worker processes) with the same
    counter: exactly one is counted."""
    twin = MockEidServer(state_path, simulator_base_url=SIMULATOR_BASE,
                         service_provider=SERVICE_PROVIDER, clock=clock.now)
    opened, _ = open_session(server)
    minors: list[str] = []
    barrier = threading.Barrier(8)

    def poll(target: MockEidServer) -> None:
        barrier.wait()
        try:
            target.get_result(opened.session, 1)
        except EidError as exc:
            minors.append(exc.minor)

    threads = [threading.Thread(target=poll, args=(server if i % 2 else twin,))
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(minors) == sorted([ResultMinor.NO_RESULT_YET] + [ResultMinor.INVALID_COUNTER] * 7)


# -- getResult: session life ---------------------------------------------------------------


def test_tr03130_3_4_1_unknown_session_is_invalid_session(server: MockEidServer) -> None:
    with pytest.raises(EidError) as excinfo:
        server.get_result("ab" * 32, 1)
    assert _minor(excinfo) == ResultMinor.INVALID_SESSION


def test_tr03130_3_4_1_expired_session_is_invalid_session(
    server: MockEidServer, clock: FixedClock
) -> None:
    opened, ticket = open_session(server)
    clock.advance(minutes=9, seconds=59)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert _minor(excinfo) == ResultMinor.NO_RESULT_YET
    clock.advance(seconds=1)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 2)
    assert _minor(excinfo) == ResultMinor.INVALID_SESSION
    assert server.simulator_view(ticket) is None  # the ticket expired with it
    assert server.authenticate(ticket, "erika-mustermann", "123456", set()).kind == (
        "unknown_ticket"
    )


def test_tr03130_3_4_no_result_yet_until_the_holder_finishes(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert _minor(excinfo) == ResultMinor.NO_RESULT_YET
    assert server.authenticate(ticket, "erika-mustermann", "000000", set()).kind == "wrong_pin"
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 2)
    assert _minor(excinfo) == ResultMinor.NO_RESULT_YET
    _finish(server, ticket)
    assert _result(server, opened.session, 3).personal_data.given_names == "ERIKA"


def test_tr03130_3_4_result_is_delivered_once_then_invalid_session(
    server: MockEidServer,
) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket)
    _result(server, opened.session, 1)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 2)
    assert _minor(excinfo) == ResultMinor.INVALID_SESSION
    assert server.simulator_view(ticket) is None


def test_tr03130_3_4_a_session_belongs_to_its_service_provider(server: MockEidServer) -> None:
    opened, ticket = open_session(server, service_provider="https://other.example")
    _finish(server, ticket)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)  # as the configured service provider
    assert _minor(excinfo) == ResultMinor.INVALID_SESSION
    result = server.get_result(opened.session, 1, service_provider="https://other.example")
    card = card_by_id("erika-mustermann")
    assert card is not None
    assert result.personal_data.restricted_id == restricted_id(card, "https://other.example")


def test_the_state_survives_a_restart(server: MockEidServer, state_path: Path,
                                      clock: FixedClock) -> None:
    opened, ticket = open_session(server)
    restarted = MockEidServer(state_path, simulator_base_url=SIMULATOR_BASE,
                              service_provider=SERVICE_PROVIDER, clock=clock.now)
    assert restarted.simulator_view(ticket) is not None
    _finish(restarted, ticket)
    assert _result(restarted, opened.session).personal_data.family_names == "MUSTERMANN"


# -- getResult: failures -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card_id", "minor"),
    [
        ("lena-mustermann-gesperrt", ResultMinor.DENIED_DOCUMENT),
        ("max-mustermann-abgelaufen", ResultMinor.INVALID_DOCUMENT),
    ],
)
def test_tr03130_3_4_1_refused_documents_end_the_session_after_pin_entry(
    server: MockEidServer, card_id: str, minor: str
) -> None:
    opened, ticket = open_session(server)
    card = card_by_id(card_id)
    assert card is not None
    assert server.authenticate(ticket, card_id, "000000", set()).kind == "wrong_pin"
    outcome = server.authenticate(ticket, card_id, card.pin, set(OPTIONAL))
    assert (outcome.kind, outcome.refresh_address, outcome.minor) == ("rejected", REFRESH, minor)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert _minor(excinfo) == minor
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 2)
    assert _minor(excinfo) == ResultMinor.INVALID_SESSION


def test_tr03112_cancellation_by_user(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    assert server.cancel(ticket) == REFRESH
    assert server.cancel(ticket) is None  # finished: the ticket is spent
    assert server.authenticate(ticket, "erika-mustermann", "123456", set()).kind == (
        "unknown_ticket"
    )
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert _minor(excinfo) == ResultMinor.CANCELLATION_BY_USER
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 2)
    assert _minor(excinfo) == ResultMinor.INVALID_SESSION


def test_a_finished_ticket_cannot_be_answered_twice(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket, "erika-mustermann")
    assert server.authenticate(ticket, "anna-schmitz", "111111", set()).kind == "unknown_ticket"
    assert _result(server, opened.session).personal_data.given_names == "ERIKA"


# -- getResult: what the result holds ------------------------------------------------------


def test_tr03130_3_4_result_holds_requested_and_released_data(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket, "marie-luise-schneider-hoffmann")
    result = _result(server, opened.session)
    data = result.personal_data
    card = card_by_id("marie-luise-schneider-hoffmann")
    assert card is not None
    assert (data.given_names, data.family_names, data.birth_name) == (
        "Marie-Luise", "Schneider-Hoffmann", "Schneider")
    assert data.place_of_residence == card.personal_data.place_of_residence
    assert data.date_of_expiry is None and data.academic_title is None  # not requested
    assert data.restricted_id == restricted_id(card, SERVICE_PROVIDER)
    assert result.document_validity is DocumentValidity.VALID
    assert result.level_of_assurance == LOA_HIGH
    assert result.eid_type == "CardCertified"
    assert result.operations_allowed_by_user == {
        op: Permission.PROHIBITED if req is Requirement.PROHIBITED else Permission.ALLOWED
        for op, req in REGISTRATION.items()
    }


def test_tr03130_3_4_deselected_optional_data_is_prohibited_and_absent(
    server: MockEidServer,
) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket, released={Operation.PLACE_OF_BIRTH})
    result = _result(server, opened.session)
    permissions = result.operations_allowed_by_user
    assert permissions[Operation.PLACE_OF_BIRTH] is Permission.ALLOWED
    for op in OPTIONAL - {Operation.PLACE_OF_BIRTH}:
        assert permissions[op] is Permission.PROHIBITED, op
    data = result.personal_data
    assert data.place_of_birth == "BERLIN"
    assert data.place_of_residence is None and data.birth_name is None
    assert data.nationality is None and data.document_type is None


def test_tr03130_3_4_required_data_cannot_be_deselected(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket, released=set())
    result = _result(server, opened.session)
    for op, req in REGISTRATION.items():
        if req is Requirement.REQUIRED:
            assert result.operations_allowed_by_user[op] is Permission.ALLOWED
    assert result.personal_data.given_names == "ERIKA"
    assert result.personal_data.restricted_id is not None


def test_tr03130_3_4_prohibited_operations_are_never_released(server: MockEidServer) -> None:
    opened, ticket = open_session(server, {
        Operation.GIVEN_NAMES: Requirement.REQUIRED,
        Operation.FAMILY_NAMES: Requirement.PROHIBITED,
    })
    _finish(server, ticket, released={Operation.FAMILY_NAMES})
    result = _result(server, opened.session)
    assert result.personal_data.family_names is None
    assert result.operations_allowed_by_user == {
        Operation.GIVEN_NAMES: Permission.ALLOWED,
        Operation.FAMILY_NAMES: Permission.PROHIBITED,
    }


def test_tr03130_3_4_address_not_on_chip_is_notonchip(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket, "hans-mustermann-ohne-anschrift")
    result = _result(server, opened.session)
    assert result.operations_allowed_by_user[Operation.PLACE_OF_RESIDENCE] is Permission.NOTONCHIP
    assert result.personal_data.place_of_residence is None
    assert result.personal_data.given_names == "HANS"


def test_tr03130_3_4_eu_card_has_no_birth_name_on_chip(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    _finish(server, ticket, "camille-dubois-ub")
    result = _result(server, opened.session)
    assert result.operations_allowed_by_user[Operation.BIRTH_NAME] is Permission.NOTONCHIP
    assert result.personal_data.birth_name is None
    assert result.personal_data.nationality == "FRA"
    assert result.personal_data.document_type == "UB"


def test_tr03130_3_4_restricted_id_per_card_and_service_provider(
    server: MockEidServer,
) -> None:
    def pseudonym(card_id: str, provider: str) -> str | None:
        opened, ticket = open_session(server, service_provider=provider)
        _finish(server, ticket, card_id)
        return server.get_result(opened.session, 1, service_provider=provider).personal_data \
            .restricted_id

    a1 = pseudonym("anna-schmitz", "https://a.example")
    assert a1 is not None and len(a1) == 64
    assert a1 == pseudonym("anna-schmitz", "https://a.example")  # stable
    assert a1 != pseudonym("anna-schmitz", "https://b.example")  # per service provider
    assert a1 != pseudonym("anna-schmitz-neu", "https://a.example")  # per card


def test_tr03130_3_3_12_every_card_meets_every_level_of_assurance(
    server: MockEidServer,
) -> None:
    for loa in (LOA_NORMAL, LOA_HIGH):
        opened = server.use_id(UseIdRequest(operations=REGISTRATION, refresh_address=REFRESH,
                                            level_of_assurance=loa))
        _finish(server, opened.client_url.rsplit("/", 1)[1])
        assert server.get_result(opened.session, 1).level_of_assurance == LOA_HIGH


def test_every_valid_card_answers_a_full_request(server: MockEidServer) -> None:
    everything = dict.fromkeys(Operation, Requirement.REQUIRED)
    for card in TEST_CARDS:
        if card.validity is not DocumentValidity.VALID:
            continue
        opened, ticket = open_session(server, everything)
        _finish(server, ticket, card.card_id)
        result = _result(server, opened.session)
        for op in Operation:
            expected = Permission.NOTONCHIP if op in card.not_on_chip else Permission.ALLOWED
            assert result.operations_allowed_by_user[op] is expected, (card.card_id, op)
        assert result.personal_data.date_of_birth == card.personal_data.date_of_birth
