"""Issue 12 item 3, the administration admin: the page `/staff/administration` and the JSON API
`/api/v1/staff/administration/staff` manage the staff of *their* administration only (404 for
another one's, by slug and by account id), need the role and a second factor bound to the
person (a password-only session or token is refused), and switch four-eyes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from servicekonto.clock import FixedClock
from servicekonto.db.models import Administration, AuditEvent
from servicekonto.oidc.provider import Provider
from servicekonto.staff.service import (
    ADMINISTRATION_ADMIN,
    LETTER_DISPATCH,
    REGISTRATION_OFFICER,
    roles_of,
)
from tests.companies.factories import seed_region
from tests.letters.test_dispatch_access import enrol_totp, enter_code, log_in
from tests.support import (
    Browser,
    Rp,
    account_id_of,
    full_login,
    give_roles,
    make_account,
    make_client,
)

VIEW = "/staff/administration"
API = "/api/v1/staff/administration/staff"

pytestmark = pytest.mark.postgres


@dataclass
class Admin:
    email: str
    account_id: str
    secret: bytes


@pytest.fixture
def admin(app_client: TestClient, provider: Provider, clock: FixedClock) -> Admin:
    """The administration admin of VG Cochem, with a bound authenticator app."""
    seed_region(provider.sessions)
    email = make_account(provider, "admin@vg-cochem.example")
    account_id = account_id_of(provider, email)
    give_roles(provider, account_id, [ADMINISTRATION_ADMIN], "vg-cochem")
    return Admin(email, account_id, enrol_totp(app_client, provider, clock, account_id))


def sign_in(browser: Browser, clock: FixedClock, admin: Admin) -> None:
    log_in(browser, admin.email)
    assert enter_code(browser, admin.secret, clock).status_code == 303


def staff_at(provider: Provider, slug: str, role: str = REGISTRATION_OFFICER) -> tuple[str, str]:
    """A person with `role` at administration `slug`: (e-mail, id)."""
    email = make_account(provider)
    account_id = account_id_of(provider, email)
    give_roles(provider, account_id, [role], slug)
    return email, account_id


def roles(provider: Provider, account_id: str) -> list[tuple[str, str]]:
    with provider.sessions() as db:
        return roles_of(db, account_id=account_id)


def bearer(
    app_client: TestClient, provider: Provider, browser: Browser, email: str
) -> dict[str, str]:
    """The person's access token with scope `account`, from the browser's current session."""
    rp = Rp(app_client, make_client(provider, scopes=["openid", "staff"]))
    params = full_login(browser, rp, email, scope="openid staff")
    token = rp.redeem(params["code"]).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


# -- the page ------------------------------------------------------------------------------------


def test_the_page_lists_adds_and_removes_staff_of_the_own_administration(
    provider: Provider, browser: Browser, clock: FixedClock, admin: Admin
) -> None:
    colleague, colleague_id = staff_at(provider, "vg-cochem")
    outsider, _ = staff_at(provider, "vg-zell")
    sign_in(browser, clock, admin)

    page = browser.get(VIEW)
    assert page.status_code == 200
    assert "Beschäftigte: Verbandsgemeinde Cochem" in page.text
    assert colleague in page.text and admin.email in page.text
    assert outsider not in page.text

    existing = make_account(provider, "sachbearbeitung@vg-cochem.example")
    added = browser.post_form(f"{VIEW}/staff", {"email": existing, "role": LETTER_DISPATCH}, page)
    assert added.headers["location"] == f"{VIEW}?notice=added"
    assert roles(provider, account_id_of(provider, existing)) == [("vg-cochem", LETTER_DISPATCH)]

    new = browser.post_form(f"{VIEW}/staff",
                            {"email": "neu@vg-cochem.example", "role": REGISTRATION_OFFICER}, page)
    assert new.status_code == 200
    assert "Einmalpasswort" in new.text and "Sie werden nur jetzt angezeigt." in new.text

    removed = browser.post_form(f"{VIEW}/staff/remove",
                                {"account_id": colleague_id, "role": REGISTRATION_OFFICER}, page)
    assert removed.headers["location"] == f"{VIEW}?notice=removed"
    assert roles(provider, colleague_id) == []
    with provider.sessions() as db:
        events = [(e.event, e.actor) for e in db.scalars(
            select(AuditEvent).where(AuditEvent.event.like("staff.%")).order_by(AuditEvent.id))]
    assert ("staff.role_revoked", f"account:{admin.account_id}") in events
    assert ("staff.role_granted", f"account:{admin.account_id}") in events


def test_the_page_refuses_bad_input_and_the_own_admin_role(
    provider: Provider, browser: Browser, clock: FixedClock, admin: Admin
) -> None:
    sign_in(browser, clock, admin)
    page = browser.get(VIEW)

    malformed = browser.post_form(f"{VIEW}/staff", {"email": "keine", "role": LETTER_DISPATCH},
                                  page)
    unknown_role = browser.post_form(f"{VIEW}/staff", {"email": "a@b.example", "role": "chef"},
                                     page)
    own = browser.post_form(f"{VIEW}/staff/remove",
                            {"account_id": admin.account_id, "role": ADMINISTRATION_ADMIN}, page)

    assert malformed.status_code == 422 and 'id="email-error"' in malformed.text
    assert unknown_role.status_code == 422 and 'id="role-error"' in unknown_role.text
    assert own.status_code == 409
    assert "Ihre eigene Rolle „Administration der Verwaltung“" in own.text
    assert roles(provider, admin.account_id) == [("vg-cochem", ADMINISTRATION_ADMIN)]


def test_another_administrations_staff_is_404_by_slug_and_by_id(
    provider: Provider, browser: Browser, clock: FixedClock, admin: Admin
) -> None:
    _, outsider_id = staff_at(provider, "vg-zell")
    sign_in(browser, clock, admin)
    page = browser.get(VIEW)

    assert browser.get(f"{VIEW}?administration=vg-zell").status_code == 404
    by_id = browser.post_form(f"{VIEW}/staff/remove",
                              {"account_id": outsider_id, "role": REGISTRATION_OFFICER}, page)
    by_slug = browser.post_form(f"{VIEW}/staff/remove", {
        "account_id": outsider_id, "role": REGISTRATION_OFFICER, "administration": "vg-zell"},
        page)
    added_there = browser.post_form(f"{VIEW}/staff", {
        "email": "x@vg-zell.example", "role": LETTER_DISPATCH, "administration": "vg-zell"}, page)
    four_eyes_there = browser.post_form(f"{VIEW}/four-eyes",
                                        {"four_eyes": "on", "administration": "vg-zell"}, page)

    assert [by_id.status_code, by_slug.status_code, added_there.status_code,
            four_eyes_there.status_code] == [404, 404, 404, 404]
    assert roles(provider, outsider_id) == [("vg-zell", REGISTRATION_OFFICER)]


def test_four_eyes_is_switched_on_and_off(
    provider: Provider, browser: Browser, clock: FixedClock, admin: Admin
) -> None:
    sign_in(browser, clock, admin)

    on = browser.post_form(f"{VIEW}/four-eyes", {"four_eyes": "on"}, browser.get(VIEW))
    assert on.headers["location"] == f"{VIEW}?notice=four_eyes_on"
    page = browser.get(on.headers["location"])
    assert "Eingeschaltet: Eine Genehmigung braucht zwei verschiedene Personen." in page.text
    with provider.sessions() as db:
        assert db.scalar(select(Administration.four_eyes).where(
            Administration.slug == "vg-cochem")) is True
        assert db.scalar(select(Administration.four_eyes).where(
            Administration.slug == "vg-zell")) is False
    off = browser.post_form(f"{VIEW}/four-eyes", {"four_eyes": "off"}, page)
    assert off.headers["location"] == f"{VIEW}?notice=four_eyes_off"
    with provider.sessions() as db:
        assert [e.details for e in db.scalars(select(AuditEvent).where(
            AuditEvent.event == "administration.four_eyes_changed").order_by(AuditEvent.id))] \
            == [{"enabled": True}, {"enabled": False}]


def test_the_page_needs_the_role_a_bound_second_factor_and_the_csrf_token(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock,
    admin: Admin,
) -> None:
    assert browser.get(VIEW).headers["location"] == f"/login?next={VIEW}"
    log_in(browser, admin.email)  # password only
    refused = browser.get(VIEW)
    assert refused.status_code == 403
    assert "Die Verwaltung der Beschäftigten ist nur mit zweitem Faktor möglich" in refused.text
    assert browser.post_form(f"{VIEW}/four-eyes", {"four_eyes": "on"},
                             browser.get("/account")).status_code == 403

    officer = Browser(TestClient(app_client.app, base_url="http://testserver"))
    email, _ = staff_at(provider, "vg-cochem")
    log_in(officer, email)
    assert officer.get(VIEW).status_code == 403  # no administration_admin role

    assert enter_code(browser, admin.secret, clock).status_code == 303
    no_token = app_client.post(f"{VIEW}/four-eyes", content="four_eyes=on", headers={
        "Origin": "http://testserver", "Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False)
    assert no_token.status_code == 403
    with provider.sessions() as db:
        assert db.scalar(select(Administration.four_eyes).where(
            Administration.slug == "vg-cochem")) is False


# -- the JSON API --------------------------------------------------------------------------------


def test_the_api_lists_adds_and_removes_staff(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock,
    admin: Admin,
) -> None:
    colleague, colleague_id = staff_at(provider, "vg-cochem")
    outsider, _ = staff_at(provider, "vg-zell")
    sign_in(browser, clock, admin)
    auth = bearer(app_client, provider, browser, admin.email)

    listed = app_client.get(API, headers=auth)
    assert listed.status_code == 200
    body = listed.json()
    assert body["administration"] == "vg-cochem" and body["four_eyes"] is False
    assert {"account_id": colleague_id, "email": colleague, "role": REGISTRATION_OFFICER} \
        in body["staff"]
    assert outsider not in listed.text

    created = app_client.post(API, headers=auth,
                              json={"email": "neu@vg-cochem.example", "role": LETTER_DISPATCH})
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    new = created.json()
    assert new["created_account"] is True and new["bound_second_factor"] is True
    assert new["password"] and new["totp_secret"]
    again = app_client.post(API, headers=auth,
                            json={"email": "neu@vg-cochem.example", "role": LETTER_DISPATCH})
    assert again.status_code == 200 and again.json()["granted"] is False
    assert again.json()["password"] is None

    gone = app_client.delete(f"{API}/{colleague_id}/{REGISTRATION_OFFICER}", headers=auth)
    assert gone.status_code == 204
    assert roles(provider, colleague_id) == []
    twice = app_client.delete(f"{API}/{colleague_id}/{REGISTRATION_OFFICER}", headers=auth)
    assert twice.status_code == 404
    assert twice.headers["content-type"] == "application/problem+json"


def test_the_api_answers_problems_and_404_across_administrations(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock,
    admin: Admin,
) -> None:
    _, outsider_id = staff_at(provider, "vg-zell")
    sign_in(browser, clock, admin)
    auth = bearer(app_client, provider, browser, admin.email)

    other = app_client.delete(f"{API}/{outsider_id}/{REGISTRATION_OFFICER}", headers=auth)
    by_slug = app_client.get(f"{API}?administration=vg-zell", headers=auth)
    own = app_client.delete(f"{API}/{admin.account_id}/{ADMINISTRATION_ADMIN}", headers=auth)
    malformed = app_client.post(API, headers=auth, json={"email": "keine", "role": LETTER_DISPATCH})
    bad_role = app_client.post(API, headers=auth, json={"email": "a@b.example", "role": "chef"})
    extra = app_client.post(API, headers=auth,
                            json={"email": "a@b.example", "role": LETTER_DISPATCH, "x": 1})

    assert (other.status_code, by_slug.status_code) == (404, 404)
    assert roles(provider, outsider_id) == [("vg-zell", REGISTRATION_OFFICER)]
    assert own.status_code == 409 and own.json()["title"] == "own_admin_role"
    assert malformed.status_code == 422 and malformed.json()["title"] == "email_malformed"
    assert bad_role.status_code == 422 and extra.status_code == 422
    for answer in (other, own, malformed, bad_role, extra):
        assert answer.headers["content-type"] == "application/problem+json"


def test_the_api_refuses_password_only_tokens_other_staff_and_machines(
    app_client: TestClient, provider: Provider, browser: Browser, clock: FixedClock,
    admin: Admin,
) -> None:
    log_in(browser, admin.email)  # password only; the token's grant has amr ["pwd"]
    password_only = bearer(app_client, provider, browser, admin.email)
    refused = app_client.get(API, headers=password_only)
    assert refused.status_code == 403
    assert "second factor" in refused.json()["detail"]

    officer_browser = Browser(TestClient(app_client.app, base_url="http://testserver"))
    email, officer_id = staff_at(provider, "vg-cochem")
    secret = enrol_totp(app_client, provider, clock, officer_id)
    log_in(officer_browser, email)
    enter_code(officer_browser, secret, clock)
    officer = bearer(app_client, provider, officer_browser, email)
    assert app_client.get(API, headers=officer).status_code == 403

    machine = make_client(provider, grant_types=["client_credentials"], scopes=["staff"],
                          redirect_uris=[])
    token = app_client.post("/token", data={"grant_type": "client_credentials"},
                            auth=(machine.client_id, machine.client_secret or ""))
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert app_client.get(API, headers=headers).status_code == 403
    assert app_client.get(API).status_code == 401
