"""The deposit API over HTTP (issue 13 item 1; DESIGN §9): who may deposit for whom, what is
refused and how (problem+json, RFC 6750 challenges), idempotent retries, recall and correction,
status updates, and what the reader finally gets."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey

from servicekonto.accounts.levels import TrustLevel
from servicekonto.api.postfach import DEPOSIT_BODY_LIMIT
from servicekonto.clock import FixedClock
from servicekonto.db.models import PostfachAttachment, PostfachMessage
from servicekonto.oidc.client_auth import JWT_BEARER
from servicekonto.oidc.provider import Provider
from servicekonto.postfach import inbox, status
from servicekonto.postfach.access import personal
from servicekonto.settings import Settings
from tests.postfach.api_support import MESSAGES, Fachverfahren, assert_problem
from tests.postfach.conftest import PDF, attachment, message
from tests.support import FAST_ARGON2, decode_jwt, make_client


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """As the suite's, with attachments accepted unscanned (no clamd here; `make run` too)."""
    return Settings(
        dev_mode=True, issuer="http://testserver", data_dir=tmp_path, database_url=database_url,
        outbox_interval_seconds=0, upload_scan_required=False, **FAST_ARGON2,
    )


@pytest.fixture
def fv(provider: Provider, app_client: TestClient) -> Fachverfahren:
    return Fachverfahren(provider, app_client)


def _count(provider: Provider, model: Any) -> int:
    from sqlalchemy import func, select

    with provider.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _open(provider: Provider, account_id: str, message_id: str) -> inbox.MessageView:
    with provider.sessions() as db:
        view = inbox.open_message(db, box=personal(account_id), message_id=message_id,
                                  session_level=TrustLevel.HIGH, now=provider.clock.now())
        db.commit()
        return view


# -- the happy path -------------------------------------------------------------------------


