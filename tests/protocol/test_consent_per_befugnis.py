"""Consent per Befugnis (issue 12, migration 0017): one consent per (account, client, acting_as)
with NULL (personal) as one value of the key — on SQLite and PostgreSQL alike (this suite runs on
both). Consenting for the organisation keeps the personal consent; the account page lists one
line per Befugnis; revoking one revokes only the grants issued under it (RFC 7009 seen through
introspection, RFC 7662)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from servicekonto.consent.service import grant, list_consents
from servicekonto.db.models import Consent
from servicekonto.oidc.provider import Provider
from tests.protocol.test_befugnis import (
    SCOPE,
    Firm,
    choose,
    firm,
    org_rp,
    to_befugnis,
    tokens_for,
)
from tests.protocol.test_resource_endpoints import introspect
from tests.support import Browser, Rp, make_client

CLIENT_NAME = "Fachverfahren Weinbau"
OFFLINE = SCOPE + " offline_access"


def both_befugnisse(
    app_client: TestClient, browser: Browser, provider: Provider
) -> tuple[Firm, Rp, dict[str, str], dict[str, str]]:
    """The firm's admin consents at one client personally, then for the firm: both tokens
    (offline: the second login ends the first session, not its offline grant)."""
    the_firm = firm(provider)
    rp = org_rp(app_client, provider, name=CLIENT_NAME)
    page = to_befugnis(browser, rp, the_firm.admin_email, scope=OFFLINE)
    personal = tokens_for(browser, rp, browser.follow(choose(browser, page, "self")))
    page = to_befugnis(browser, rp, the_firm.admin_email, scope=OFFLINE, prompt="select_account")
    page = browser.follow(choose(browser, page, f"org:{the_firm.id}"))
    assert 'name="decision"' in page.text  # the firm's consent is a consent of its own
    for_firm = tokens_for(browser, rp, page)
    for tokens in (personal, for_firm):  # both alive before anything is revoked
        assert introspect(app_client, rp.client, tokens["refresh_token"])["active"] is True
    return the_firm, rp, personal, for_firm


def test_consenting_for_the_organisation_keeps_the_personal_consent(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm, rp, _, _ = both_befugnisse(app_client, browser, provider)

    with provider.sessions() as db:
        rows = db.execute(select(Consent.acting_as, Consent.scopes)).all()
    assert sorted(a or "" for a, _ in rows) == ["", the_firm.id]
    assert all("organization" in scopes for _, scopes in rows)

    # personally again, with the session's choice made: no consent page, the code comes back
    page = to_befugnis(browser, rp, the_firm.admin_email, prompt="select_account")
    back = browser.follow(choose(browser, page, "self"))
    assert back.status_code in (302, 303) and "code=" in back.headers["location"]


def test_the_key_treats_personal_as_one_value_on_every_database(
    app_client: TestClient, provider: Provider
) -> None:
    """NULLs are distinct in a plain unique index; the COALESCE index makes a second personal
    consent of the same (account, client) a conflict, while another Befugnis is not one."""
    the_firm = firm(provider)
    client = make_client(provider).client_id
    now = provider.clock.now()
    with provider.sessions() as db:
        db.add(Consent(account_id=the_firm.admin_id, client_id=client, scopes=[], claims=[],
                       created_at=now, updated_at=now, acting_as=None))
        db.add(Consent(account_id=the_firm.admin_id, client_id=client, scopes=[], claims=[],
                       created_at=now, updated_at=now, acting_as=the_firm.id))
        db.commit()
        db.add(Consent(account_id=the_firm.admin_id, client_id=client, scopes=[], claims=[],
                       created_at=now, updated_at=now, acting_as=None))
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        db.add(Consent(account_id=the_firm.admin_id, client_id=client, scopes=[], claims=[],
                       created_at=now, updated_at=now, acting_as=the_firm.id))
        with pytest.raises(IntegrityError):
            db.commit()


def test_grant_widens_only_the_consent_of_its_own_befugnis(
    app_client: TestClient, provider: Provider
) -> None:
    the_firm = firm(provider)
    client = make_client(provider).client_id
    now = provider.clock.now()
    with provider.sessions() as db:
        grant(db, account_id=the_firm.admin_id, client_id=client, scopes={"profile"},
              claims={"given_name"}, now=now)
        grant(db, account_id=the_firm.admin_id, client_id=client, scopes={"organization"},
              claims={"organization_name"}, now=now, acting_as=the_firm.id)
        grant(db, account_id=the_firm.admin_id, client_id=client, scopes={"email"},
              claims={"email"}, now=now + timedelta(minutes=1))
        db.commit()
        assert db.scalar(select(func.count()).select_from(Consent)) == 2
        views = list_consents(db, account_id=the_firm.admin_id)
    personal, for_firm = views
    assert personal.acting_as is None and personal.organisation_name is None
    assert personal.scopes == ["email", "profile"]
    assert personal.claims == ["email", "given_name"]
    assert for_firm.acting_as == the_firm.id
    assert for_firm.organisation_name == "Moselweingut Beispiel GmbH"
    assert for_firm.scopes == ["organization"] and for_firm.claims == ["organization_name"]


def _consent_cards(page: str) -> list[str]:
    return re.findall(r'<li class="card">(.*?)</li>', page, re.S)


def test_the_account_page_lists_and_revokes_one_line_per_befugnis(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm, rp, personal, for_firm = both_befugnisse(app_client, browser, provider)

    page = browser.get("/account")
    cards = [c for c in _consent_cards(page.text) if CLIENT_NAME in c]
    assert len(cards) == 2
    assert "persönlich, als Privatperson" in cards[0]
    assert "für Moselweingut Beispiel GmbH" in cards[1]
    assert f"{CLIENT_NAME}, für Moselweingut Beispiel GmbH</span>" in cards[1]
    action = re.search(r'action="(/account/consents/[^"]+/revoke)"', cards[1])
    assert action

    revoked = browser.post_form(action.group(1), {}, page)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/account?notice=revoked"

    with provider.sessions() as db:
        assert db.scalars(select(Consent.acting_as)).all() == [None]
    assert introspect(app_client, rp.client, for_firm["refresh_token"])["active"] is False
    assert introspect(app_client, rp.client, personal["refresh_token"])["active"] is True
    cards = [c for c in _consent_cards(browser.get("/account").text) if CLIENT_NAME in c]
    assert len(cards) == 1 and "persönlich, als Privatperson" in cards[0]

    # the firm's consent is asked for again; the personal one still covers a personal login
    page = to_befugnis(browser, rp, the_firm.admin_email, prompt="select_account")
    assert 'name="decision"' in browser.follow(
        choose(browser, page, f"org:{the_firm.id}")).text


def test_revoking_the_personal_consent_leaves_the_organisations(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    _, rp, personal, for_firm = both_befugnisse(app_client, browser, provider)
    page = browser.get("/account")
    cards = [c for c in _consent_cards(page.text) if CLIENT_NAME in c]
    action = re.search(r'action="(/account/consents/[^"]+/revoke)"', cards[0])
    assert action and "persönlich, als Privatperson" in cards[0]

    assert browser.post_form(action.group(1), {}, page).status_code == 303

    assert introspect(app_client, rp.client, personal["refresh_token"])["active"] is False
    assert introspect(app_client, rp.client, for_firm["refresh_token"])["active"] is True
