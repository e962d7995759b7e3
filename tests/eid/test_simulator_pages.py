"""The AusweisApp simulator pages and the JSON eID-Interface of `web/eid_mock_app.py`, through
FastAPI's TestClient: German, accessible, CSRF-protected pages; TR-03130 faults-in-body."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from servicekonto.eid.model import EidError, Operation, Permission, ResultMinor
from servicekonto.sim.eid_app import BODY_LIMIT, create_eid_mock_app
from servicekonto.sim.eid_server import MockEidServer
from tests.eid.conftest import OPTIONAL, REFRESH, SECRET_KEY, open_session

OK = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#ok"
ERROR = "http://www.bsi.bund.de/ecard/api/1.1/resultmajor#error"


@pytest.fixture
def client(server: MockEidServer) -> Iterator[TestClient]:
    with TestClient(create_eid_mock_app(server, secret_key=SECRET_KEY)) as test_client:
        yield test_client


class _Page(HTMLParser):
    """Collects what the accessibility checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.h1 += tag == "h1"

    def controls(self) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t in ("input", "select", "textarea")
                and a.get("type") != "hidden"]

    def label_targets(self) -> set[str | None]:
        return {a.get("for") for t, a in self.tags if t == "label"}

    def ids(self) -> set[str | None]:
        return {a.get("id") for _, a in self.tags}


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token in the form"
    return found.group(1)


def _path(ticket: str) -> str:
    return f"/simulator/{ticket}"


def _assert_accessible(html: str) -> _Page:
    assert '<html lang="de">' in html
    page = _parse(html)
    assert page.h1 == 1
    for control in page.controls():
        assert control.get("id") in page.label_targets(), control
    for _, attrs in page.tags:
        assert "style" not in attrs and not any(k.startswith("on") for k in attrs), attrs
        for ref in (attrs.get("aria-describedby") or "").split():
            assert ref in page.ids(), ref
    assert "<script" not in html and "<style" not in html
    return page


# -- the pages -----------------------------------------------------------------------------