def test_design_9_deposit_is_201_with_location_and_the_delivery_fiction_date(
    fv: Fachverfahren, provider: Provider
) -> None:
    account_id, sub = fv.person()
    response = fv.deposit(message(sub, attachments=[attachment(PDF)]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{MESSAGES}/{body['id']}" == body["location"]
    assert body["replayed"] is False and len(body["attachment_ids"]) == 1
    provided = provider.clock.now().date()  # the fixed clock is at noon UTC
    assert body["delivered_counts_at"] == (provided + timedelta(days=4)).isoformat()
    assert body["delivered_counts_rule"] == "§ 9 Abs. 1 Satz 4 OZG"
    assert response.headers["cache-control"] == "no-store"

    seen = fv.http.get(body["location"], headers=fv.auth)
    assert seen.status_code == 200, seen.text
    assert seen.json()["state"] == "delivered"
    assert [e["type"] for e in seen.json()["events"]] == ["delivered"]
    opened = _open(provider, account_id, body["id"])
    assert opened.title == "Ihr Bescheid über die Hundesteuer"
    assert [a.sha512 for a in opened.attachments] == [hashlib.sha512(PDF).hexdigest()]


# -- who may deposit for whom ---------------------------------------------------------------


def test_deposit_without_consent_is_403_no_consent(fv: Fachverfahren, provider: Provider
                                                   ) -> None:
    _, sub = fv.person(consent=False)
    body = assert_problem(fv.deposit(message(sub)), 403, "no_consent")
    assert body["detail"] == "the person has not consented to the postfach scope of this client"
    assert _count(provider, PostfachMessage) == 0


def test_consent_to_other_scopes_but_not_postfach_is_403(fv: Fachverfahren) -> None:
    _, sub = fv.person(scopes=frozenset({"openid", "profile"}))
    assert_problem(fv.deposit(message(sub)), 403, "no_consent")


def test_unknown_subject_and_another_clients_subject_are_the_same_404(
    fv: Fachverfahren, provider: Provider, app_client: TestClient
) -> None:
    other = Fachverfahren(provider, app_client, name="Anderes Fachverfahren")
    _, their_sub = other.person()  # consented there, never signed in here
    unknown = assert_problem(fv.deposit(message("no-such-subject")), 404, "unknown_recipient")
    foreign = assert_problem(fv.deposit(message(their_sub)), 404, "unknown_recipient")
    assert unknown == foreign
    assert unknown["detail"] == "the recipient sub is not known to this client"
    assert unknown["errors"] == [{"field": "recipient", "code": "unknown_recipient",
                                  "detail": unknown["detail"]}]
    assert other.deposit(message(their_sub)).status_code == 201  # the right client may


def test_rfc6750_3_no_token_is_401_with_a_bare_bearer_challenge(fv: Fachverfahren) -> None:
    response = fv.http.post(MESSAGES, json=message("x"))
    assert_problem(response, 401, "invalid_request")
    assert response.headers["www-authenticate"] == 'Bearer realm="servicekonto"'


def test_rfc6750_3_1_an_invalid_token_is_401_invalid_token(fv: Fachverfahren) -> None:
    response = fv.http.post(MESSAGES, json=message("x"),
                            headers={"Authorization": "Bearer not-a-token"})
    assert_problem(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_rfc6750_3_1_a_token_without_postfach_deliver_is_403_insufficient_scope(
    fv: Fachverfahren, provider: Provider
) -> None:
    _, sub = fv.person()
    printer = make_client(provider, name="Druckerei", grant_types=["client_credentials"],
                          scopes=["letters:dispatch"])
    token = fv.http.post("/token", data={"grant_type": "client_credentials"},
                         auth=(printer.client_id, printer.client_secret or "")).json()
    response = fv.http.post(MESSAGES, json=message(sub),
                            headers={"Authorization": f"Bearer {token['access_token']}"})
    body = assert_problem(response, 403, "insufficient_scope")
    assert body["detail"] == "the credentials lack scope postfach:deliver"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_the_depositing_client_signs_people_in_but_its_own_token_carries_only_machine_scopes(
    fv: Fachverfahren, jwks: dict[str, Any]
) -> None:
    """Registered with both grants; `postfach:deliver` stays out of the code flow (the
    authorization endpoint refuses machine scopes) and `postfach` out of its own token."""
    response = fv.http.post("/token", data={"grant_type": "client_credentials"},
                            auth=(fv.client_id, fv.secret))
    assert response.json()["scope"] == "postfach:deliver"
    _, claims = decode_jwt(response.json()["access_token"], jwks)
    assert claims["sub"] == fv.client_id
    asked = fv.http.post("/token", data={"grant_type": "client_credentials",
                                         "scope": "postfach"}, auth=(fv.client_id, fv.secret))
    assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"


# -- private_key_jwt instead of a token ---------------------------------------------------------


class _KeyClient:
    def __init__(self, provider: Provider, scopes: list[str]) -> None:
        self.key = ECKey.generate_key("P-256", private=True, parameters={"kid": "fv-1"})
        public = {k: str(v) for k, v in self.key.as_dict(private=False).items()}
        self.client_id = make_client(
            provider, name="Fachverfahren mit Schlüssel",
            grant_types=["authorization_code", "client_credentials"], scopes=scopes,
            token_endpoint_auth_method="private_key_jwt", jwks={"keys": [public]},
        ).client_id

    def assertion(self, clock: FixedClock, aud: str) -> str:
        now = int(clock.now().timestamp())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": aud,
                  "jti": secrets.token_urlsafe(16), "iat": now, "exp": now + 60}
        return jwt.encode({"alg": "ES256", "kid": "fv-1"}, claims, self.key, algorithms=["ES256"])


def _with_assertion(assertion: str) -> dict[str, str]:
    return {"Client-Assertion-Type": JWT_BEARER, "Client-Assertion": assertion}


def test_rfc7523_2_2_a_private_key_jwt_assertion_authenticates_a_deposit_once(
    provider: Provider, app_client: TestClient, clock: FixedClock
) -> None:
    keyed = _KeyClient(provider, ["openid", "postfach", "postfach:deliver"])
    fv = Fachverfahren(provider, app_client)
    account_id = fv.person()[0]
    fv.client_id = keyed.client_id  # the person signed in at the keyed client
    sub = fv.knows(account_id)
    assertion = keyed.assertion(clock, f"http://testserver{MESSAGES}")
    first = app_client.post(MESSAGES, json=message(sub), headers=_with_assertion(assertion))
    assert first.status_code == 201, first.text
    replayed = app_client.post(MESSAGES, json=message(sub), headers=_with_assertion(assertion))
    assert_problem(replayed, 401, "invalid_client")
    issuer_aud = keyed.assertion(clock, "http://testserver")
    assert app_client.post(MESSAGES, json=message(sub),
                           headers=_with_assertion(issuer_aud)).status_code == 201
    wrong_aud = keyed.assertion(clock, "https://elsewhere.example/api")
    assert_problem(app_client.post(MESSAGES, json=message(sub),
                                   headers=_with_assertion(wrong_aud)), 401, "invalid_client")
    both = app_client.post(MESSAGES, json=message(sub), headers={
        **_with_assertion(keyed.assertion(clock, "http://testserver")),
        "Authorization": "Bearer x"})
    assert_problem(both, 400, "invalid_request")


def test_a_client_without_postfach_deliver_cannot_deposit_with_its_assertion(
    provider: Provider, app_client: TestClient, clock: FixedClock
) -> None:
    keyed = _KeyClient(provider, ["openid", "postfach"])
    response = app_client.post(MESSAGES, json=message("x"), headers=_with_assertion(
        keyed.assertion(clock, "http://testserver")))
    assert_problem(response, 403, "insufficient_scope")


# -- what is refused ----------------------------------------------------------------------------


def test_an_attachment_over_2_mb_is_413_and_names_the_attachment(
    fv: Fachverfahren, provider: Provider
) -> None:
    _, sub = fv.person()
    big = b"a" * (2 * 1024 * 1024 + 1)
    response = fv.deposit(message(sub, attachments=[
        attachment(b"Hallo", "notiz.txt", "text/plain"),
        attachment(big, "liste.txt", "text/plain"),
    ]))
    body = assert_problem(response, 413, "file_too_large")
    assert body["errors"][0]["field"] == "attachments.2"
    assert _count(provider, PostfachMessage) == _count(provider, PostfachAttachment) == 0


def test_the_api_has_its_own_body_cap_above_the_global_one(
    fv: Fachverfahren, settings: Settings
) -> None:
    """Five attachments of almost 2 MB pass (far over the global 1 MiB); a body over the
    deposit's own cap is 413 before it is read, as problem details."""
    _, sub = fv.person()
    files = [attachment(bytes([65 + i]) * (2 * 1024 * 1024 - 10), f"teil{i}.txt", "text/plain")
             for i in range(5)]
    accepted = fv.deposit(message(sub, attachments=files))
    assert accepted.status_code == 201, accepted.text[:300]
    assert len(accepted.json()["attachment_ids"]) == 5
    assert DEPOSIT_BODY_LIMIT > 5 * 2 * 1024 * 1024 * 4 // 3 > settings.body_limit_bytes
    too_big = fv.http.post(MESSAGES, content=b"{" + b" " * DEPOSIT_BODY_LIMIT + b"}",
                           headers={**fv.auth, "Content-Type": "application/json"})
    body = assert_problem(too_big, 413, "payload_too_large")
    assert body["detail"] == "request body too large"
    # the status route keeps the global cap
    status_too_big = fv.http.post("/api/v1/postfach/status",
                                  content=b"{" + b" " * settings.body_limit_bytes + b"}",
                                  headers={**fv.auth, "Content-Type": "application/json"})
    assert status_too_big.status_code == 413


def test_a_sha512_mismatch_is_422_and_nothing_is_stored(
    fv: Fachverfahren, provider: Provider
) -> None:
    _, sub = fv.person()
    wrong = attachment(PDF, sha512=hashlib.sha512(b"something else").hexdigest())
    body = assert_problem(fv.deposit(message(sub, attachments=[attachment(PDF), wrong])), 422,
                          "attachment_checksum_mismatch")
    assert body["detail"] == "attachment 2: the SHA-512 of the content does not match sha512"
    assert body["errors"] == [{"field": "attachments.2", "code": "attachment_checksum_mismatch",
                               "detail": body["detail"]}]
    assert _count(provider, PostfachMessage) == _count(provider, PostfachAttachment) == 0


def test_an_attachment_type_outside_the_list_is_refused(fv: Fachverfahren) -> None:
    _, sub = fv.person()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    body = assert_problem(
        fv.deposit(message(sub, attachments=[attachment(svg, "bild.svg", "image/svg+xml")])),
        422, "attachment_type_not_allowed")
    assert body["errors"][0]["field"] == "attachments.1"


def test_schema_errors_are_422_with_one_problem_per_field(fv: Fachverfahren) -> None:
    response = fv.deposit({"recipient": {"sub": "x"}, "title": "", "content": "x",
                           "sender": "S", "service": "D", "min_level": "medium", "extra": 1})
    body = assert_problem(response, 422, "invalid_input")
    fields = {e["field"] for e in body["errors"]}
    assert {"title", "min_level", "extra"} <= fields, body


def test_an_invalid_idempotency_key_is_400(fv: Fachverfahren) -> None:
    _, sub = fv.person()
    assert_problem(fv.deposit(message(sub), key="k" * 256), 400, "invalid_idempotency_key")


# -- HTML content ---------------------------------------------------------------------------------


def test_html_with_script_event_handlers_and_javascript_links_reaches_the_reader_sanitised(
    fv: Fachverfahren, provider: Provider
) -> None:
    account_id, sub = fv.person()
    html = (
        '<p onclick="steal()">Guten Tag,</p><script>alert(document.cookie)</script>'
        '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">klick</a> '
        '<a href="https://www.cochem-zell.de/bescheid">Bescheid online</a>'
        '<iframe src="https://evil.example"></iframe><style>body{}</style>'
    )
    response = fv.deposit(message(sub, content=html, content_format="html"))
    assert response.status_code == 201, response.text
    view = _open(provider, account_id, response.json()["id"])
    shown = (view.content_html or "").lower()
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<style", "alert("):
        assert bad not in shown, (bad, view.content_html)
    assert 'href="https://www.cochem-zell.de/bescheid"' in shown
    assert "Guten Tag," in view.content and "alert" not in view.content


def test_html_that_is_only_a_script_is_refused(fv: Fachverfahren) -> None:
    _, sub = fv.person()
    assert_problem(fv.deposit(message(sub, content="<script>x()</script>",
                                      content_format="html")), 422, "content_empty")


# -- idempotency ----------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_answers_200_with_the_same_message(
    fv: Fachverfahren, provider: Provider
) -> None:
    _, sub = fv.person()
    body = message(sub, attachments=[attachment(PDF)])
    first = fv.deposit(body, key="bescheid-0042")
    again = fv.deposit(body, key="bescheid-0042")
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json() == {**first.json(), "replayed": True}
    assert again.headers["location"] == first.headers["location"]
    assert _count(provider, PostfachMessage) == 1 and _count(provider, PostfachAttachment) == 1
    other = fv.deposit({**body, "title": "Ein anderer Bescheid"}, key="bescheid-0042")
    assert_problem(other, 422, "idempotency_key_reused")


# -- recall and correction ----------------------------------------------------------------------


def test_recall_before_reading_removes_the_message_from_the_postfach(
    fv: Fachverfahren, provider: Provider
) -> None:
    account_id, sub = fv.person()
    deposited = fv.deposit(message(sub, attachments=[attachment(PDF)])).json()
    recalled = fv.http.post(f"{deposited['location']}/recall", headers=fv.auth)
    assert recalled.status_code == 200, recalled.text
    assert recalled.json()["state"] == "recalled" and recalled.json()["changed"] is True
    again = fv.http.post(f"{deposited['location']}/recall", headers=fv.auth)
    assert again.status_code == 200 and again.json()["changed"] is False
    with provider.sessions() as db:
        assert inbox.list_messages(db, box=personal(account_id)).total == 0
    assert _count(provider, PostfachAttachment) == 0
    seen = fv.http.get(deposited["location"], headers=fv.auth).json()
    assert seen["state"] == "recalled" and [e["type"] for e in seen["events"]] == [
        "delivered", "recalled"]


def test_after_reading_recall_is_409_and_a_correction_is_linked(
    fv: Fachverfahren, provider: Provider, clock: FixedClock
) -> None:
    account_id, sub = fv.person()
    deposited = fv.deposit(message(sub)).json()
    clock.advance(hours=1)
    _open(provider, account_id, deposited["id"])
    refused = fv.http.post(f"{deposited['location']}/recall", headers=fv.auth)
    body = assert_problem(refused, 409, "already_read")
    assert body["detail"] == "the message has been read; send a correction instead"
    clock.advance(hours=1)
    correction = fv.http.post(f"{deposited['location']}/corrections", headers=fv.auth,
                              json=message(sub, title="Berichtigung: Ihr Bescheid"))
    assert correction.status_code == 201, correction.text
    original = _open(provider, account_id, deposited["id"])
    assert original.corrected_by == [correction.json()["id"]]
    seen = fv.http.get(deposited["location"], headers=fv.auth).json()
    assert seen["state"] == "read"
    assert [e["type"] for e in seen["events"]] == ["delivered", "read", "corrected"]
    assert seen["corrected_by"] == [correction.json()["id"]]
    _, someone_else = fv.person()
    mismatch = fv.http.post(f"{deposited['location']}/corrections", headers=fv.auth,
                            json=message(someone_else))
    assert_problem(mismatch, 422, "correction_recipient_mismatch")


def test_another_clients_message_is_404_for_reading_recall_and_correction(
    fv: Fachverfahren, provider: Provider, app_client: TestClient
) -> None:
    _, sub = fv.person()
    location = fv.deposit(message(sub)).json()["location"]
    other = Fachverfahren(provider, app_client, name="Anderes Fachverfahren")
    assert_problem(app_client.get(location, headers=other.auth), 404, "not_found")
    assert_problem(app_client.post(f"{location}/recall", headers=other.auth), 404, "not_found")
    assert_problem(app_client.post(f"{location}/corrections", headers=other.auth,
                                   json=message(sub)), 404, "not_found")


# -- status updates -------------------------------------------------------------------------------


def test_status_updates_form_the_timeline_in_the_order_they_were_reported(
    fv: Fachverfahren, provider: Provider, clock: FixedClock
) -> None:
    account_id, sub = fv.person()
    application = "7d1c0b7e-3a7b-4e4e-9a55-0d7f3c1e2b11"
    for step in ("SUBMITTED", "RECEIVED", "PROCESSING"):
        answer = fv.status({"recipient": {"sub": sub}, "application_id": application,
                            "status": step, "public_service_name": "Hundeanmeldung",
                            "sender_name": "VG Cochem"})
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == step
        clock.advance(minutes=5)
    fv.deposit(message(sub, application_id=application, title="Ihr Bescheid"))
    clock.advance(minutes=5)
    fv.status({"recipient": {"sub": sub}, "application_id": application, "status": "COMPLETED",
               "public_service_name": "Hundeanmeldung", "sender_name": "VG Cochem",
               "status_details": "Bescheid zugestellt"})
    with provider.sessions() as db:
        line = status.timeline(db, box=personal(account_id), application_id=application)
    assert [e.status.status if e.status else "message" for e in line.entries] == [
        "SUBMITTED", "RECEIVED", "PROCESSING", "message", "COMPLETED"]
    assert line.current is not None and line.current.status_details == "Bescheid zugestellt"


def test_a_status_outside_the_fitko_vocabulary_is_422_naming_the_field(
    fv: Fachverfahren,
) -> None:
    _, sub = fv.person()
    response = fv.status({"recipient": {"sub": sub}, "application_id": "A-1",
                          "status": "DONE", "public_service_name": "X", "sender_name": "Y"})
    body = assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["status"]


def test_a_status_for_a_person_without_consent_is_403(fv: Fachverfahren) -> None:
    _, sub = fv.person(consent=False)
    response = fv.status({"recipient": {"sub": sub}, "application_id": "A-1",
                          "status": "SUBMITTED", "public_service_name": "X", "sender_name": "Y"})
    assert_problem(response, 403, "no_consent")


# -- the contract ---------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_deposit_api(app_client: TestClient) -> None:
    spec = app_client.get("/api/openapi.json").json()
    paths = spec["paths"]
    deposit = paths["/api/v1/postfach/messages"]["post"]
    assert {"200", "201", "401", "403", "404", "413", "422"} <= set(deposit["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in deposit["parameters"])
    assert "/api/v1/postfach/status" in paths
    assert "/api/v1/postfach/messages/{message_id}/recall" in paths
    assert "/api/v1/postfach/messages/{message_id}/corrections" in paths
    problem = deposit["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert "errors" in problem["properties"]


