"""`HttpEidServer` against the real eID mock app (uvicorn on a free port) and against answers
that are not the documented ones: always a result, an `EidError` or `EidUnavailable`."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from servicekonto.clock import FixedClock
from servicekonto.eid.http_adapter import EidTimeouts, HttpEidServer
from servicekonto.eid.model import (
    EidError,
    EidUnavailable,
    Operation,
    Permission,
    Requirement,
    ResultMinor,
    UseIdRequest,
)
from servicekonto.eid.port import EidServer
from servicekonto.sim.eid_app import create_eid_mock_app
from servicekonto.sim.eid_cards import card_by_id, restricted_id
from servicekonto.sim.eid_server import MockEidServer, build_result
from tests.eid.conftest import OPTIONAL, REFRESH, REGISTRATION, SECRET_KEY

PROVIDER = "Kreisverwaltung Cochem-Zell (Müller-Test)"
OK = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok"


@pytest.fixture(scope="module")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, MockEidServer]]:
    """The eID mock app on a real uvicorn server in a thread; yields (base URL, its mock)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    mock = MockEidServer(
        Path(tmp_path_factory.mktemp("eid")) / "eid-mock.sqlite3",
        simulator_base_url=base,
        service_provider="ServiceKonto",
        clock=FixedClock().now,
        refresh_prefixes=[REFRESH.rsplit("/", 1)[0]],
    )
    config = uvicorn.Config(create_eid_mock_app(mock, secret_key=SECRET_KEY), log_config=None,
                            access_log=False, lifespan="off", ws="none", server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "eID mock did not start"
        time.sleep(0.02)
    yield base, mock
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def adapter(mock_server: tuple[str, MockEidServer]) -> Iterator[HttpEidServer]:
    eid = HttpEidServer(mock_server[0], service_provider=PROVIDER)
    yield eid
    eid.close()


def _browser_authenticates(client_url: str, card_id: str, pin: str,
                           released: list[str] | None = None) -> httpx.Response:
    """What the browser does on the simulator page: load the form, post it."""
    with httpx.Client() as browser:
        page = browser.get(client_url)
        assert page.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        form: dict[str, Any] = {"csrf_token": token.group(1), "action": "authenticate",
                                "card": card_id, "pin": pin}
        if released is not None:
            form["release"] = released
        return browser.post(client_url, data=form)


def _request() -> UseIdRequest:
    return UseIdRequest(operations=REGISTRATION, refresh_address=REFRESH)


def test_the_adapter_implements_the_port(adapter: HttpEidServer) -> None:
    assert isinstance(adapter, EidServer)
    assert EidTimeouts() == EidTimeouts(connect=2.0, read=3.0, write=2.0, pool=1.0, total=5.0)


def test_tr03130_3_round_trip_over_http(
    adapter: HttpEidServer, mock_server: tuple[str, MockEidServer]
) -> None:
    opened = adapter.use_id(_request())
    assert len(opened.session) == 64 and opened.session not in opened.client_url
    assert opened.client_url.startswith(f"{mock_server[0]}/simulator/")
    with pytest.raises(EidError) as excinfo:
        adapter.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.NO_RESULT_YET
    done = _browser_authenticates(opened.client_url, "marie-luise-schneider-hoffmann",
                                  "444444", [op.value for op in OPTIONAL])
    assert done.status_code == 303 and done.headers["location"] == REFRESH
    result = adapter.get_result(opened.session, 2)
    card = card_by_id("marie-luise-schneider-hoffmann")
    assert card is not None
    assert result == build_result(card, REGISTRATION, frozenset(REGISTRATION), PROVIDER)
    assert result.personal_data.restricted_id == restricted_id(card, PROVIDER)
    with pytest.raises(EidError) as excinfo:
        adapter.get_result(opened.session, 3)
    assert excinfo.value.minor == ResultMinor.INVALID_SESSION


def test_tr03130_3_4_1_error_minors_over_http(adapter: HttpEidServer) -> None:
    opened = adapter.use_id(_request())
    with pytest.raises(EidError) as excinfo:
        adapter.get_result(opened.session, 2)
    assert excinfo.value.minor == ResultMinor.INVALID_COUNTER
    with pytest.raises(EidError) as excinfo:
        adapter.use_id(UseIdRequest(operations={}, refresh_address=REFRESH))
    assert excinfo.value.minor == ResultMinor.MISSING_ARGUMENT
    with httpx.Client() as browser:
        page = browser.get(opened.client_url)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        browser.post(opened.client_url, data={"csrf_token": token.group(1), "action": "cancel"})
    with pytest.raises(EidError) as excinfo:
        adapter.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.CANCELLATION_BY_USER


def test_expired_card_over_http(adapter: HttpEidServer) -> None:
    opened = adapter.use_id(_request())
    done = _browser_authenticates(opened.client_url, "max-mustermann-abgelaufen", "666666")
    assert done.status_code == 303
    with pytest.raises(EidError) as excinfo:
        adapter.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.INVALID_DOCUMENT


def test_the_service_provider_header_keys_the_session(
    adapter: HttpEidServer, mock_server: tuple[str, MockEidServer]
) -> None:
    opened = adapter.use_id(_request())
    other = HttpEidServer(mock_server[0], service_provider="Someone else")
    try:
        with pytest.raises(EidError) as excinfo:
            other.get_result(opened.session, 1)
        assert excinfo.value.minor == ResultMinor.INVALID_SESSION
    finally:
        other.close()


def test_concurrent_sessions_over_http(adapter: HttpEidServer) -> None:
    sessions: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        opened = adapter.use_id(_request())
        with lock:
            sessions.append(opened.session)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(set(sessions)) == 8


def test_nothing_listens_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    eid = HttpEidServer(f"http://127.0.0.1:{port}", service_provider=PROVIDER)
    with pytest.raises(EidUnavailable):
        eid.use_id(_request())
    eid.close()


# -- answers that are not the documented ones ----------------------------------------------

_SESSION = "ab" * 32
_GOOD_RESULT: dict[str, Any] = {
    "PersonalData": {"GivenNames": "ERIKA", "RestrictedID": {"ID": "0a" * 32}},
    "OperationsAllowedByUser": {"GivenNames": "ALLOWED", "RestrictedID": "ALLOWED",
                                "FamilyNames": "PROHIBITED"},
    "DocumentValidity": "valid",
    "LevelOfAssuranceResult": "http://bsi.bund.de/eID/LoA/hoch",
    "EIDTypeResponse": {"CardCertified": "USED"},
    "Result": {"ResultMajor": OK},
}


def _stub(answer: Callable[[httpx.Request], httpx.Response]) -> HttpEidServer:
    return HttpEidServer("http://eid.invalid", service_provider=PROVIDER,
                         transport=httpx.MockTransport(answer))


def _json(body: object, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: httpx.Response(status, json=body)


def _with(**changes: Any) -> dict[str, Any]:
    return _GOOD_RESULT | changes


def test_a_good_stub_answer_is_read() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_GOOD_RESULT)

    result = _stub(answer).get_result(_SESSION, 1)
    assert result.personal_data.given_names == "ERIKA"
    assert result.personal_data.restricted_id == "0a" * 32
    assert result.operations_allowed_by_user[Operation.FAMILY_NAMES] is Permission.PROHIBITED
    assert seen[0].url.path == "/eid/v1/getResult"
    assert seen[0].headers["x-service-provider"] == (
        "Kreisverwaltung%20Cochem-Zell%20%28M%C3%BCller-Test%29"
    )
    assert json.loads(seen[0].content) == {"Session": {"ID": _SESSION}, "RequestCounter": 1}


@pytest.mark.parametrize(
    "answer",
    [
        _json(_GOOD_RESULT, status=500),
        _json(_GOOD_RESULT, status=302),
        lambda _r: httpx.Response(200, content=b"<html>proxy error</html>"),
        lambda _r: httpx.Response(200, content=b"x" * (70 * 1024)),
        _json([1, 2, 3]),
        _json({"Result": {"ResultMajor": "urn:strange"}}),
        _json({"Result": {"ResultMajor": "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#error",
                          "ResultMinor": "urn:unknown"}}),
        _json({k: v for k, v in _GOOD_RESULT.items() if k != "Result"}),
        _json(_with(DocumentValidity="great")),
        _json(_with(LevelOfAssuranceResult="http://eidas.europa.eu/LoA/low")),
        _json(_with(EIDTypeResponse={"CardCertified": "USED", "HWKeyStore": "USED"})),
        _json(_with(OperationsAllowedByUser={"GivenNames": "MAYBE"})),
        # data for an operation the holder did not release
        _json(_with(PersonalData={"GivenNames": "ERIKA", "FamilyNames": "MUSTERMANN"})),
        _json(_with(PersonalData={"GivenNames": 7},
                    OperationsAllowedByUser={"GivenNames": "ALLOWED"})),
        _json(_with(PersonalData={"DateOfBirth": {"DateString": "19640812",
                                                  "DateValue": "1964-08-13"}},
                    OperationsAllowedByUser={"DateOfBirth": "ALLOWED"})),
        _json(_with(PersonalData={"RestrictedID": {"ID": "not hex"}},
                    OperationsAllowedByUser={"RestrictedID": "ALLOWED"})),
        _json(_with(PersonalData={"PlaceOfResidence": {"FreetextPlace": "somewhere"}},
                    OperationsAllowedByUser={"PlaceOfResidence": "ALLOWED"})),
    ],
)
def test_unusable_get_result_answers_are_unavailable(
    answer: Callable[[httpx.Request], httpx.Response],
) -> None:
    with pytest.raises(EidUnavailable):
        _stub(answer).get_result(_SESSION, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"Session": {"ID": "short"}, "PSK": {"Key": "ab" * 32},
         "eCardServerAddress": "https://eid.example/s/t", "Result": {"ResultMajor": OK}},
        {"Session": {"ID": _SESSION}, "PSK": {"Key": "ab" * 32},
         "eCardServerAddress": "javascript:alert(1)", "Result": {"ResultMajor": OK}},
        {"Session": {"ID": _SESSION}, "eCardServerAddress": "https://eid.example/s/t",
         "Result": {"ResultMajor": OK}},
    ],
)
def test_unusable_use_id_answers_are_unavailable(body: dict[str, Any]) -> None:
    with pytest.raises(EidUnavailable):
        _stub(_json(body)).use_id(_request())


