"""The AusweisApp simulator side of the mock: what the holder sees, PIN entry with three tries
per card (shared by all sessions, atomic under parallel guesses), cancelling."""

from __future__ import annotations

import hmac as real_hmac
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from servicekonto.clock import FixedClock
from servicekonto.eid.model import EidError, Operation, Requirement, ResultMinor
from servicekonto.sim import eid_server as mock_module
from servicekonto.sim.eid_cards import TEST_CARDS
from servicekonto.sim.eid_server import MAX_PIN_TRIES, MockEidServer, RequestedOperation
from tests.eid.conftest import (
    REFRESH,
    REGISTRATION,
    SERVICE_PROVIDER,
    SIMULATOR_BASE,
    open_session,
)

ERIKA_PIN = "123456"


def test_the_view_shows_who_asks_for_what(server: MockEidServer) -> None:
    _, ticket = open_session(server, service_provider="Kreisverwaltung Cochem-Zell")
    view = server.simulator_view(ticket)
    assert view is not None
    assert view.service_provider == "Kreisverwaltung Cochem-Zell"
    assert view.requested == tuple(
        RequestedOperation(op, required=req is Requirement.REQUIRED)
        for op, req in REGISTRATION.items()
        if req is not Requirement.PROHIBITED
    )
    assert [choice.card for choice in view.cards] == list(TEST_CARDS)
    assert {choice.tries_left for choice in view.cards} == {MAX_PIN_TRIES}


def test_unknown_tickets_have_no_view(server: MockEidServer) -> None:
    assert server.simulator_view("x" * 43) is None
    assert server.cancel("x" * 43) is None
    outcome = server.authenticate("x" * 43, "erika-mustermann", ERIKA_PIN, set())
    assert outcome.kind == "unknown_ticket" and outcome.refresh_address is None


def test_unknown_card_and_malformed_pin_cost_no_try(server: MockEidServer) -> None:
    opened, ticket = open_session(server)
    assert server.authenticate(ticket, "no-such-card", ERIKA_PIN, set()).kind == "unknown_card"
    for malformed in ("12345", "1234567", "12345a", "", "١٢٣٤٥٦"):
        outcome = server.authenticate(ticket, "erika-mustermann", malformed, set())
        assert outcome.kind == "malformed_pin", malformed
    assert server.tries_left("erika-mustermann") == MAX_PIN_TRIES
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.NO_RESULT_YET


def test_wrong_pin_counts_down_and_a_right_pin_restores_the_tries(
    server: MockEidServer,
) -> None:
    _, ticket = open_session(server)
    first = server.authenticate(ticket, "erika-mustermann", "000000", set())
    assert (first.kind, first.tries_left) == ("wrong_pin", 2)
    second = server.authenticate(ticket, "erika-mustermann", "000001", set())
    assert (second.kind, second.tries_left) == ("wrong_pin", 1)
    view = server.simulator_view(ticket)
    assert view is not None
    assert {c.card.card_id: c.tries_left for c in view.cards}["erika-mustermann"] == 1
    ok = server.authenticate(ticket, "erika-mustermann", ERIKA_PIN, set())
    assert (ok.kind, ok.refresh_address) == ("ok", REFRESH)
    assert server.tries_left("erika-mustermann") == MAX_PIN_TRIES


def test_three_wrong_pins_block_the_card_even_for_the_right_pin(
    server: MockEidServer,
) -> None:
    opened, ticket = open_session(server)
    kinds = [server.authenticate(ticket, "erika-mustermann", pin, set()).kind
             for pin in ("000000", "000001", "000002")]
    assert kinds == ["wrong_pin", "wrong_pin", "pin_blocked"]
    blocked = server.authenticate(ticket, "erika-mustermann", ERIKA_PIN, set())
    assert (blocked.kind, blocked.tries_left) == ("pin_blocked", 0)
    # per card, in every session: a new session does not help, another card does
    _, other_ticket = open_session(server)
    again = server.authenticate(other_ticket, "erika-mustermann", ERIKA_PIN, set())
    assert again.kind == "pin_blocked"
    assert server.authenticate(other_ticket, "anna-schmitz", "111111", set()).kind == "ok"
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.NO_RESULT_YET


