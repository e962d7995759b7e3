"""Issue 12 item 3, the Registrierungsstelle's JSON API (DESIGN §9 `GET /api/v1/staff/
organizations?state=…`, `POST …/{id}/decision` `{"decision", "reason"}`): the staff person's own
token with scope `staff`, a bound second factor and the role; problem+json errors; 409 for a lost
race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient

from servicekonto.companies import review
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import REGISTRATION_SUPERVISOR
from tests.companies import factories
from tests.companies.desk import (  # noqa: F401  (app_blobs: a fixture)
    API,
    COCHEM,
    activation_letters,
    app_blobs,
    applicant,
    bearer,
    region,
    staff,
    submitted,
    token,
)
from tests.support import make_client

PROBLEM = "application/problem+json"

pytestmark = [pytest.mark.usefixtures("app_blobs")]


@pytest.fixture
def officer_token(app_client: TestClient, provider: Provider) -> str:
    region(provider)
    return token(app_client, provider, staff(app_client, provider, COCHEM))


def problem(response: httpx.Response, status: int, title: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == title


def test_the_queue_filters_by_state_and_searches(
    app_client: TestClient, provider: Provider, officer_token: str,
) -> None:
    weingut = submitted(provider)
    submitted(provider, name="Brauhaus Müller GmbH", register_number="HRB 777")

    listed = app_client.get(API, headers=bearer(officer_token))
    assert listed.status_code == 200
    assert {entry["name"] for entry in listed.json()} == {
        "Moselweingut Beispiel GmbH", "Brauhaus Müller GmbH"
    }
    [entry] = app_client.get(API, params={"q": "HRB 1234 B"}, headers=bearer(officer_token)).json()
    assert entry["id"] == weingut and entry["administration"] == COCHEM
    assert entry["state"] == "submitted" and entry["days_waiting"] == 0
    assert app_client.get(API, params={"state": "rejected"},
                          headers=bearer(officer_token)).json() == []
    problem(app_client.get(API, params={"state": "nonsense"}, headers=bearer(officer_token)),
            422, "invalid_organisation")


def test_a_case_its_documents_and_a_download(
    app_client: TestClient, provider: Provider, officer_token: str,
) -> None:
    organisation_id = submitted(provider)
    case = app_client.get(f"{API}/{organisation_id}", headers=bearer(officer_token)).json()
    assert case["organisation"]["register_entry"] == "Amtsgericht Koblenz, HRB 1234 B"
    assert case["administration"] == COCHEM
    assert case["administration_name"] == "Verbandsgemeinde Cochem"
    assert case["may_decide"] is True and case["four_eyes"] is False
    assert [step["decision"] for step in case["history"]] == ["submit"]

    [document] = app_client.get(f"{API}/{organisation_id}/documents",
                                headers=bearer(officer_token)).json()
    assert document["doc_type"] == "handelsregisterauszug"
    # The staff document model is the domain view minus the ids that stay inside.
    documented = app_client.app.openapi()["components"]["schemas"]["DocumentOut"]["properties"]
    assert set(document) == set(documented)
    assert "organisation_id" not in document and "uploaded_by" not in document
    downloaded = app_client.get(document["download_url"], headers=bearer(officer_token))
    assert downloaded.content == factories.PDF
    assert downloaded.headers["content-disposition"] == f'attachment; filename="{document["id"]}"'
    assert "sandbox; default-src 'none'" in downloaded.headers.get_list("content-security-policy")
    assert downloaded.headers["x-content-type-options"] == "nosniff"


def test_notes_are_added_and_listed(
    app_client: TestClient, provider: Provider, officer_token: str,
) -> None:
    organisation_id = submitted(provider)
    added = app_client.post(f"{API}/{organisation_id}/notes", json={"text": "Register ok."},
                            headers=bearer(officer_token))
    assert added.status_code == 201 and added.json()["text"] == "Register ok."
    assert added.json()["author"].endswith("@example.org")
    notes = app_client.get(f"{API}/{organisation_id}/notes", headers=bearer(officer_token))
    assert [n["text"] for n in notes.json()] == ["Register ok."]
    problem(app_client.post(f"{API}/{organisation_id}/notes", json={"text": " "},
                            headers=bearer(officer_token)), 422, "invalid_organisation")


def test_decisions_request_info_then_approve_with_the_activation_letter(
    app_client: TestClient, provider: Provider, officer_token: str,
) -> None:
    person = applicant(provider)
    organisation_id = factories.submitted(provider.sessions, provider.clock.now(), person)
    started = app_client.post(f"{API}/{organisation_id}/review", headers=bearer(officer_token))
    assert started.json()["state"] == "in_review"

    missing = app_client.post(f"{API}/{organisation_id}/decision",
                              json={"decision": "reject", "reason": ""},
                              headers=bearer(officer_token))
    problem(missing, 422, "invalid_organisation")
    assert missing.json()["detail"] == "reason: reason_required"
    problem(app_client.post(f"{API}/{organisation_id}/decision",
                            json={"decision": "maybe", "reason": "x"},
                            headers=bearer(officer_token)), 422, "invalid_input")

    asked = app_client.post(f"{API}/{organisation_id}/decision",
                            json={"decision": "request_info", "reason": "Gewerbeanmeldung?"},
                            headers=bearer(officer_token))
    assert asked.json() == {"organisation_id": organisation_id, "action": "request_info",
                            "state": "info_requested", "complete": True}
    from servicekonto.companies import service

    with provider.sessions() as db:
        service.supplement(db, applicant_id=person, organisation_id=organisation_id,
                           answer="Liegt bei.", now=provider.clock.now())
        db.commit()
    version = app_client.get(f"{API}/{organisation_id}",
                             headers=bearer(officer_token)).json()["organisation"]["version"]
    approved = app_client.post(f"{API}/{organisation_id}/decision",
                               json={"decision": "approve", "reason": "Passt.",
                                     "version": version},
                               headers=bearer(officer_token))
    assert approved.json()["state"] == "approved" and approved.json()["complete"] is True
    assert len(activation_letters(provider, organisation_id)) == 1


def test_a_stale_version_and_a_decided_case_are_409(
    app_client: TestClient, provider: Provider, officer_token: str,
) -> None:
    organisation_id = submitted(provider)
    stale = app_client.post(f"{API}/{organisation_id}/decision",
                            json={"decision": "approve", "reason": "Passt.", "version": 0},
                            headers=bearer(officer_token))
    problem(stale, 409, "decided_concurrently")
    app_client.post(f"{API}/{organisation_id}/decision",
                    json={"decision": "reject", "reason": "Nein."}, headers=bearer(officer_token))
    problem(app_client.post(f"{API}/{organisation_id}/decision",
                            json={"decision": "approve", "reason": "Doch."},
                            headers=bearer(officer_token)), 409, "illegal_transition")


def test_four_eyes_by_api(app_client: TestClient, provider: Provider, officer_token: str) -> None:
    with provider.sessions() as db:
        review.set_four_eyes_as_operator(db, administration_slug=COCHEM, enabled=True,
                                         now=provider.clock.now(), actor="system:test")
        db.commit()
    organisation_id = submitted(provider)
    first = app_client.post(f"{API}/{organisation_id}/decision",
                            json={"decision": "approve", "reason": "Passt."},
                            headers=bearer(officer_token))
    assert first.json()["action"] == "first_approval" and first.json()["complete"] is False
    problem(app_client.post(f"{API}/{organisation_id}/decision",
                            json={"decision": "approve", "reason": "Passt."},
                            headers=bearer(officer_token)), 409, "four_eyes_same_officer")
    second = token(app_client, provider, staff(app_client, provider, COCHEM))
    done = app_client.post(f"{API}/{organisation_id}/decision",
                           json={"decision": "approve", "reason": "Passt auch."},
                           headers=bearer(second))
    assert done.json()["state"] == "approved"


def test_supervisors_suspend_and_close_officers_cannot(
    app_client: TestClient, provider: Provider, officer_token: str,
) -> None:
    officer = staff(app_client, provider, COCHEM)
    organisation_id = factories.activated(provider.sessions, provider.clock.now(),
                                          applicant(provider), officer)
    problem(app_client.post(f"{API}/{organisation_id}/suspend", json={"reason": "Missbrauch"},
                            headers=bearer(officer_token)), 404, "not_found")
    supervisor = token(app_client, provider,
                       staff(app_client, provider, COCHEM, REGISTRATION_SUPERVISOR))
    problem(app_client.post(f"{API}/{organisation_id}/suspend", json={"reason": ""},
                            headers=bearer(supervisor)), 422, "invalid_organisation")
    suspended = app_client.post(f"{API}/{organisation_id}/suspend", json={"reason": "Missbrauch"},
                                headers=bearer(supervisor))
    assert suspended.json()["state"] == "suspended"
    assert app_client.post(f"{API}/{organisation_id}/reinstate", json={"reason": "Geklärt"},
                           headers=bearer(supervisor)).json()["state"] == "activated"
    assert app_client.post(f"{API}/{organisation_id}/close", json={"reason": "Gelöscht"},
                           headers=bearer(supervisor)).json()["state"] == "closed"


def test_who_may_call_the_staff_api(app_client: TestClient, provider: Provider) -> None:
    """No token 401; a token without scope `staff`, a client-credentials token, a password-only
    login, an app that is not bound and a person without a review role are 403."""
    region(provider)
    problem(app_client.get(API), 401, "unauthorized")
    officer = staff(app_client, provider, COCHEM)
    problem(app_client.get(API, headers=bearer(token(app_client, provider, officer,
                                                     scope="openid"))), 403, "forbidden")
    problem(app_client.get(API, headers=bearer(token(app_client, provider, officer,
                                                     amr=("pwd",)))),
            403, "second_factor_required")
    unbound = staff(app_client, provider, COCHEM, bound=False)
    problem(app_client.get(API, headers=bearer(token(app_client, provider, unbound,
                                                     amr=("pwd", "otp")))),
            403, "second_factor_required")
    from servicekonto.staff.service import LETTER_DISPATCH

    dispatcher = staff(app_client, provider, COCHEM, LETTER_DISPATCH)
    problem(app_client.get(API, headers=bearer(token(app_client, provider, dispatcher))),
            403, "no_staff_role")

    machine = make_client(provider, grant_types=["client_credentials"], scopes=["staff"],
                          redirect_uris=[])
    issued = app_client.post("/token", data={"grant_type": "client_credentials",
                                             "scope": "staff"},
                             auth=(machine.client_id, machine.client_secret or ""))
    assert issued.status_code == 200, issued.text
    problem(app_client.get(API, headers=bearer(issued.json()["access_token"])), 403, "forbidden")


def race(app_client: TestClient, organisation_id: str,
         calls: list[tuple[str, str]]) -> list[httpx.Response]:
    """Each (token, decision) posted from its own thread, all released at once."""
    barrier = threading.Barrier(len(calls))

    def decide(call: tuple[str, str]) -> httpx.Response:
        access, decision = call
        barrier.wait(timeout=30)
        return app_client.post(f"{API}/{organisation_id}/decision",
                               json={"decision": decision, "reason": "Entschieden."},
                               headers=bearer(access))

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(decide, calls))


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_two_officers_deciding_at_once_through_the_api_exactly_one_wins(
    app_client: TestClient, provider: Provider, backend: str,
) -> None:
    """Issue 12 item 3: parallel decisions over HTTP (the app's thread pool, one database
    connection each), on SQLite and PostgreSQL: one 200, the other a 409 problem."""
    region(provider)
    tokens = [token(app_client, provider, staff(app_client, provider, COCHEM)) for _ in range(2)]
    for _round in range(3):
        organisation_id = submitted(provider, register_number=f"HRB {4400 + _round}")
        results = race(app_client, organisation_id, [(tokens[0], "approve"),
                                                     (tokens[1], "reject")])

        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 409], [r.text for r in results]
        [lost] = [r for r in results if r.status_code == 409]
        assert lost.headers["content-type"] == PROBLEM
        assert lost.json()["title"] in {"decided_concurrently", "illegal_transition"}
        [won] = [r for r in results if r.status_code == 200]
        assert factories.state_of(provider.sessions, organisation_id) == won.json()["state"]
        letters = activation_letters(provider, organisation_id)
        assert len(letters) == (1 if won.json()["state"] == "approved" else 0)