def test_the_simulator_page_renders_accessibly(client: TestClient, server: MockEidServer) -> None:
    _, ticket = open_session(server, service_provider="Kreisverwaltung Cochem-Zell")
    answer = client.get(_path(ticket))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    page = _assert_accessible(answer.text)
    assert "Kreisverwaltung Cochem-Zell" in answer.text
    assert answer.text.count("(erforderlich)") == 4
    boxes = {a.get("value") for t, a in page.tags
             if t == "input" and a.get("name") == "release"}
    assert boxes == {op.value for op in OPTIONAL}
    assert ("select", {"id": "card", "name": "card", "required": None,
                       "aria-describedby": "card-hint"}) in page.tags
    pin = next(a for t, a in page.tags if t == "input" and a.get("name") == "pin")
    assert (pin["inputmode"], pin["autocomplete"]) == ("numeric", "off")
    assert "Erika Mustermann" in answer.text and "PIN 123456" in answer.text
    buttons = [(a.get("name"), a.get("value")) for t, a in page.tags if t == "button"]
    assert buttons == [("action", "authenticate"), ("action", "cancel")]
    assert ">Ausweisen<" in answer.text and ">Abbrechen<" in answer.text
    css = client.get("/simulator.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_unknown_tickets_get_a_german_404(client: TestClient) -> None:
    for ticket in ("A" * 43, "short", "bad%20chars" + "x" * 40):
        answer = client.get(_path(ticket))
        assert answer.status_code == 404
        assert "Anfrage nicht gefunden" in answer.text
        _assert_accessible(answer.text)
    posted = client.post(_path("A" * 43), data={"action": "cancel"})
    assert posted.status_code in (403, 404)


@pytest.mark.parametrize("token", [None, "", "forged-token", "x" * 43])
def test_csrf_token_is_required_and_nothing_changes(
    client: TestClient, server: MockEidServer, token: str | None
) -> None:
    opened, ticket = open_session(server)
    form = {"action": "authenticate", "card": "erika-mustermann", "pin": "000000"}
    if token is not None:
        form["csrf_token"] = token
    answer = client.post(_path(ticket), data=form, follow_redirects=False)
    assert answer.status_code == 403
    _assert_accessible(answer.text)
    cancel = {"action": "cancel"} | ({"csrf_token": token} if token is not None else {})
    assert client.post(_path(ticket), data=cancel, follow_redirects=False).status_code == 403
    assert server.tries_left("erika-mustermann") == 3
    assert server.simulator_view(ticket) is not None
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.NO_RESULT_YET


def test_a_token_for_another_ticket_is_refused(client: TestClient, server: MockEidServer) -> None:
    _, first = open_session(server)
    _, second = open_session(server)
    token = _csrf(client.get(_path(first)).text)
    answer = client.post(_path(second), data={"csrf_token": token, "action": "cancel"},
                         follow_redirects=False)
    assert answer.status_code == 403


def test_cancel_redirects_to_the_refresh_address_with_cancellation(
    client: TestClient, server: MockEidServer
) -> None:
    opened, ticket = open_session(server)
    token = _csrf(client.get(_path(ticket)).text)
    answer = client.post(_path(ticket), data={"csrf_token": token, "action": "cancel"},
                         follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, REFRESH)
    assert answer.headers["cache-control"] == "no-store"
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.CANCELLATION_BY_USER
    assert client.get(_path(ticket)).status_code == 404


def test_ausweisen_releases_the_ticked_data_and_redirects(
    client: TestClient, server: MockEidServer
) -> None:
    opened, ticket = open_session(server)
    token = _csrf(client.get(_path(ticket)).text)
    form = {"csrf_token": token, "action": "authenticate", "card": "anna-schmitz",
            "pin": "111111", "release": ["PlaceOfResidence"]}
    answer = client.post(_path(ticket), data=form, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, REFRESH)
    result = server.get_result(opened.session, 1)
    assert result.personal_data.given_names == "Anna Maria"
    assert result.personal_data.place_of_residence is not None
    assert result.operations_allowed_by_user[Operation.PLACE_OF_RESIDENCE] is Permission.ALLOWED
    assert result.operations_allowed_by_user[Operation.BIRTH_NAME] is Permission.PROHIBITED
    assert result.personal_data.birth_name is None


def test_wrong_pin_shows_the_form_again_with_the_tries_left(
    client: TestClient, server: MockEidServer
) -> None:
    _, ticket = open_session(server)
    token = _csrf(client.get(_path(ticket)).text)
    form = {"csrf_token": token, "action": "authenticate", "card": "erika-mustermann",
            "pin": "000000", "release": ["BirthName"]}
    answer = client.post(_path(ticket), data=form)
    assert answer.status_code == 400
    assert "PIN falsch – noch 2 Versuche" in answer.text
    page = _assert_accessible(answer.text)
    alert = next(a for t, a in page.tags if a.get("role") == "alert")
    pin = next(a for t, a in page.tags if t == "input" and a.get("name") == "pin")
    assert alert["id"] in (pin.get("aria-describedby") or "").split()
    assert pin.get("aria-invalid") == "true" and "value" not in pin  # the PIN is not echoed
    assert '<option value="erika-mustermann" selected>' in answer.text
    ticked = {a.get("value") for t, a in page.tags
              if a.get("name") == "release" and "checked" in a}
    assert ticked == {"BirthName"}
    assert "noch 1 Versuch" in client.post(_path(ticket), data=form | {"pin": "000001"}).text


def test_a_blocked_pin_is_explained(client: TestClient, server: MockEidServer) -> None:
    _, ticket = open_session(server)
    token = _csrf(client.get(_path(ticket)).text)
    form = {"csrf_token": token, "action": "authenticate", "card": "erika-mustermann"}
    for pin in ("000000", "000001", "000002"):
        client.post(_path(ticket), data=form | {"pin": pin})
    answer = client.post(_path(ticket), data=form | {"pin": "123456"})
    assert answer.status_code == 400
    assert "gesperrt" in answer.text and 'role="alert"' in answer.text
    _assert_accessible(answer.text)
    assert "PIN gesperrt" in client.get(_path(ticket)).text  # also in the card list


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"card": "", "pin": "123456"}, "Bitte wählen Sie einen Testausweis"),
        ({"card": "no-such-card", "pin": "123456"}, "Bitte wählen Sie einen Testausweis"),
        ({"card": "erika-mustermann", "pin": "12"}, "genau 6 Ziffern"),
        ({"card": "erika-mustermann", "pin": "123456", "release": "Shoesize"}, "ungültig"),
        ({"card": "erika-mustermann", "pin": "123456", "action": "explode"}, "ungültig"),
    ],
)
def test_invalid_form_input_is_a_400_with_a_linked_alert(
    client: TestClient, server: MockEidServer, form: dict[str, str], message: str
) -> None:
    _, ticket = open_session(server)
    token = _csrf(client.get(_path(ticket)).text)
    answer = client.post(_path(ticket),
                         data={"csrf_token": token, "action": "authenticate"} | form)
    assert answer.status_code == 400
    assert message in answer.text
    page = _assert_accessible(answer.text)
    alert = next(a for t, a in page.tags if a.get("role") == "alert")
    described = [a for t, a in page.tags
                 if alert["id"] in (a.get("aria-describedby") or "").split()]
    assert described, "the error is not linked to a field"
    assert server.tries_left("erika-mustermann") == 3