def test_the_block_is_persisted_and_reset_pins_lifts_it(
    server: MockEidServer, state_path: Path, clock: FixedClock
) -> None:
    _, ticket = open_session(server)
    for pin in ("000000", "000001", "000002"):
        server.authenticate(ticket, "jonas-mueller", pin, set())
    restarted = MockEidServer(state_path, simulator_base_url=SIMULATOR_BASE,
                              service_provider=SERVICE_PROVIDER, clock=clock.now)
    assert restarted.tries_left("jonas-mueller") == 0
    assert restarted.authenticate(ticket, "jonas-mueller", "222222", set()).kind == "pin_blocked"
    restarted.reset_pins()
    assert server.tries_left("jonas-mueller") == MAX_PIN_TRIES
    assert server.authenticate(ticket, "jonas-mueller", "222222", set()).kind == "ok"


def test_parallel_wrong_pins_never_get_more_than_three_tries(
    server: MockEidServer, state_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """32 guesses at once from threads and two server objects (like two worker processes):
    the PIN is compared at most three times, then the card is blocked."""
    comparisons: list[bool] = []
    lock = threading.Lock()

    def counting_compare(a: bytes, b: bytes) -> bool:
        with lock:
            comparisons.append(True)
        return real_hmac.compare_digest(a, b)

    monkeypatch.setattr(mock_module, "hmac", SimpleNamespace(compare_digest=counting_compare))
    twin = MockEidServer(state_path, simulator_base_url=SIMULATOR_BASE,
                         service_provider=SERVICE_PROVIDER, clock=clock.now)
    _, ticket = open_session(server)
    guesses = 32
    barrier = threading.Barrier(guesses)
    kinds: list[str] = []

    def guess(i: int) -> None:
        target = server if i % 2 else twin
        barrier.wait()
        outcome = target.authenticate(ticket, "erika-mustermann", f"{i:06d}", set())
        with lock:
            kinds.append(outcome.kind)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(comparisons) == MAX_PIN_TRIES
    assert kinds.count("wrong_pin") == MAX_PIN_TRIES - 1
    assert kinds.count("pin_blocked") == guesses - (MAX_PIN_TRIES - 1)
    assert server.authenticate(ticket, "erika-mustermann", ERIKA_PIN, set()).kind == (
        "pin_blocked"
    )


def test_a_released_required_operation_list_is_ignored(server: MockEidServer) -> None:
    """`released` only selects among ALLOWED operations; unknown extras do not widen it."""
    opened, ticket = open_session(server, {Operation.GIVEN_NAMES: Requirement.REQUIRED})
    server.authenticate(ticket, "erika-mustermann", ERIKA_PIN, set(Operation))
    result = server.get_result(opened.session, 1)
    assert result.personal_data.family_names is None
    assert set(result.operations_allowed_by_user) == {Operation.GIVEN_NAMES}


def test_no_pin_or_personal_data_in_logs(server: MockEidServer,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    opened, ticket = open_session(server)
    server.authenticate(ticket, "erika-mustermann", "000000", set())
    server.authenticate(ticket, "erika-mustermann", ERIKA_PIN, set())
    server.get_result(opened.session, 1)
    logged = caplog.text
    for secret in ("000000", ERIKA_PIN, "ERIKA", "MUSTERMANN", "HEIDESTRASSE", opened.session,
                   ticket, "erika-mustermann"):
        assert secret not in logged


def test_an_unusable_service_provider_is_refused(server: MockEidServer) -> None:
    from servicekonto.eid.model import UseIdRequest

    for provider in ("", " padded ", "x" * 201, "line\nbreak"):
        with pytest.raises(EidError) as excinfo:
            server.use_id(UseIdRequest(REGISTRATION, refresh_address=REFRESH),
                          service_provider=provider)
        assert excinfo.value.minor == ResultMinor.MISSING_TERMINAL_RIGHTS
    with pytest.raises(ValueError):
        MockEidServer(Path("unused.sqlite3"), simulator_base_url=SIMULATOR_BASE,
                      service_provider="", clock=FixedClock().now)
