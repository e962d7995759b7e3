"""The Befugnis at login (issue 12 item 6; DESIGN §5 order login → step-up → Befugnis → consent,
§9 radio `acting_as` = `self` | `org:<id>`, scope `organization`) and what ends it (item 7).

Test names cite the section they prove: OIDC Core §3.1.2.1 (`prompt`), §3.1.2.6 (errors under
`prompt=none`), §5.3 (userinfo), §2 (ID token), §8.1 (pairwise identifiers), OpenID Connect for
Identity Assurance 1.0 §5 (`verified_claims`), RFC 7662 §2.2 (introspection `active`), RFC 6749
§5.2 (`invalid_grant`), OpenID Connect Back-Channel Logout 1.0 §2.5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.companies import members, review
from servicekonto.db.models import Authorization, BrowserSession, Consent, OutboxMessage
from servicekonto.db.outbox import BACKCHANNEL_LOGOUT
from servicekonto.mail.service import MAIL
from servicekonto.oidc.provider import Provider
from servicekonto.postfach.recipients import resolve
from servicekonto.postfach.schemas import Recipient
from servicekonto.staff.service import REGISTRATION_SUPERVISOR
from tests.companies.factories import activated, seed_region, staff
from tests.protocol.test_resource_endpoints import introspect
from tests.support import (
    FORM_ACTION,
    Browser,
    Rp,
    account_id_of,
    callback_params,
    consent_through_page,
    decode_jwt,
    login_through_pages,
    make_account,
    make_client,
)

ORG_SCOPES = ["openid", "profile", "email", "address", "offline_access", "organization"]
SCOPE = "openid profile organization"
ORGANISATION_CLAIMS = {
    "organization",
    "organization_type",
    "organization_name",
    "organization_legal_form",
    "organization_legal_form_text",
    "organization_register",
    "organization_address",
    "organization_role",
}


@dataclass
class Firm:
    """An activated GmbH in Cochem whose admin (the applicant) can log in with a password."""

    id: str
    admin_email: str
    admin_id: str
    officer: str


def firm(provider: Provider, **overrides: str) -> Firm:
    now = provider.clock.now()
    seed_region(provider.sessions)
    officer = staff(provider.sessions, now, "vg-cochem")
    email = make_account(provider)
    admin_id = account_id_of(provider, email)
    organisation_id = activated(provider.sessions, now, admin_id, officer, **overrides)
    return Firm(organisation_id, email, admin_id, officer)


def org_rp(app_client: TestClient, provider: Provider, **overrides: Any) -> Rp:
    return Rp(app_client, make_client(provider, scopes=ORG_SCOPES, **overrides))


def to_befugnis(browser: Browser, rp: Rp, email: str, **extra: str) -> httpx.Response:
    """Authorize with scope `organization` and log in: the next page (the Befugnis prompt)."""
    start = browser.get(rp.authorize_url(scope=extra.pop("scope", SCOPE), **extra))
    return browser.follow(login_through_pages(browser, start, email))


def choose(browser: Browser, page: httpx.Response, value: str) -> httpx.Response:
    assert 'name="acting_as"' in page.text, page.text[:500]
    action = FORM_ACTION.search(page.text)
    assert action and action.group(1).endswith("/acting-as")
    return browser.post_form(action.group(1), {"acting_as": value}, page)


def tokens_for(browser: Browser, rp: Rp, page: httpx.Response) -> dict[str, Any]:
    """From the consent page (or a redirect to the client): consent, redeem the code."""
    if page.status_code == 200:
        page = consent_through_page(browser, page)
    params = callback_params(page)
    assert "code" in params, params
    response = rp.redeem(params["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def userinfo(app_client: TestClient, access_token: str) -> dict[str, Any]:
    response = app_client.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def acting_for_org(
    app_client: TestClient, browser: Browser, rp: Rp, the_firm: Firm, scope: str = SCOPE
) -> dict[str, Any]:
    page = to_befugnis(browser, rp, the_firm.admin_email, scope=scope)
    page = browser.follow(choose(browser, page, f"org:{the_firm.id}"))
    return tokens_for(browser, rp, page)


# -- the prompt -----------------------------------------------------------------------------------


def test_design_5_the_befugnis_is_asked_after_login_and_before_consent(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)

    page = to_befugnis(browser, rp, the_firm.admin_email)

    assert page.status_code == 200
    assert 'name="decision"' not in page.text  # not the consent page yet
    assert re.findall(r'name="acting_as" value="([^"]+)"', page.text) == [
        "self",
        f"org:{the_firm.id}",
    ]
    assert 'name="csrf_token"' in page.text
    assert "für Moselweingut Beispiel GmbH" in page.text
    assert "als Administrator/in" in page.text


def test_design_9_a_forged_acting_as_value_is_refused_and_the_prompt_shown_again(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """Another organisation's id (the person is no member) or garbage: 400, the same page."""
    the_firm = firm(provider)
    outsider_org = activated(
        provider.sessions, provider.clock.now(), account_id_of(provider, make_account(provider)),
        the_firm.officer, name="Andere GmbH", register_number="HRB 999",
    )
    rp = org_rp(app_client, provider)
    page = to_befugnis(browser, rp, the_firm.admin_email)

    for value in (f"org:{outsider_org}", "org:", "admin", ""):
        refused = choose(browser, page, value)
        assert refused.status_code == 400, value
        assert "Bitte wählen Sie, für wen Sie handeln." in refused.text
    with provider.sessions() as db:
        assert db.scalars(select(BrowserSession.acting_as)).all() == [None]