def test_a_revoked_card_finishes_with_denied_document(
    client: TestClient, server: MockEidServer
) -> None:
    opened, ticket = open_session(server)
    token = _csrf(client.get(_path(ticket)).text)
    answer = client.post(_path(ticket), data={
        "csrf_token": token, "action": "authenticate", "card": "lena-mustermann-gesperrt",
        "pin": "777777"}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, REFRESH)
    with pytest.raises(EidError) as excinfo:
        server.get_result(opened.session, 1)
    assert excinfo.value.minor == ResultMinor.DENIED_DOCUMENT


def test_the_app_works_mounted_under_a_prefix(server: MockEidServer) -> None:
    outer = FastAPI()
    outer.mount("/mock/eid", create_eid_mock_app(server, secret_key=SECRET_KEY))
    opened, ticket = open_session(server)
    with TestClient(outer) as http:
        page = http.get(f"/mock/eid/simulator/{ticket}")
        assert page.status_code == 200 and 'href="../simulator.css"' in page.text
        assert http.get("/mock/eid/simulator.css").status_code == 200
        assert http.get("/mock/eid/healthz").json() == {"status": "ok"}
        answer = http.post(f"/mock/eid/simulator/{ticket}", data={
            "csrf_token": _csrf(page.text), "action": "authenticate",
            "card": "erika-mustermann", "pin": "123456"}, follow_redirects=False)
        assert answer.status_code == 303
        got = http.post("/mock/eid/eid/v1/getResult",
                        json={"Session": {"ID": opened.session}, "RequestCounter": 1})
        assert got.json()["PersonalData"]["GivenNames"] == "ERIKA"


# -- the JSON eID-Interface ----------------------------------------------------------------


