"""The HTTP adapter against the real register API (uvicorn in a thread) and against stubs that
hang, fail, trickle or answer garbage: always an answer or `RegisterUnavailable`, within 5 s."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import uvicorn

from servicekonto.register.http_adapter import HttpRegister, RegisterTimeouts
from servicekonto.register.model import MatchResult, PersonQuery
from servicekonto.register.port import CivilRegister, RegisterUnavailable
from servicekonto.sim.register_app import BODY_LIMIT, create_register_mock_app
from servicekonto.sim.register_data import TEST_PERSONS
from servicekonto.sim.register_mock import InMemoryRegister

ANNA, JUERGEN, MARIE_LUISE = TEST_PERSONS[0], TEST_PERSONS[1], TEST_PERSONS[2]
#: Timing bounds hold on two cores busy with other test runs: each timer under test is short,
#: the one that must not trip is long, and the bound between them leaves a wide margin (a factor
#: of ten or more) on both sides.
#: A deadline no failing call should come near: fail-closed answers come long before half of it.
PATIENT = RegisterTimeouts(total=30.0)
FAST = PATIENT.total / 2


def anna(**typed: str) -> PersonQuery:
    fields = {
        "given_names": "Anna",
        "family_name": "Schmitz",
        "street": "Moselpromenade",
        "house_number": "12",
        "postal_code": "56812",
        "locality": "Cochem",
    } | typed
    return PersonQuery(birth_date=date(1984, 3, 12), **fields)


@pytest.fixture(scope="module")
def register_url() -> Iterator[str]:
    """The register JSON API over the test persons, served by uvicorn on a free port."""
    app = create_register_mock_app(InMemoryRegister(TEST_PERSONS))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", ws="none", server_header=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "register API did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def adapter(register_url: str) -> Iterator[HttpRegister]:
    register = HttpRegister(register_url)
    yield register
    register.close()


# -- round trips against the real API ----------------------------------------------------------


def test_the_adapter_implements_the_port(adapter: HttpRegister) -> None:
    assert isinstance(adapter, CivilRegister)
    assert RegisterTimeouts() == RegisterTimeouts(connect=2.0, read=3.0, write=2.0, pool=1.0,
                                                  total=5.0)


def test_match_round_trip_returns_the_register_record(adapter: HttpRegister) -> None:
    assert adapter.match(anna()) == MatchResult("match", ANNA)
    typed = PersonQuery("marie luise", "Schneider", MARIE_LUISE.birth_date, "Kirchstr.", "7 A",
                        "56759", "Kaisersesch")
    assert adapter.match(typed) == MatchResult("match", MARIE_LUISE)  # birth name kept


def test_no_match_round_trip(adapter: HttpRegister) -> None:
    assert adapter.match(anna(house_number="13")) == MatchResult("no_match")
    assert adapter.match(anna(given_names="Anne")) == MatchResult("no_match")


def test_ambiguous_round_trip(adapter: HttpRegister) -> None:
    twins = PersonQuery("Sophie", "Wagner", date(2001, 9, 14), "Weinbergstraße", "2", "56814",
                        "Bremm")
    assert adapter.match(twins) == MatchResult("ambiguous")


def test_concurrent_matches(adapter: HttpRegister) -> None:
    results: list[MatchResult] = []
    threads = [threading.Thread(target=lambda: results.append(adapter.match(anna())))
               for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [MatchResult("match", ANNA)] * 16


# -- the API itself ----------------------------------------------------------------------------


def _body(**overrides: object) -> dict[str, object]:
    return {
        "given_names": "Anna",
        "family_name": "Schmitz",
        "birth_date": "1984-03-12",
        "street": "Moselpromenade",
        "house_number": "12",
        "postal_code": "56812",
        "locality": "Cochem",
    } | overrides


def test_api_answers(register_url: str) -> None:
    with httpx.Client(base_url=register_url) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        hit = http.post("/v1/match", json=_body()).json()
        assert hit == {
            "outcome": "match",
            "record_id": ANNA.record_id,
            "address": {"street": "Moselpromenade", "house_number": "12", "postal_code": "56812",
                        "locality": "Cochem", "country": "DE"},
            "person": {"given_names": "Anna Maria", "family_name": "Schmitz", "birth_name": None,
                       "birth_date": "1984-03-12", "place_of_birth": "Cochem",
                       "nationality": "DE", "sex": "female"},
        }
        # nothing about any resident unless exactly one matched
        miss = http.post("/v1/match", json=_body(birth_date="1984-03-13"))
        assert (miss.status_code, miss.json()) == (200, {"outcome": "no_match"})
        twins = _body(given_names="Sophie", family_name="Wagner", birth_date="2001-09-14",
                      street="Weinbergstraße", house_number="2", postal_code="56814")
        assert http.post("/v1/match", json=twins).json() == {"outcome": "ambiguous"}


@pytest.mark.parametrize(
    "body",
    [
        _body(email="anna@example.org"),  # extra="forbid"
        _body(birth_date="12.03.1984"),
        _body(birth_date="1984-3-12"),
        _body(birth_date=448588800),
        _body(given_names=""),
        _body(family_name="x" * 201),
        {k: v for k, v in _body().items() if k != "postal_code"},
    ],
)
def test_api_refuses_invalid_input(register_url: str, body: dict[str, object]) -> None:
    assert httpx.post(f"{register_url}/v1/match", json=body).status_code == 422


def test_api_refuses_large_bodies(register_url: str) -> None:
    big = json.dumps(_body(locality="x" * BODY_LIMIT)).encode()
    answer = httpx.post(f"{register_url}/v1/match", content=big,
                        headers={"content-type": "application/json"})
    assert answer.status_code == 413

    def chunks() -> Iterator[bytes]:  # no content-length: counted while streaming
        yield big[:4000]
        yield big[4000:]

    streamed = httpx.post(f"{register_url}/v1/match", content=chunks(),
                          headers={"content-type": "application/json"})
    assert streamed.status_code == 413


# -- failing registers -------------------------------------------------------------------------


class _Stub(BaseHTTPRequestHandler):
    """Misbehaves according to the first path segment (the adapter appends /v1/match)."""

    protocol_version = "HTTP/1.1"
    stop: threading.Event

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        mode = self.path.split("/")[1]
        try:
            if mode == "hang":
                self.stop.wait(30)
                self.close_connection = True
            elif mode == "error":
                self._send(500, b'{"outcome": "match"}')
            elif mode == "unavailable":
                self._send(503, b"")
            elif mode == "garbage":
                self._send(200, b"<html>register maintenance</html>", "text/html")
            elif mode == "not-an-object":
                self._send(200, b'["match"]')
            elif mode == "unknown-outcome":
                self._send(200, b'{"outcome": "maybe"}')
            elif mode == "match-without-address":
                self._send(200, b'{"outcome": "match", "record_id": "x"}')
            elif mode == "bad-birth-date":
                body = {"outcome": "match", "record_id": "x", "address": {"street": "a",
                        "house_number": "1", "postal_code": "1", "locality": "a",
                        "country": "DE"}, "person": {"given_names": "a", "family_name": "b",
                        "birth_date": "12.03.1984", "place_of_birth": "c", "nationality": "DE",
                        "sex": "female"}}
                self._send(200, json.dumps(body).encode())
            elif mode == "huge":
                self._send(200, b'{"outcome": "no_match", "pad": "' + b"x" * 1_000_000 + b'"}')
            elif mode == "redirect":
                self.send_response(307)
                self.send_header("location", "http://127.0.0.1:9/v1/match")
                self.send_header("content-length", "0")
                self.end_headers()
            elif mode == "trickle":  # headers at once, then one byte every 0.5 s
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", "100")
                self.end_headers()
                for _ in range(100):
                    if self.stop.wait(0.5):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
                self.close_connection = True
        except OSError:  # the adapter gave up and closed the connection
            self.close_connection = True


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """The adapter hangs up on misbehaving stubs on purpose; no traceback for that."""


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    stop = threading.Event()
    handler = type("Stub", (_Stub,), {"stop": stop})
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop.set()
    server.shutdown()
    server.server_close()
    thread.join(10)


def _unavailable_within(register: HttpRegister, bound: float) -> float:
    started = time.monotonic()
    try:
        with pytest.raises(RegisterUnavailable) as raised:
            register.match(anna())
    finally:
        register.close()
    elapsed = time.monotonic() - started
    assert raised.value.status == 503
    assert raised.value.code == "register_unavailable"
    assert elapsed < bound, elapsed
    return elapsed


def test_a_hanging_register_times_out(stub_url: str) -> None:
    """The 0.5 s read timeout ends the call, not the 30 s deadline (the stub hangs 30 s)."""
    timeouts = RegisterTimeouts(read=0.5, total=30.0)
    elapsed = _unavailable_within(HttpRegister(f"{stub_url}/hang", timeouts=timeouts), FAST)
    assert elapsed >= 0.45  # the read timeout tripped, not an early failure


def test_a_trickling_register_hits_the_total_deadline(stub_url: str) -> None:
    """A byte every 0.5 s keeps every read within its 5 s timeout, and the 100 bytes would take
    50 s: only the 1 s deadline can stop it."""
    timeouts = RegisterTimeouts(read=5.0, total=1.0)
    elapsed = _unavailable_within(HttpRegister(f"{stub_url}/trickle", timeouts=timeouts), 10.0)
    assert elapsed >= 0.95


@pytest.mark.parametrize(
    "mode",
    [
        "error",
        "unavailable",
        "garbage",
        "not-an-object",
        "unknown-outcome",
        "match-without-address",
        "bad-birth-date",
        "huge",
        "redirect",
    ],
)
def test_a_failing_register_fails_closed(stub_url: str, mode: str) -> None:
    _unavailable_within(HttpRegister(f"{stub_url}/{mode}", timeouts=PATIENT), FAST)


def test_an_unreachable_register_fails_closed() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _unavailable_within(HttpRegister(f"http://127.0.0.1:{port}", timeouts=PATIENT), FAST)


def test_unexpected_errors_fail_closed_too() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug in a transport")

    register = HttpRegister(
        "http://register.invalid", timeouts=PATIENT, transport=httpx.MockTransport(explode)
    )
    _unavailable_within(register, FAST)


def test_nothing_of_the_query_is_logged(
    stub_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    for mode in ("error", "garbage", "unknown-outcome"):
        _unavailable_within(HttpRegister(f"{stub_url}/{mode}", timeouts=PATIENT), FAST)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "register" in logged
    for personal in ("Anna", "Schmitz", "Moselpromenade", "1984", "56812"):
        assert personal not in logged