def test_oidc_core_3_1_2_1_the_choice_is_remembered_and_select_account_asks_again(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    acting_for_org(app_client, browser, rp, the_firm)

    # the same session, the next request: no prompt, no consent, straight back with a code
    again = browser.follow(browser.get(rp.authorize_url(scope=SCOPE)))
    assert "code" in callback_params(again)

    # select_account: a new login, and the new session asks for the Befugnis again
    start = browser.get(rp.authorize_url(scope=SCOPE, prompt="select_account"))
    page = browser.follow(login_through_pages(browser, start, the_firm.admin_email))
    assert 'name="acting_as"' in page.text


def test_design_8_a_befugnis_switch_gives_the_session_cookie_a_new_value(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    page = to_befugnis(browser, rp, the_firm.admin_email)
    before = app_client.cookies.get("sk_session")
    assert before
    with provider.sessions() as db:
        sid_before = db.scalars(select(BrowserSession.sid)).one()

    response = choose(browser, page, f"org:{the_firm.id}")

    assert response.status_code == 303
    name, _, value = response.headers["set-cookie"].split(";", 1)[0].partition("=")
    assert name == "sk_session" and value and value != before
    with provider.sessions() as db:
        row = db.scalars(select(BrowserSession)).one()
        assert (row.sid, row.acting_as) == (sid_before, the_firm.id)  # the same session


def test_oidc_core_3_1_2_6_prompt_none_needing_a_choice_is_interaction_required(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """A session without a Befugnis (logged in at a client without `organization`)."""
    the_firm = firm(provider)
    plain = Rp(app_client, make_client(provider))
    start = browser.get(plain.authorize_url(scope="openid"))
    page = browser.follow(login_through_pages(browser, start, the_firm.admin_email))
    tokens_for(browser, plain, page)
    rp = org_rp(app_client, provider)

    params = callback_params(browser.get(rp.authorize_url(scope=SCOPE, prompt="none")))

    assert params["error"] == "interaction_required"
    assert params["state"] == rp.state


def test_oidc_core_3_1_2_6_a_consent_of_another_befugnis_is_consent_required(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """Consent is per (account, client, acting_as): the personal one does not cover the firm,
    and the firm's, given later, does not replace the personal one (migration 0017)."""
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    page = to_befugnis(browser, rp, the_firm.admin_email)
    tokens_for(browser, rp, browser.follow(choose(browser, page, "self")))
    start = browser.get(rp.authorize_url(scope=SCOPE, prompt="select_account"))
    page = browser.follow(login_through_pages(browser, start, the_firm.admin_email))
    page = browser.follow(choose(browser, page, f"org:{the_firm.id}"))

    assert 'name="decision"' in page.text  # asked again, for the organisation
    assert "Angaben zur Organisation, für die Sie handeln" in page.text
    tokens_for(browser, rp, page)
    with provider.sessions() as db:
        kept = db.scalars(select(Consent.acting_as)).all()
    assert sorted(kept, key=lambda a: a or "") == [None, the_firm.id]

    # personally again: the personal consent still covers it, so prompt=none issues a code
    start = browser.get(rp.authorize_url(scope=SCOPE, prompt="select_account"))
    page = browser.follow(login_through_pages(browser, start, the_firm.admin_email))
    choose(browser, page, "self")
    params = callback_params(browser.get(rp.authorize_url(scope=SCOPE, prompt="none")))
    assert "error" not in params and params["code"]

    # a firm the person has not consented for: consent_required under prompt=none
    other = activated(provider.sessions, provider.clock.now(), the_firm.admin_id,
                      the_firm.officer, name="Zweite Beispiel GmbH", register_number="HRB 9876 B")
    start = browser.get(rp.authorize_url(scope=SCOPE, prompt="select_account"))
    page = browser.follow(login_through_pages(browser, start, the_firm.admin_email))
    choose(browser, page, f"org:{other}")
    params = callback_params(browser.get(rp.authorize_url(scope=SCOPE, prompt="none")))
    assert params["error"] == "consent_required"


def test_no_membership_no_prompt_and_a_personal_grant(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    firm(provider)  # somebody else's
    email = make_account(provider)
    rp = org_rp(app_client, provider)

    page = to_befugnis(browser, rp, email)

    assert 'name="acting_as"' not in page.text and 'name="decision"' in page.text
    tokens = tokens_for(browser, rp, page)
    assert not ORGANISATION_CLAIMS & set(userinfo(app_client, tokens["access_token"]))
    with provider.sessions() as db:
        assert db.scalars(select(Authorization.acting_as)).all() == [None]


def test_a_member_not_allowed_for_the_client_is_not_asked(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """Berechtigungssteuerung: a `member` acts only at clients an admin allowed."""
    the_firm = firm(provider)
    email = make_account(provider)
    with provider.sessions() as db:
        members.add_member(db, organisation_id=the_firm.id,
                           account_id=account_id_of(provider, email), role=members.MEMBER,
                           now=provider.clock.now(), actor="test")
        db.commit()
    rp = org_rp(app_client, provider)

    page = to_befugnis(browser, rp, email)

    assert 'name="acting_as"' not in page.text and 'name="decision"' in page.text


# -- the claims -----------------------------------------------------------------------------------


def test_oidc_core_2_and_5_3_acting_for_the_organisation_id_token_and_userinfo_carry_it(
    app_client: TestClient, browser: Browser, provider: Provider, jwks: dict[str, Any]
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    page = to_befugnis(browser, rp, the_firm.admin_email)
    page = browser.follow(choose(browser, page, f"org:{the_firm.id}"))
    # the consent page lists the organisation's claims with their values
    for shown in ("Moselweingut Beispiel GmbH", "HRB 1234 B, Amtsgericht Koblenz",
                  "Moselweinstraße 12a, 56812 Cochem", "Administrator/in", "Rechtsform"):
        assert shown in page.text, shown

    tokens = tokens_for(browser, rp, page)
    _header, id_token = decode_jwt(tokens["id_token"], jwks)
    info = userinfo(app_client, tokens["access_token"])

    for claims in (id_token, info):
        assert set(claims) >= ORGANISATION_CLAIMS, claims
        assert claims["organization_name"] == "Moselweingut Beispiel GmbH"
        assert claims["organization_type"] == "company"
        assert claims["organization_legal_form"] == "gmbh"
        assert claims["organization_legal_form_text"] == "GmbH"
        assert claims["organization_register"] == {
            "type": "HRB", "number": "1234 B", "court": "Amtsgericht Koblenz",
        }
        assert claims["organization_address"] == {
            "street_address": "Moselweinstraße 12a", "postal_code": "56812",
            "locality": "Cochem", "country": "DE",
        }
        assert claims["organization_role"] == "admin"
        assert claims["organization"] not in (the_firm.id, claims["sub"])
    assert id_token["organization"] == info["organization"]


def test_ida_5_the_organisation_verified_claims_name_the_review(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    info = userinfo(app_client, acting_for_org(app_client, browser, rp, the_firm)["access_token"])

    verified = info["verified_claims"]
    assert isinstance(verified, dict)  # one element: no person claims were asked for
    verification = verified["verification"]
    assert verification["trust_framework"] == "de_servicekonto_registrierungsstelle"
    assert verification["verifier"] == {"organization": "Verbandsgemeinde Cochem"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", verification["time"])
    assert verification["evidence"] == [{
        "type": "document",
        "time": verification["time"],
        "check_details": [{"check_method": "vri", "organization": "Verbandsgemeinde Cochem"}],
        "document_details": {"type": "handelsregisterauszug"},
    }]
    assert verified["claims"]["organization_name"] == "Moselweingut Beispiel GmbH"
    assert "organization_role" not in verified["claims"]  # the role is ours, not reviewed


def test_oidc_core_8_1_the_organisation_id_is_pairwise_per_sector(
    app_client: TestClient, provider: Provider
) -> None:
    the_firm = firm(provider)
    ids = []
    for redirect in ("https://a.example/cb", "https://b.example/cb"):
        rp = org_rp(app_client, provider, redirect_uris=[redirect])
        browser = Browser(app_client)
        app_client.cookies.clear()
        ids.append(userinfo(app_client, acting_for_org(app_client, browser, rp, the_firm)[
            "access_token"])["organization"])
    assert ids[0] != ids[1]
    assert the_firm.id not in ids


def test_acting_personally_releases_no_organisation_claims(
    app_client: TestClient, browser: Browser, provider: Provider, jwks: dict[str, Any]
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    page = to_befugnis(browser, rp, the_firm.admin_email)
    page = browser.follow(choose(browser, page, "self"))
    assert "Angaben zur Organisation" not in page.text

    tokens = tokens_for(browser, rp, page)
    _header, id_token = decode_jwt(tokens["id_token"], jwks)
    info = userinfo(app_client, tokens["access_token"])
    assert not ORGANISATION_CLAIMS & (set(id_token) | set(info))
    assert "verified_claims" not in info


def test_a_client_without_the_organization_scope_never_sees_any_of_it(
    app_client: TestClient, browser: Browser, provider: Provider, jwks: dict[str, Any]
) -> None:
    """The session acts for the firm (chosen at another client); this client did not ask."""
    the_firm = firm(provider)
    acting_for_org(app_client, browser, org_rp(app_client, provider), the_firm)
    other = org_rp(app_client, provider)  # registered for it, but asks without it
    page = browser.follow(browser.get(other.authorize_url(scope="openid profile")))
    assert 'name="acting_as"' not in page.text

    tokens = tokens_for(browser, other, page)
    _header, id_token = decode_jwt(tokens["id_token"], jwks)
    info = userinfo(app_client, tokens["access_token"])
    assert not ORGANISATION_CLAIMS & (set(id_token) | set(info))
    with provider.sessions() as db:
        grant = db.scalars(
            select(Authorization).where(Authorization.client_id == other.client.client_id)
        ).one()
        assert grant.acting_as is None


# -- what ends it ---------------------------------------------------------------------------------


def _refresh(rp: Rp, token: str) -> httpx.Response:
    return rp.token(grant_type="refresh_token", refresh_token=token)


def test_rfc7662_and_rfc6749_5_2_suspension_revokes_every_grant_acting_for_the_organisation(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    acting = acting_for_org(app_client, browser, rp, the_firm, SCOPE + " offline_access")
    # a personal grant of the same person at another client stays
    app_client.cookies.clear()
    personal_rp = org_rp(app_client, provider)
    page = to_befugnis(browser, personal_rp, the_firm.admin_email, scope=SCOPE + " offline_access")
    personal = tokens_for(browser, personal_rp, browser.follow(choose(browser, page, "self")))
    supervisor = staff(provider.sessions, provider.clock.now(), "vg-cochem",
                       REGISTRATION_SUPERVISOR)

    with provider.sessions() as db:
        review.suspend(db, staff_id=supervisor, organisation_id=the_firm.id,
                       reason="Löschung im Handelsregister", now=provider.clock.now())
        db.commit()

    assert introspect(app_client, rp.client, acting["access_token"]) == {"active": False}
    refused = _refresh(rp, acting["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    invalid = app_client.get(
        "/userinfo", headers={"Authorization": f"Bearer {acting['access_token']}"}
    )
    assert invalid.status_code == 401
    assert introspect(app_client, personal_rp.client, personal["access_token"])["active"] is True
    with provider.sessions() as db:
        outbox = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    logouts = [m.payload for m in outbox if m.kind == BACKCHANNEL_LOGOUT]
    assert [(p["client_id"], p["account_id"], p["reason"]) for p in logouts] == [
        (rp.client.client_id, the_firm.admin_id, "organisation_suspended")
    ]
    assert logouts[0]["sid"]
    mails = [m.payload for m in outbox if m.kind == MAIL and "gesperrt" in m.payload["subject"]]
    assert [m["to"] for m in mails] == [the_firm.admin_email]
    assert "Löschung im Handelsregister" in mails[0]["body"]


def test_back_channel_logout_2_5_closing_revokes_and_the_choice_no_longer_counts(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    acting = acting_for_org(app_client, browser, rp, the_firm)
    supervisor = staff(provider.sessions, provider.clock.now(), "vg-cochem",
                       REGISTRATION_SUPERVISOR)

    with provider.sessions() as db:
        review.close(db, staff_id=supervisor, organisation_id=the_firm.id,
                     reason="Gewerbe abgemeldet", now=provider.clock.now())
        db.commit()

    assert introspect(app_client, rp.client, acting["access_token"]) == {"active": False}
    # the session still names the firm, but it is no choice any more: personal, no prompt
    page = browser.follow(browser.get(rp.authorize_url(scope=SCOPE)))
    assert 'name="acting_as"' not in page.text
    tokens = tokens_for(browser, rp, page)
    assert not ORGANISATION_CLAIMS & set(userinfo(app_client, tokens["access_token"]))


def test_removing_a_member_revokes_only_that_members_grants_for_the_organisation(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    colleague_email = make_account(provider)
    colleague = account_id_of(provider, colleague_email)
    with provider.sessions() as db:
        members.add_member(db, organisation_id=the_firm.id, account_id=colleague,
                           role=members.ADMIN, now=provider.clock.now(), actor="test")
        db.commit()
    rp = org_rp(app_client, provider)
    admin_tokens = acting_for_org(app_client, browser, rp, the_firm)
    app_client.cookies.clear()
    colleague_tokens = acting_for_org(
        app_client, browser, rp, Firm(the_firm.id, colleague_email, colleague, the_firm.officer)
    )

    with provider.sessions() as db:
        members.remove_member(db, organisation_id=the_firm.id, admin_id=the_firm.admin_id,
                              member_account_id=colleague, now=provider.clock.now())
        db.commit()

    assert introspect(app_client, rp.client, colleague_tokens["access_token"]) == {"active": False}
    assert introspect(app_client, rp.client, admin_tokens["access_token"])["active"] is True
    with provider.sessions() as db:
        reasons = [m.payload["reason"] for m in db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == BACKCHANNEL_LOGOUT))]
    assert reasons == ["organisation_membership_ended"]


def test_withdrawing_a_client_permission_revokes_the_members_grants_at_that_client(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    member_email = make_account(provider)
    member = account_id_of(provider, member_email)
    now = provider.clock.now()
    with provider.sessions() as db:
        members.add_member(db, organisation_id=the_firm.id, account_id=member,
                           role=members.MEMBER, now=now, actor="test")
        members.set_client_permissions(db, organisation_id=the_firm.id,
                                       admin_id=the_firm.admin_id, member_account_id=member,
                                       client_ids=[rp.client.client_id], now=now)
        db.commit()
    tokens = acting_for_org(
        app_client, browser, rp, Firm(the_firm.id, member_email, member, the_firm.officer),
        SCOPE + " offline_access",
    )
    assert userinfo(app_client, tokens["access_token"])["organization_role"] == "member"

    with provider.sessions() as db:
        members.set_client_permissions(db, organisation_id=the_firm.id,
                                       admin_id=the_firm.admin_id, member_account_id=member,
                                       client_ids=[], now=now)
        db.commit()

    assert introspect(app_client, rp.client, tokens["access_token"]) == {"active": False}
    refused = _refresh(rp, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_demoting_an_admin_revokes_grants_at_clients_a_member_may_not_use(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """A role change is a permission change: as `member` only the allowed clients remain."""
    the_firm = firm(provider)
    colleague_email = make_account(provider)
    colleague = account_id_of(provider, colleague_email)
    now = provider.clock.now()
    allowed, other = org_rp(app_client, provider), org_rp(app_client, provider)
    with provider.sessions() as db:
        members.add_member(db, organisation_id=the_firm.id, account_id=colleague,
                           role=members.ADMIN, now=now, actor="test")
        members.set_client_permissions(db, organisation_id=the_firm.id,
                                       admin_id=the_firm.admin_id, member_account_id=colleague,
                                       client_ids=[allowed.client.client_id], now=now)
        db.commit()
    as_colleague = Firm(the_firm.id, colleague_email, colleague, the_firm.officer)
    kept = acting_for_org(app_client, browser, allowed, as_colleague)
    app_client.cookies.clear()
    lost = acting_for_org(app_client, browser, other, as_colleague)

    with provider.sessions() as db:
        members.set_role(db, organisation_id=the_firm.id, admin_id=the_firm.admin_id,
                         member_account_id=colleague, role=members.MEMBER, now=now)
        db.commit()

    assert introspect(app_client, other.client, lost["access_token"]) == {"active": False}
    assert introspect(app_client, allowed.client, kept["access_token"])["active"] is True
    assert userinfo(app_client, kept["access_token"])["organization_role"] == "member"


def test_a_member_who_leaves_loses_their_grants_for_the_organisation(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    the_firm = firm(provider)
    colleague_email = make_account(provider)
    colleague = account_id_of(provider, colleague_email)
    with provider.sessions() as db:
        members.add_member(db, organisation_id=the_firm.id, account_id=colleague,
                           role=members.ADMIN, now=provider.clock.now(), actor="test")
        db.commit()
    rp = org_rp(app_client, provider)
    tokens = acting_for_org(
        app_client, browser, rp, Firm(the_firm.id, colleague_email, colleague, the_firm.officer)
    )

    with provider.sessions() as db:
        members.leave(db, organisation_id=the_firm.id, account_id=colleague,
                      now=provider.clock.now())
        db.commit()

    assert introspect(app_client, rp.client, tokens["access_token"]) == {"active": False}


def test_the_released_organisation_id_addresses_its_postfach(
    app_client: TestClient, browser: Browser, provider: Provider
) -> None:
    """The `organization` claim is the recipient a client names to write to the firm."""
    the_firm = firm(provider)
    rp = org_rp(app_client, provider)
    released = userinfo(
        app_client, acting_for_org(app_client, browser, rp, the_firm)["access_token"]
    )["organization"]

    with provider.sessions() as db:
        found = resolve(db, client_id=rp.client.client_id,
                        recipient=Recipient(organization=released))
    assert found.organisation_id == the_firm.id