def _use_id(client: TestClient, body: dict[str, object], **headers: str) -> dict[str, object]:
    answer = client.post("/eid/v1/useID", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    data: dict[str, object] = answer.json()
    return data


def test_tr03130_3_json_round_trip(client: TestClient, server: MockEidServer) -> None:
    opened = _use_id(client, {
        "UseOperations": {"GivenNames": "REQUIRED", "DateOfBirth": "REQUIRED",
                          "PlaceOfBirth": "REQUIRED", "PlaceOfResidence": "REQUIRED",
                          "RestrictedID": "REQUIRED", "DateOfExpiry": "ALLOWED",
                          "AcademicTitle": "ALLOWED", "BirthName": "PROHIBITED"},
        "LevelOfAssuranceRequest": "http://bsi.bund.de/eID/LoA/hoch",
        "RefreshAddress": REFRESH,
    }, **{"X-Service-Provider": "Kreisverwaltung%20M%C3%BCnster"})
    assert opened["Result"] == {"ResultMajor": OK}
    session = opened["Session"]["ID"]  # type: ignore[index]
    assert opened["PSK"]["ID"] == session  # type: ignore[index]
    address = str(opened["eCardServerAddress"])
    ticket = address.rsplit("/", 1)[1]
    view = server.simulator_view(ticket)
    assert view is not None and view.service_provider == "Kreisverwaltung Münster"
    poll = {"Session": {"ID": session}, "RequestCounter": 1}
    waiting = client.post("/eid/v1/getResult", json=poll,
                          headers={"X-Service-Provider": "Kreisverwaltung%20M%C3%BCnster"})
    assert waiting.status_code == 200
    assert waiting.json()["Result"] == {
        "ResultMajor": ERROR, "ResultMinor": ResultMinor.NO_RESULT_YET,
        "ResultMessage": "noResultYet"}
    server.authenticate(ticket, "erika-mustermann", "123456", {Operation.DATE_OF_EXPIRY})
    done = client.post("/eid/v1/getResult", json=poll | {"RequestCounter": 2},
                       headers={"X-Service-Provider": "Kreisverwaltung%20M%C3%BCnster"}).json()
    pseudonym = done["PersonalData"].pop("RestrictedID")["ID"]
    assert re.fullmatch(r"[0-9a-f]{64}", pseudonym)
    assert done == {
        "PersonalData": {
            "GivenNames": "ERIKA",
            "DateOfBirth": {"DateString": "19640812", "DateValue": "1964-08-12"},
            "PlaceOfBirth": {"FreetextPlace": "BERLIN"},
            "PlaceOfResidence": {"StructuredPlace": {
                "Street": "HEIDESTRASSE 17", "City": "KÖLN", "ZipCode": "51147",
                "Country": "D"}},
            "DateOfExpiry": "2031-10-31",
        },
        "OperationsAllowedByUser": {
            "GivenNames": "ALLOWED", "DateOfBirth": "ALLOWED", "PlaceOfBirth": "ALLOWED",
            "PlaceOfResidence": "ALLOWED", "RestrictedID": "ALLOWED", "DateOfExpiry": "ALLOWED",
            "AcademicTitle": "PROHIBITED", "BirthName": "PROHIBITED"},
        "DocumentValidity": "valid",
        "LevelOfAssuranceResult": "http://bsi.bund.de/eID/LoA/hoch",
        "EIDTypeResponse": {"CardCertified": "USED"},
        "Result": {"ResultMajor": OK},
    }


def test_tr03130_3_4_1_interface_errors_are_faults_in_body(client: TestClient) -> None:
    missing = _use_id(client, {"RefreshAddress": REFRESH})
    assert missing["Result"]["ResultMinor"] == ResultMinor.MISSING_ARGUMENT  # type: ignore[index]
    no_refresh = _use_id(client, {"UseOperations": {"GivenNames": "REQUIRED"}})
    assert no_refresh["Result"]["ResultMinor"] == ResultMinor.MISSING_ARGUMENT  # type: ignore[index]
    schema = _use_id(client, {"UseOperations": {"GivenNames": "REQUIRED"},
                              "RefreshAddress": "ftp://x.example/"})
    assert schema["Result"]["ResultMinor"] == ResultMinor.SCHEMA_VIOLATION  # type: ignore[index]
    unknown = client.post("/eid/v1/getResult",
                          json={"Session": {"ID": "ab" * 32}, "RequestCounter": 1}).json()
    assert unknown["Result"]["ResultMinor"] == ResultMinor.INVALID_SESSION


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/eid/v1/useID", {"UseOperations": {"Shoesize": "REQUIRED"}, "RefreshAddress": REFRESH}),
        ("/eid/v1/useID", {"UseOperations": {"GivenNames": "MAYBE"}, "RefreshAddress": REFRESH}),
        ("/eid/v1/useID", {"UseOperations": [], "RefreshAddress": REFRESH}),
        ("/eid/v1/useID", {"UseOperations": {"GivenNames": "REQUIRED"}, "RefreshAddress": 7}),
        ("/eid/v1/useID", {"UseOperations": {"GivenNames": "REQUIRED"}, "Extra": 1}),
        ("/eid/v1/getResult", {"Session": {"ID": "ab" * 32}, "RequestCounter": "1"}),
        ("/eid/v1/getResult", {"Session": {"ID": "ab" * 32}, "RequestCounter": 1.5}),
        ("/eid/v1/getResult", {"Session": {"ID": "ab" * 32}, "RequestCounter": 2**40}),
        ("/eid/v1/getResult", {"Session": "ab", "RequestCounter": 1}),
        ("/eid/v1/getResult", {"RequestCounter": 1}),
        ("/eid/v1/getResult", []),
    ],
)
def test_malformed_requests_are_422_never_500(
    client: TestClient, path: str, body: object
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


def test_not_json_is_422(client: TestClient) -> None:
    answer = client.post("/eid/v1/useID", content=b"{not json",
                         headers={"content-type": "application/json"})
    assert answer.status_code == 422


def test_bodies_over_16_kib_are_413(client: TestClient) -> None:
    big = json.dumps({"UseOperations": {}, "RefreshAddress": "x" * BODY_LIMIT}).encode()
    answer = client.post("/eid/v1/useID", content=big,
                         headers={"content-type": "application/json"})
    assert answer.status_code == 413

    def chunks() -> Iterator[bytes]:
        yield big[:8000]
        yield big[8000:]

    streamed = client.post("/eid/v1/useID", content=chunks(),
                           headers={"content-type": "application/json"})
    assert streamed.status_code == 413


@pytest.mark.parametrize("header", ["", "%FF%FE", "x" * 300, "a%0Ab"])
def test_an_unusable_service_provider_header_is_400(client: TestClient, header: str) -> None:
    answer = client.post("/eid/v1/useID", json={
        "UseOperations": {"GivenNames": "REQUIRED"}, "RefreshAddress": REFRESH},
        headers={"X-Service-Provider": header})
    assert answer.status_code in (400, 422)
    assert "X-Service-Provider" in answer.text


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
