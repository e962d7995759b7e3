"""The last admin of an active organisation cannot delete their account (as they cannot leave):
the deletion page names the organisation and says what to do first; once another member is
admin, the deletion goes through. A closed organisation does not hold the account back."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.companies import members, review
from servicekonto.db.models import Account, AuditEvent
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import REGISTRATION_OFFICER, REGISTRATION_SUPERVISOR
from tests.companies import factories
from tests.support import PASSWORD, Browser, account_id_of, make_account

PAGE = "/account/delete"


def sign_in(browser: Browser, email: str) -> None:
    page = browser.get("/login")
    assert browser.post_form("/login", {"username": email, "password": PASSWORD},
                             page).status_code == 303


def firm_of(provider: Provider) -> tuple[str, str]:
    """An organisation activated by a person with a password; (organisation id, their email)."""
    now = provider.clock.now()
    factories.seed_region(provider.sessions)
    email = make_account(provider)
    officer = factories.staff(provider.sessions, now, "vg-cochem")
    return factories.activated(provider.sessions, now, account_id_of(provider, email),
                               officer), email


def exists(provider: Provider, account_id: str) -> bool:
    with provider.sessions() as db:
        return db.scalar(select(Account.id).where(Account.id == account_id)) is not None


def test_the_last_admin_is_told_what_to_do_and_the_deletion_is_refused(
    app_client: TestClient, provider: Provider, browser: Browser,
) -> None:
    organisation_id, email = firm_of(provider)
    account_id = account_id_of(provider, email)
    sign_in(browser, email)

    page = browser.get(PAGE)
    assert page.status_code == 409
    assert "Ihr Konto kann noch nicht gelöscht werden" in page.text
    assert "Moselweingut Beispiel GmbH" in page.text
    assert f'href="/organizations/{organisation_id}"' in page.text
    assert "anderes Mitglied zur Administratorin oder zum Administrator" in page.text
    assert 'name="password"' not in page.text

    # A post anyway (an old form) is refused the same way; nothing is deleted.
    refused = browser.post_form(PAGE, {"password": PASSWORD}, browser.get("/account"))
    assert refused.status_code == 409
    assert "Moselweingut Beispiel GmbH" in refused.text
    assert exists(provider, account_id)
    with provider.sessions() as db:
        event = db.scalars(select(AuditEvent).where(
            AuditEvent.event == "account.delete_refused")).one()
    assert event.details == {"reason": "last_admin", "organisations": [organisation_id]}


def test_with_another_admin_the_account_is_deleted(
    app_client: TestClient, provider: Provider, browser: Browser,
) -> None:
    organisation_id, email = firm_of(provider)
    account_id = account_id_of(provider, email)
    colleague = factories.person(provider.sessions, provider.clock.now())
    with provider.sessions() as db:
        members.add_member(db, organisation_id=organisation_id, account_id=colleague,
                           role=members.ADMIN, now=provider.clock.now(), actor=account_id)
        db.commit()
    sign_in(browser, email)

    page = browser.get(PAGE)
    assert page.status_code == 200 and 'name="password"' in page.text
    deleted = browser.post_form(PAGE, {"password": PASSWORD}, page)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/account/deleted"
    assert not exists(provider, account_id)
    assert factories.state_of(provider.sessions, organisation_id) == "activated"


@pytest.mark.postgres
def test_sole_admin_of_counts_active_organisations_only(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime,
) -> None:
    officer = factories.staff(sessions, now, "vg-cochem", REGISTRATION_OFFICER,
                              REGISTRATION_SUPERVISOR)
    admin = factories.person(sessions, now)
    organisation_id = factories.activated(sessions, now, admin, officer)
    with sessions() as db:
        [sole] = members.sole_admin_of(db, account_id=admin)
        db.commit()
    assert sole.organisation_id == organisation_id and sole.name == "Moselweingut Beispiel GmbH"

    # Closed for good: nobody acts for it any more, so it holds nobody back.
    with sessions() as db:
        review.close(db, staff_id=officer, organisation_id=organisation_id,
                     reason="Aus dem Register gelöscht.", now=now)
        db.commit()
    with sessions() as db:
        assert members.sole_admin_of(db, account_id=admin) == []
        db.commit()