def test_transport_errors_are_unavailable() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(EidUnavailable):
        _stub(timeout).get_result(_SESSION, 1)


class _Hanging(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    release = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.release.wait(10)


def test_a_hanging_server_is_unavailable_within_the_read_timeout() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    # The 0.3 s read timeout must end it: the deadline (20 s) and the stub's own hang (10 s) are
    # far off, so the bound (5 s) holds on busy cores and still fails when the read timeout does.
    eid = HttpEidServer(f"http://127.0.0.1:{httpd.server_address[1]}", service_provider=PROVIDER,
                        timeouts=EidTimeouts(read=0.3, total=20.0))
    started = time.monotonic()
    try:
        with pytest.raises(EidUnavailable):
            eid.get_result(_SESSION, 1)
        elapsed = time.monotonic() - started
        assert 0.25 <= elapsed < 5.0, elapsed
    finally:
        _Hanging.release.set()
        eid.close()
        httpd.shutdown()
        httpd.server_close()


def test_requirement_values_are_sent_as_tr_names() -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={
            "Session": {"ID": _SESSION}, "PSK": {"ID": _SESSION, "Key": "cd" * 32},
            "eCardServerAddress": "https://eid.example/simulator/t", "Result": {"ResultMajor": OK}})

    opened = _stub(answer).use_id(UseIdRequest(
        operations={Operation.GIVEN_NAMES: Requirement.REQUIRED}, refresh_address=REFRESH))
    assert (opened.session, opened.psk) == (_SESSION, "cd" * 32)
    assert seen == [{"UseOperations": {"GivenNames": "REQUIRED"},
                     "LevelOfAssuranceRequest": "http://bsi.bund.de/eID/LoA/hoch",
                     "RefreshAddress": REFRESH}]
