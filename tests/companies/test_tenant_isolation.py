"""Issue 12, "tests that must exist": staff of one administration cannot list, open, download
from, note on or decide another administration's applications — by page, by API and by guessed
or random ids — always 404, never 403 (which would confirm the id exists). Staff with a
password-only session are refused, a citizen without a staff role gets "Kein Zugriff", and the
letter_dispatch role cannot decide.

The matrix: an officer *and* supervisor of Verbandsgemeinde Zell against an application in
Cochem (submitted, for the reviewing actions; activated, for the supervisors'), plus a random
id, for every action on both surfaces. Nothing may change: state, notes and audit rows stay."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from servicekonto.db.models import AuditEvent, OrganisationNote
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import (
    LETTER_DISPATCH,
    REGISTRATION_OFFICER,
    REGISTRATION_SUPERVISOR,
)
from tests.companies import factories
from tests.companies.desk import (  # noqa: F401  (app_blobs: a fixture)
    API,
    CASES,
    COCHEM,
    ZELL,
    app_blobs,
    applicant,
    bearer,
    region,
    sign_in,
    staff,
    token,
)
from tests.support import make_account

pytestmark = [pytest.mark.usefixtures("app_blobs")]


@dataclass
class World:
    """Cochem's applications and Zell's staff member (officer and supervisor)."""

    submitted: str
    activated: str
    document: str
    zell: str


@pytest.fixture
def world(app_client: TestClient, provider: Provider) -> World:
    region(provider)
    cochem_officer = staff(app_client, provider, COCHEM)
    now = provider.clock.now()
    submitted = factories.submitted(provider.sessions, now, applicant(provider))
    activated = factories.activated(provider.sessions, now, applicant(provider), cochem_officer,
                                    register_number="HRB 9876")
    with provider.sessions() as db:
        from servicekonto.companies.service import documents_of

        document = documents_of(db, submitted)[0].id
    zell = staff(app_client, provider, ZELL, REGISTRATION_OFFICER, REGISTRATION_SUPERVISOR)
    return World(submitted, activated, document, zell)


def footprint(provider: Provider, world: World) -> tuple[str, str, int, int]:
    with provider.sessions() as db:
        notes = db.scalar(select(func.count()).select_from(OrganisationNote)) or 0
        events = db.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return (factories.state_of(provider.sessions, world.submitted),
            factories.state_of(provider.sessions, world.activated), notes, events)


#: (name, page request, API request); each gets the client, an organisation id, a document id.
Request = Callable[[TestClient, str, str], object]
_FORM = {"Origin": "http://testserver", "Content-Type": "application/x-www-form-urlencoded"}


def _page_post(path: str, body: str) -> Request:
    """A form post with a valid CSRF token (for the browser's CSRF cookie) and our Origin."""

    def call(client: TestClient, org: str, _doc: str) -> object:
        csrf = client.app.state.csrf.form_token(client.cookies.get("sk_csrf"))  # type: ignore[attr-defined]
        return client.post(f"{CASES}/{org}/{path}", content=f"{body}&csrf_token={csrf}",
                           headers=_FORM, follow_redirects=False)

    return call


ACTIONS: dict[str, tuple[Request, Callable[[TestClient, str, str, str], object]]] = {
    "open": (
        lambda c, org, doc: c.get(f"{CASES}/{org}", follow_redirects=False),
        lambda c, org, doc, t: c.get(f"{API}/{org}", headers=bearer(t)),
    ),
    "documents": (
        lambda c, org, doc: c.get(f"{CASES}/{org}/documents/{doc}", follow_redirects=False),
        lambda c, org, doc, t: c.get(f"{API}/{org}/documents", headers=bearer(t)),
    ),
    "download": (
        lambda c, org, doc: c.get(f"{CASES}/{org}/documents/{doc}/view", follow_redirects=False),
        lambda c, org, doc, t: c.get(f"{API}/{org}/documents/{doc}", headers=bearer(t)),
    ),
    "notes": (
        _page_post("notes", "text=Hallo"),
        lambda c, org, doc, t: c.post(f"{API}/{org}/notes", json={"text": "Hallo"},
                                      headers=bearer(t)),
    ),
    "start_review": (
        _page_post("review", ""),
        lambda c, org, doc, t: c.post(f"{API}/{org}/review", headers=bearer(t)),
    ),
    "decide": (
        _page_post("decision", "decision=approve&reason=Passt"),
        lambda c, org, doc, t: c.post(f"{API}/{org}/decision",
                                      json={"decision": "approve", "reason": "Passt"},
                                      headers=bearer(t)),
    ),
    "suspend": (
        _page_post("supervision", "action=suspend&reason=Missbrauch"),
        lambda c, org, doc, t: c.post(f"{API}/{org}/suspend", json={"reason": "Missbrauch"},
                                      headers=bearer(t)),
    ),
    "close": (
        _page_post("supervision", "action=close&reason=Geloescht"),
        lambda c, org, doc, t: c.post(f"{API}/{org}/close", json={"reason": "Geloescht"},
                                      headers=bearer(t)),
    ),
}
TARGETS = ("other_administration", "random_id")


def _target(world: World, action: str, target: str) -> tuple[str, str]:
    if target == "random_id":
        return secrets.token_hex(16), secrets.token_hex(16)
    organisation = world.activated if action in ("suspend", "close") else world.submitted
    return organisation, world.document


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_pages_answer_404_for_another_administrations_or_a_random_id(
    app_client: TestClient, provider: Provider, world: World, action: str, target: str,
) -> None:
    sign_in(app_client, provider, world.zell)
    app_client.get(CASES)  # the CSRF cookie
    before = footprint(provider, world)
    organisation, document = _target(world, action, target)

    response = ACTIONS[action][0](app_client, organisation, document)

    assert response.status_code == 404, response.text[:300]  # type: ignore[attr-defined]
    assert "Moselweingut" not in response.text  # type: ignore[attr-defined]
    assert footprint(provider, world) == before


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_api_answers_404_for_another_administrations_or_a_random_id(
    app_client: TestClient, provider: Provider, world: World, action: str, target: str,
) -> None:
    access = token(app_client, provider, world.zell)
    before = footprint(provider, world)
    organisation, document = _target(world, action, target)

    response = ACTIONS[action][1](app_client, organisation, document, access)

    assert response.status_code == 404, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert footprint(provider, world) == before


def test_the_queue_lists_nothing_of_another_administration(
    app_client: TestClient, provider: Provider, world: World,
) -> None:
    sign_in(app_client, provider, world.zell)
    for state in ("waiting", "all", "submitted", "activated"):
        page = app_client.get(f"{CASES}?state={state}")
        assert page.status_code == 200
        assert "Moselweingut" not in page.text and world.submitted not in page.text
    for query in ("Moselweingut", "1234", "HRB 9876"):
        found = app_client.get(CASES, params={"q": query, "state": "all"}).text
        assert "Keine Anträge gefunden." in found and world.submitted not in found
    access = token(app_client, provider, world.zell)
    for params in ({}, {"state": "activated"}, {"q": "Moselweingut"}):
        listed = app_client.get(API, params=params, headers=bearer(access))
        assert listed.status_code == 200 and listed.json() == []


def test_a_password_only_staff_session_is_refused(
    app_client: TestClient, provider: Provider, world: World,
) -> None:
    cochem = staff(app_client, provider, COCHEM)
    sign_in(app_client, provider, cochem, amr=("pwd",))
    for path in (CASES, f"{CASES}/{world.submitted}"):
        page = app_client.get(path, follow_redirects=False)
        assert page.status_code == 403
        assert "Zweiter Faktor erforderlich" in page.text
        assert "Moselweingut" not in page.text
    assert 'href="/login/otp?next=/staff/organizations"' in page.text


def test_a_citizen_without_a_staff_role_gets_no_access(
    app_client: TestClient, provider: Provider, world: World,
) -> None:
    from servicekonto.accounts.levels import TrustLevel
    from tests.support import account_id_of

    citizen = account_id_of(provider, make_account(provider))
    sign_in(app_client, provider, citizen, amr=("hwk",), level=TrustLevel.HIGH)
    for path in (CASES, f"{CASES}/{world.submitted}"):
        page = app_client.get(path, follow_redirects=False)
        assert page.status_code == 403
        assert "Kein Zugriff" in page.text and "Moselweingut" not in page.text


def test_the_letter_dispatch_role_cannot_decide(
    app_client: TestClient, provider: Provider, world: World,
) -> None:
    dispatcher = staff(app_client, provider, COCHEM, LETTER_DISPATCH)
    sign_in(app_client, provider, dispatcher)
    assert app_client.get("/staff/letters").status_code == 200  # their own view opens
    refused = ACTIONS["decide"][0](app_client, world.submitted, world.document)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "Kein Zugriff" in refused.text  # type: ignore[attr-defined]
    access = token(app_client, provider, dispatcher)
    answer = app_client.post(f"{API}/{world.submitted}/decision",
                             json={"decision": "approve", "reason": "Passt"},
                             headers=bearer(access))
    assert answer.status_code == 403 and answer.json()["title"] == "no_staff_role"
    assert factories.state_of(provider.sessions, world.submitted) == "submitted"
