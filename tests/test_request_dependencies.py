"""The request dependencies of `servicekonto.http` (issue 11 #1), on the real app: one database
session per request, the browser session variants, staff of an administration with a role."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from servicekonto.accounts.levels import TrustLevel
from servicekonto.accounts.means import SecondFactor
from servicekonto.accounts.sessions import ActiveSession
from servicekonto.http.browser import CurrentSession, session_at_least
from servicekonto.http.database import DbSession
from servicekonto.http.forms import Form
from servicekonto.http.refusals import LoginRequired, PageRefused
from servicekonto.http.staff import StaffMember, staff_with_role
from servicekonto.oidc.provider import Provider
from tests.support import account_id_of, give_roles, make_account, start_browser_session

ROLE = "case_worker"


def _too_low(session: ActiveSession) -> PageRefused:
    return PageRefused(
        f"level {session.level.label} too low", status=403, message_key="error.forbidden"
    )


def _no_bound_second_factor(app: SecondFactor) -> PageRefused:
    return PageRefused(f"app {app}", status=403, message_key="error.forbidden")


def _db_of_a_dependency(db: DbSession) -> int:
    return id(db)


router = APIRouter()


@router.get("/_deps/db")
def same_db(
    db: DbSession,
    session: CurrentSession,
    other: Annotated[int, Depends(_db_of_a_dependency)],
) -> dict[str, object]:
    return {"same": id(db) == other, "signed_in": session is not None}


@router.get("/_deps/substantial")
def substantial(
    session: Annotated[
        ActiveSession, Depends(session_at_least(TrustLevel.SUBSTANTIAL, refusal=_too_low))
    ],
) -> dict[str, str]:
    return {"level": session.level.label}


@router.get("/_deps/staff")
def staff(
    member: Annotated[
        StaffMember,
        Depends(staff_with_role(ROLE, view="/_deps/staff", second_factor=_no_bound_second_factor)),
    ],
) -> dict[str, object]:
    return {"account": member.account_id, "administrations": list(member.administrations)}


@pytest.fixture
def deps_client(app_client: TestClient) -> TestClient:
    app_client.app.include_router(router)  # type: ignore[attr-defined]
    return app_client


def _signed_in(provider: Provider, level: TrustLevel, amr: list[str]) -> tuple[str, str]:
    """(account id, session cookie value) of a new account's browser session."""
    account_id = account_id_of(provider, make_account(provider))
    cookie, _ = start_browser_session(
        provider.sessions, account_id=account_id, level=level, amr=amr, now=provider.clock.now()
    )
    return account_id, cookie


def test_every_dependency_of_a_request_shares_its_one_database_session(
    deps_client: TestClient,
) -> None:
    response = deps_client.get("/_deps/db")
    assert response.json() == {"same": True, "signed_in": False}


def test_a_page_at_a_minimum_level_sends_a_browser_without_session_to_the_login(
    deps_client: TestClient,
) -> None:
    response = deps_client.get("/_deps/substantial", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_a_page_at_a_minimum_level_refuses_a_lower_session_with_the_pages_refusal(
    deps_client: TestClient, provider: Provider
) -> None:
    _, low = _signed_in(provider, TrustLevel.LOW, ["pwd"])
    deps_client.cookies.set("sk_session", low)
    response = deps_client.get("/_deps/substantial")
    assert response.status_code == 403
    assert "Kein Zugriff" in response.text

    _, high = _signed_in(provider, TrustLevel.HIGH, ["hwk", "pin"])
    deps_client.cookies.set("sk_session", high)
    response = deps_client.get("/_deps/substantial")
    assert response.json() == {"level": "high"}


def test_staff_dependency_gives_the_administrations_where_the_role_is_held(
    deps_client: TestClient, provider: Provider
) -> None:
    account_id, cookie = _signed_in(provider, TrustLevel.SUBSTANTIAL, ["pwd", "otp"])
    give_roles(provider, account_id, [ROLE], "vg-zell")
    give_roles(provider, account_id, [ROLE], "vg-bernkastel")
    give_roles(provider, account_id, ["letter_dispatch"], "vg-traben")

    deps_client.cookies.set("sk_session", cookie)

    response = deps_client.get("/_deps/staff")

    assert response.json() == {
        "account": account_id,
        "administrations": ["vg-bernkastel", "vg-zell"],
    }


def test_staff_dependency_refuses_another_role_and_a_password_only_session(
    deps_client: TestClient, provider: Provider
) -> None:
    other_role, cookie = _signed_in(provider, TrustLevel.SUBSTANTIAL, ["pwd", "otp"])
    give_roles(provider, other_role, ["letter_dispatch"])
    deps_client.cookies.set("sk_session", cookie)
    response = deps_client.get("/_deps/staff")
    assert response.status_code == 403
    assert "Kein Zugriff" in response.text

    password_only, cookie = _signed_in(provider, TrustLevel.LOW, ["pwd"])
    give_roles(provider, password_only, [ROLE])
    deps_client.cookies.set("sk_session", cookie)
    response = deps_client.get("/_deps/staff")
    assert response.status_code == 403

    deps_client.cookies.clear()
    response = deps_client.get("/_deps/staff", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/_deps/staff"


def test_login_required_returns_to_a_local_next_page() -> None:
    assert LoginRequired().location == "/login"
    assert LoginRequired("/staff/letters").location == "/login?next=/staff/letters"


def test_a_posted_form_reads_the_first_value_and_keeps_every_repeated_one() -> None:
    form = Form([("claims", "email"), ("decision", "allow"), ("claims", "address")])
    assert form["claims"] == "email"
    assert form.get("decision") == "allow"
    assert form.all("claims") == ["email", "address"]
    assert form.all("missing") == []
